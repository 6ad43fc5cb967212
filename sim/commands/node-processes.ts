// The processes a lab node runs, as `ps` lists them: systemd's services, sshd with the trainee's session, containerd,
// kubelet with the flags kubeadm and the playbook give it (no --node-ip when the lab's kubelet fault is on), and per
// pod a containerd shim, its pause container and the image's own process (flanneld, kube-proxy, the control plane).
import type { Device, LabModel } from '../../topology/model.js';
import { formatCidr, formatIp } from '../../topology/address.js';
import { CLUSTER_AGE_MS, JOIN_GAP_MS } from '../../topology/kube-nodes.js';
import { imageBaseName } from '../../topology/images.js';
import { LAB_EPOCH_MS } from './kubectl/api-meta.js';

/** One process; sizes and CPU figures are plausible constants (not modelled), the command lines are the real ones. */
export interface NodeProcess {
  readonly user: string;
  readonly pid: number;
  readonly ppid: number;
  readonly vszKiB: number;
  readonly rssKiB: number;
  readonly tty: string;
  readonly stat: string;
  /** Start, lab milliseconds (negative: before the lab's clock started). */
  readonly startMs: number;
  readonly cpuSeconds: number;
  readonly command: string;
}

export type Spec = Omit<NodeProcess, 'pid' | 'ppid' | 'startMs'> & { readonly children?: readonly Spec[] };

const spec = (user: string, command: string, vszKiB: number, rssKiB: number, stat = 'Ss', cpuSeconds = 0, children?: Spec[]): Spec =>
  ({ user, command, vszKiB, rssKiB, tty: '?', stat, cpuSeconds, ...(children ? { children } : {}) });

/** containerd's id of a pod sandbox: 64 hex digits, derived from the pod's id (stable across runs). */
function sandboxId(podId: string): string {
  let h = 0x811c9dc5;
  let out = '';
  for (let round = 0; out.length < 64; round++) {
    for (const c of `${podId}#${round}`) h = Math.imul(h ^ c.charCodeAt(0), 0x01000193) >>> 0;
    out += h.toString(16).padStart(8, '0');
  }
  return out.slice(0, 64);
}

/** A pod as containerd runs it: a shim, then the pause container and the pod's containers under it. */
function podProcesses(podId: string, main: readonly Spec[]): Spec {
  const shim = `/usr/bin/containerd-shim-runc-v2 -namespace k8s.io -id ${sandboxId(podId)} -address /run/containerd/containerd.sock`;
  return spec('root', shim, 1238124, 13952, 'Sl', 0, [spec('65535', '/pause', 1020, 640, 'Ss'), ...main]);
}

/** The image's own process in a lab pod (the command the real lab runs it with). */
export function workload(image: string): Spec[] {
  switch (imageBaseName(image)) {
    case 'nginx':
      // [ASSUMED: nginx's workers run as uid 101, which the Debian box's /etc/passwd does not name.]
      return [spec('root', 'nginx: master process nginx -g daemon off;', 11404, 7552, 'Ss', 0, [spec('101', 'nginx: worker process', 11868, 2928, 'S'), spec('101', 'nginx: worker process', 11868, 2928, 'S')])];
    case 'httpd':
      return [spec('root', 'httpd -DFOREGROUND', 5996, 4484, 'Ss', 0, [spec('www-data', 'httpd -DFOREGROUND', 1998108, 3236, 'Sl'), spec('www-data', 'httpd -DFOREGROUND', 1998108, 3236, 'Sl')])];
    case 'coredns':
      return [spec('root', '/coredns -conf /etc/coredns/Corefile', 1285724, 53160, 'Ssl', 3)];
    default:
      return [spec('root', 'sleep 1000000000', 1604, 4, 'Ss')];
  }
}

/** kubelet as systemd starts it: kubeadm's drop-in flags, then /etc/default/kubelet's (the playbook's --node-ip). */
function kubeletCommand(model: LabModel, node: Device): string {
  const flags = [
    '--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf', '--kubeconfig=/etc/kubernetes/kubelet.conf',
    '--config=/var/lib/kubelet/config.yaml', '--container-runtime-endpoint=unix:///var/run/containerd/containerd.sock',
    '--pod-infra-container-image=registry.k8s.io/pause:3.10',
  ];
  if (model.cluster.kubeletNodeIp && node.internalIp !== undefined) flags.push(`--node-ip=${formatIp(node.internalIp)}`);
  return `/usr/bin/kubelet ${flags.join(' ')}`;
}

