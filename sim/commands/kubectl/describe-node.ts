// kubectl describe node (describe.go describeNode), 1.31 layout: labels, Flannel's and kubeadm's annotations,
// conditions, addresses, system info, PodCIDRs and the node's pods. Capacity, Allocatable and Allocated resources are
// left out (the model carries no resource figures; docs/kubectl.md).
import { createHash } from 'node:crypto';
import { formatIp } from '../../../topology/address.js';
import type { LabModel } from '../../../topology/model.js';
import type { KubeNode } from '../../../topology/kube-nodes.js';
import { BOX_KERNEL, BOX_OS, RUNTIME } from '../../../topology/kube-nodes.js';
import { describeTime } from './api-meta.js';
import { multilineLabels } from './describe-pod.js';
import { describeEvents } from './events.js';
import type { KubectlCall } from './registry.js';
import { nodeRoles } from './res-nodes.js';
import { humanDuration } from './table.js';
import { tabwrite } from './tabwriter.js';

/** The annotations Flannel (kube subnet manager) and kubeadm/kubelet put on a node. */
export function nodeAnnotations(n: KubeNode, call: KubectlCall): Record<string, string> {
  const flannel = call.ctx.sim.model.device(n.name)?.flannel;
  const map: Record<string, string> = {
    ...(flannel ? {
      'flannel.alpha.coreos.com/backend-data': 'null', 'flannel.alpha.coreos.com/backend-type': 'host-gw',
      'flannel.alpha.coreos.com/kube-subnet-manager': 'true', 'flannel.alpha.coreos.com/public-ip': formatIp(flannel.publicIp),
    } : {}),
    'kubeadm.alpha.kubernetes.io/cri-socket': 'unix:///var/run/containerd/containerd.sock',
    'node.alpha.kubernetes.io/ttl': '0',
    'volumes.kubernetes.io/controller-managed-attach-detach': 'true',
  };
  return map;
}

function annotations(n: KubeNode, call: KubectlCall): string {
  const map = nodeAnnotations(n, call);
  return Object.keys(map).sort().map((k, i) => `${i === 0 ? 'Annotations:' : ''}\t${k}: ${map[k]}\n`).join('');
}

/** /etc/machine-id, the DMI product UUID and the boot id: stable per node name (VirtualBox gives each VM its own). */
export function machineIds(name: string): { machineID: string; systemUUID: string; bootID: string } {
  const h = (what: string) => createHash('sha256').update(`${what}/${name}`).digest('hex');
  const uuid = (x: string) => `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
  return { machineID: h('machine-id').slice(0, 32), systemUUID: uuid(h('system-uuid')), bootID: uuid(h('boot-id')) };
}

/**
 * Capacity and Allocatable as kubelet reports them for the VM: its CPUs and configured memory (the guest's MemTotal is
 * a little less on a real VM), bento's 64 GiB disk, kubelet's default 110 pods.
 */
export function nodeResources(vm: LabModel['vm']): Record<string, string> {
  return { cpu: String(vm.cpus), 'ephemeral-storage': '65739308Ki', 'hugepages-1Gi': '0', 'hugepages-2Mi': '0', memory: `${vm.memoryMiB * 1024}Ki`, pods: '110' };
}

function conditions(n: KubeNode, call: KubectlCall): string {
  const rows = n.conditions.map((c) => `  ${c.type} \t${c.status} \t${describeTime(call.nowMs)} \t${describeTime(n.createdMs)} \t${c.reason} \t${c.message}\n`);
  return 'Conditions:\n  Type\tStatus\tLastHeartbeatTime\tLastTransitionTime\tReason\tMessage\n  ----\t------\t-----------------\t------------------\t------\t-------\n' + rows.join('');
}

function pods(n: KubeNode, call: KubectlCall): string {
  const here = call.cluster.pods.filter((p) => p.node === n.name).sort((a, b) => (a.namespace === b.namespace ? (a.name < b.name ? -1 : 1) : a.namespace < b.namespace ? -1 : 1));
  return `Non-terminated Pods:\t(${here.length} in total)\n  Namespace\tName\t\tCPU Requests\tCPU Limits\tMemory Requests\tMemory Limits\tAge\n  ---------\t----\t\t------------\t----------\t---------------\t-------------\t---\n`
    + here.map((p) => `  ${p.namespace}\t${p.name}\t\t0 (0%)\t0 (0%)\t0 (0%)\t0 (0%)\t${humanDuration(call.nowMs - p.createdMs)}\n`).join('')
    + 'Allocated resources:\n  (Total limits may be over 100 percent, i.e., overcommitted.)\n  Resource\tRequests\tLimits\n  --------\t--------\t------\n'
    + ['cpu', 'memory', 'ephemeral-storage', 'hugepages-1Gi', 'hugepages-2Mi'].map((r) => `  ${r}\t0 (0%)\t0 (0%)\n`).join('');
}

/** resource.Quantity's canonical text for a Ki amount (2097152Ki is 2Gi). */
function quantity(value: string): string {
  const m = /^(\d+)Ki$/.exec(value);
  if (!m) return value;
  const ki = Number(m[1]);
  return ki % (1024 * 1024) === 0 ? `${ki / 1024 / 1024}Gi` : ki % 1024 === 0 ? `${ki / 1024}Mi` : value;
}

function resourceLines(title: string, resources: Readonly<Record<string, string>>): string {
  return `${title}:\n` + Object.keys(resources).sort().map((k) => `  ${k}:\t${quantity(resources[k]!)}\n`).join('');
}

export function describeNode(n: KubeNode, call: KubectlCall): string {
  const resources = nodeResources(call.ctx.sim.model.vm);
  const ids = machineIds(n.name);
  const taints = n.role === 'control-plane' ? 'node-role.kubernetes.io/control-plane:NoSchedule' : '<none>';
  const text = `Name:\t${n.name}\nRoles:\t${nodeRoles(n)}\n${multilineLabels('Labels', n.labels)}${annotations(n, call)}`
    + `CreationTimestamp:\t${describeTime(n.createdMs)}\nTaints:\t${taints}\nUnschedulable:\tfalse\n`
    + `Lease:\n  HolderIdentity:\t${n.name}\n  AcquireTime:\t<unset>\n  RenewTime:\t${describeTime(call.nowMs)}\n${conditions(n, call)}`
    + `Addresses:\n  InternalIP:\t${n.internalIp}\n  Hostname:\t${n.name}\n`
    + resourceLines('Capacity', resources) + resourceLines('Allocatable', resources)
    + `System Info:\n  Machine ID:\t${ids.machineID}\n  System UUID:\t${ids.systemUUID}\n  Boot ID:\t${ids.bootID}\n  Kernel Version:\t${BOX_KERNEL}\n  OS Image:\t${BOX_OS}\n  Operating System:\tlinux\n  Architecture:\tamd64\n`
    + `  Container Runtime Version:\t${RUNTIME}\n  Kubelet Version:\t${n.kubeletVersion}\n  Kube-Proxy Version:\t\n`
    + (n.podCIDR ? `PodCIDR:\t${n.podCIDR}\nPodCIDRs:\t${n.podCIDR}\n` : '') + pods(n, call) + describeEvents([], call);
  return tabwrite(text, 0, 2);
}
