// Node objects as kubelet registers them on the lab's VMs (kubeadm 1.31): labels, InternalIP, podCIDR, conditions.
import { formatCidr, formatIp } from './address.js';
import type { LabModel } from './model.js';

/** Values the model does not carry: the bento/debian-12 box's OS image, kernel and container runtime. */
export const BOX_OS = 'Debian GNU/Linux 12 (bookworm)';
export const BOX_KERNEL = '6.1.0-28-amd64';
export const RUNTIME = 'containerd://1.6.20';

/** The cluster was built this long before the lab's simulated clock starts; each later join came 5 minutes after. */
export const CLUSTER_AGE_MS = 60 * 60_000;
export const JOIN_GAP_MS = 5 * 60_000;
/** The lab's own pods and Services were created after the last join. */
export const WORKLOAD_AGE_MS = 40 * 60_000;

export interface KubeNodeCondition {
  readonly type: string;
  readonly status: 'True' | 'False';
  readonly reason: string;
  readonly message: string;
}

export interface KubeNode {
  readonly name: string;
  readonly role: 'control-plane' | 'worker';
  /** kubelet's InternalIP: the host-only address with --node-ip, else the NAT address every VM shares (10.0.2.15). */
  readonly internalIp: string;
  readonly podCIDR?: string;
  readonly createdMs: number;
  readonly labels: Readonly<Record<string, string>>;
  readonly kubeletVersion: string;
  readonly conditions: readonly KubeNodeCondition[];
}

/** kubelet's own conditions (pkg/kubelet/nodestatus/setters.go) and Flannel's NetworkUnavailable (FlannelIsUp). */
function conditions(): KubeNodeCondition[] {
  return [
    { type: 'NetworkUnavailable', status: 'False', reason: 'FlannelIsUp', message: 'Flannel is running on this node' },
    { type: 'MemoryPressure', status: 'False', reason: 'KubeletHasSufficientMemory', message: 'kubelet has sufficient memory available' },
    { type: 'DiskPressure', status: 'False', reason: 'KubeletHasNoDiskPressure', message: 'kubelet has no disk pressure' },
    { type: 'PIDPressure', status: 'False', reason: 'KubeletHasSufficientPID', message: 'kubelet has sufficient PID available' },
    { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' },
  ];
}

/** Labels kubelet sets, and kubeadm's on the control plane (node-role.kubernetes.io/control-plane, the LB exclusion). */
function nodeLabels(name: string, controlPlane: boolean): Record<string, string> {
  return {
    'beta.kubernetes.io/arch': 'amd64',
    'beta.kubernetes.io/os': 'linux',
    'kubernetes.io/arch': 'amd64',
    'kubernetes.io/hostname': name,
    'kubernetes.io/os': 'linux',
    ...(controlPlane ? { 'node-role.kubernetes.io/control-plane': '', 'node.kubernetes.io/exclude-from-external-load-balancers': '' } : {}),
  };
}

/** The joined nodes, by name (the API server lists them so), created in kubeadm join order 5 minutes apart. */
export function kubeNodes(model: LabModel): KubeNode[] {
  const order = model.cluster.joinOrder;
  return model.devices
    .filter((d) => d.kind === 'node' && order.includes(d.id))
    .sort((a, b) => (a.id < b.id ? -1 : 1))
    .map((d): KubeNode => ({
      name: d.id,
      role: d.role === 'control-plane' ? 'control-plane' : 'worker',
      internalIp: d.internalIp !== undefined ? formatIp(d.internalIp) : '',
      ...(d.podSubnet ? { podCIDR: formatCidr(d.podSubnet) } : {}),
      createdMs: -(CLUSTER_AGE_MS - order.indexOf(d.id) * JOIN_GAP_MS),
      labels: nodeLabels(d.id, d.role === 'control-plane'),
      kubeletVersion: `v${model.vm.kubernetesVersion}.0`,
      conditions: conditions(),
    }));
}

/**
 * Whether the API server's connections to NODE's kubelet (exec, logs, port-forward) reach that kubelet: not when
 * kubelet registered without --node-ip, as every node's InternalIP is then the shared NAT address, which on the
 * control plane is its own.
 */
export function kubeletReachable(model: LabModel, node: string): boolean {
  return model.cluster.kubeletNodeIp || model.device(node)?.role === 'control-plane';
}

/** kubectl exec's error when the API server reached a kubelet that does not run the pod (kubernetes/kubernetes#63702). */
export const EXEC_WRONG_KUBELET = 'error: unable to upgrade connection: pod does not exist';
