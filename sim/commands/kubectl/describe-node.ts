// kubectl describe node (describe.go describeNode), 1.31 layout: labels, Flannel's and kubeadm's annotations,
// conditions, addresses, system info, PodCIDRs and the node's pods. Capacity, Allocatable and Allocated resources are
// left out (the model carries no resource figures; docs/kubectl.md).
import { formatIp } from '../../../topology/address.js';
import type { KubeNode } from '../../../topology/kube-nodes.js';
import { BOX_KERNEL, BOX_OS, RUNTIME } from '../../../topology/kube-nodes.js';
import { describeTime } from './api-meta.js';
import { multilineLabels } from './describe-pod.js';
import { describeEvents } from './events.js';
import type { KubectlCall } from './registry.js';
import { nodeRoles } from './res-nodes.js';
import { humanDuration } from './table.js';
import { tabwrite } from './tabwriter.js';

function annotations(n: KubeNode, call: KubectlCall): string {
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
  return Object.keys(map).sort().map((k, i) => `${i === 0 ? 'Annotations:' : ''}\t${k}: ${map[k]}\n`).join('');
}

function conditions(n: KubeNode, call: KubectlCall): string {
  const rows = n.conditions.map((c) => `  ${c.type} \t${c.status} \t${describeTime(call.nowMs)} \t${describeTime(n.createdMs)} \t${c.reason} \t${c.message}\n`);
  return 'Conditions:\n  Type\tStatus\tLastHeartbeatTime\tLastTransitionTime\tReason\tMessage\n  ----\t------\t-----------------\t------------------\t------\t-------\n' + rows.join('');
}

function pods(n: KubeNode, call: KubectlCall): string {
  const here = call.cluster.pods.filter((p) => p.node === n.name).sort((a, b) => (a.namespace === b.namespace ? (a.name < b.name ? -1 : 1) : a.namespace < b.namespace ? -1 : 1));
  return `Non-terminated Pods:\t(${here.length} in total)\n  Namespace\tName\tCPU Requests\tCPU Limits\tMemory Requests\tMemory Limits\tAge\n  ---------\t----\t------------\t----------\t---------------\t-------------\t---\n`
    + here.map((p) => `  ${p.namespace}\t${p.name}\t0 (0%)\t0 (0%)\t0 (0%)\t0 (0%)\t${humanDuration(call.nowMs - p.createdMs)}\n`).join('');
}

export function describeNode(n: KubeNode, call: KubectlCall): string {
  const taints = n.role === 'control-plane' ? 'node-role.kubernetes.io/control-plane:NoSchedule' : '<none>';
  const text = `Name:\t${n.name}\nRoles:\t${nodeRoles(n)}\n${multilineLabels('Labels', n.labels)}${annotations(n, call)}`
    + `CreationTimestamp:\t${describeTime(n.createdMs)}\nTaints:\t${taints}\nUnschedulable:\tfalse\n`
    + `Lease:\n  HolderIdentity:\t${n.name}\n  AcquireTime:\t<unset>\n  RenewTime:\t${describeTime(call.nowMs)}\n${conditions(n, call)}`
    + `Addresses:\n  InternalIP:\t${n.internalIp}\n  Hostname:\t${n.name}\n`
    + `System Info:\n  Kernel Version:\t${BOX_KERNEL}\n  OS Image:\t${BOX_OS}\n  Operating System:\tlinux\n  Architecture:\tamd64\n`
    + `  Container Runtime Version:\t${RUNTIME}\n  Kubelet Version:\t${n.kubeletVersion}\n  Kube-Proxy Version:\t\n`
    + (n.podCIDR ? `PodCIDR:\t${n.podCIDR}\nPodCIDRs:\t${n.podCIDR}\n` : '') + pods(n, call) + describeEvents([], call);
  return tabwrite(text, 0, 2);
}