/** kubeadm's static control-plane pods (their network-relevant flags). */
function controlPlane(model: LabModel, node: Device): Spec[] {
  const ip = node.internalIp !== undefined ? formatIp(node.internalIp) : '';
  const c = model.cluster;
  return [
    podProcesses(`${node.id}/etcd`, [spec('root', `etcd --advertise-client-urls=https://${ip}:2379 --data-dir=/var/lib/etcd --listen-client-urls=https://127.0.0.1:2379,https://${ip}:2379 --name=${node.hostname}`, 11214744, 52760, 'Ssl', 95)]),
    podProcesses(`${node.id}/kube-apiserver`, [spec('root', `kube-apiserver --advertise-address=${ip} --allow-privileged=true --authorization-mode=Node,RBAC --etcd-servers=https://127.0.0.1:2379 --secure-port=6443 --service-cluster-ip-range=${formatCidr(c.serviceNetwork)}`, 1562828, 291548, 'Ssl', 240)]),
    podProcesses(`${node.id}/kube-controller-manager`, [spec('root', `kube-controller-manager --allocate-node-cidrs=true --cluster-cidr=${formatCidr(c.network)} --kubeconfig=/etc/kubernetes/controller-manager.conf --leader-elect=true --service-cluster-ip-range=${formatCidr(c.serviceNetwork)}`, 1321212, 55064, 'Ssl', 60)]),
    podProcesses(`${node.id}/kube-scheduler`, [spec('root', 'kube-scheduler --kubeconfig=/etc/kubernetes/scheduler.conf --leader-elect=true', 1288316, 25112, 'Ssl', 12)]),
  ];
}

/** The node's process tree, in the order ps lists it (by pid). */
function nodeSpecs(model: LabModel, node: Device): Spec[] {
  const pods = model.devices.filter((d) => d.kind === 'pod' && d.node === node.id);
  const networking: Spec[] = [podProcesses(`${node.id}/kube-proxy`, [spec('root', `/usr/local/bin/kube-proxy --config=/var/lib/kube-proxy/config.conf --hostname-override=${node.hostname}`, 1290420, 24820, 'Ssl', 4)])];
  if (node.flannel && !model.cluster.flannelStopped.includes(node.id)) {
    networking.push(podProcesses(`${node.id}/kube-flannel`, [spec('root', `/opt/bin/flanneld --ip-masq --kube-subnet-mgr --iface=${node.flannel.iface}`, 1338404, 26548, 'Ssl', 6)]));
  }
  const trainee = spec('root', 'sshd: vagrant [priv]', 17724, 10880, 'Ss', 0, [spec('vagrant', 'sshd: vagrant@pts/0', 17984, 6724, 'S', 0, [{ ...spec('vagrant', '-bash', 8236, 5024, 'Ss'), tty: 'pts/0' }])]);
  return [
    spec('root', '/sbin/init', 168340, 12560, 'Ss', 2),
    spec('root', '/lib/systemd/systemd-journald', 48968, 16128, 'Ss', 0),
    spec('root', '/lib/systemd/systemd-udevd', 26352, 7040, 'Ss', 0),
    spec('message+', '/usr/bin/dbus-daemon --system --address=systemd: --nofork --nopidfile --systemd-activation --syslog-only', 9124, 4608, 'Ss'),
    spec('root', '/usr/sbin/cron -f', 6612, 2688, 'Ss'),
    spec('root', '/sbin/agetty -o -p -- \\u --noclear - linux', 5872, 1792, 'Ss+'),
    spec('root', 'sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups', 15408, 9088, 'Ss', 0, [trainee]),
    spec('root', '/usr/bin/containerd', 1875644, 52932, 'Ssl', 45),
    spec('root', kubeletCommand(model, node), 1927256, 82716, 'Ssl', 70),
    ...(node.role === 'control-plane' ? controlPlane(model, node) : []),
    ...networking,
    ...pods.map((p) => podProcesses(p.id, workload(p.image ?? 'busybox'))),
  ];
}

/** Every process of NODE with pids handed out in start order, children right after their parent. */
export function nodeProcesses(model: LabModel, node: Device): NodeProcess[] {
  const order = model.cluster.joinOrder.indexOf(node.id);
  const bootMs = -(CLUSTER_AGE_MS - Math.max(0, order) * JOIN_GAP_MS) - 3 * 60_000;
  const out: NodeProcess[] = [];
  let next = 1;
  const place = (s: Spec, ppid: number, startMs: number): void => {
    const { children, ...p } = s;
    const pid = next;
    next = next === 1 ? 400 : next + 1 + (out.length % 7) * 3;
    out.push({ ...p, pid, ppid, startMs });
    for (const c of children ?? []) place(c, pid, startMs);
  };
  for (const s of nodeSpecs(model, node)) place(s, 1, bootMs);
  out[0] = { ...out[0]!, ppid: 0 };
  return out;
}

/** When a process started, in the lab's wall time (UTC, as the boxes keep it). */
export function startDate(startMs: number): Date {
  return new Date(LAB_EPOCH_MS + startMs);
}
