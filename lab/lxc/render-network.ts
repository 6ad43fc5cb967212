// The network-only lab's variables: per node its eth1 address, pod subnet, pods (model addresses and MACs) and netfilter rules.
import { formatCidr, formatIp } from '../../topology/address.js';
import type { Device, LabModel } from '../../topology/model.js';

export interface NetworkOnlyPod {
  readonly name: string;
  readonly ip: string;
  readonly mac: string;
  /** The host end of the pod's veth pair as the model names it (the plugin's random name is replaced). */
  readonly host_veth: string;
}

export interface NetworkOnlyNode {
  readonly name: string;
  readonly pod_subnet: string;
  readonly cni0: string;
  readonly pods: readonly NetworkOnlyPod[];
  /** The node's rules in iptables-save form (kube-proxy's Service rules, the model's own): iptables-restore input. */
  readonly netfilter: string;
}

function podOf(pod: Device): NetworkOnlyPod {
  const eth0 = pod.interfaces.find((i) => i.name === 'eth0')!;
  return { name: pod.id, ip: formatIp(eth0.addrs[0]!.ip), mac: eth0.mac, host_veth: eth0.peer?.iface ?? '' };
}

/** Every node of the model with what the `network_only` role plumbs on it. */
export function networkOnlyNodes(lab: LabModel): NetworkOnlyNode[] {
  return lab.devices
    .filter((d) => d.kind === 'node' && d.podSubnet)
    .map((node) => {
      const cni0 = node.interfaces.find((i) => i.name === 'cni0');
      return {
        name: node.id,
        pod_subnet: formatCidr(node.podSubnet!),
        cni0: cni0?.addrs[0] ? `${formatIp(cni0.addrs[0].ip)}/${cni0.addrs[0].len}` : '',
        pods: lab.devices.filter((d) => d.kind === 'pod' && d.node === node.id && d.interfaces.some((i) => i.name === 'eth0')).map(podOf),
        netfilter: node.netfilter.length > 0 ? `${node.netfilter.join('\n')}\n` : '',
      };
    });
}
