// Extracts the plain facts the real lab needs (nodes, eth1 addresses, pods, services, VM sizes) from a LabModel.
import type { Device, LabModel } from '../topology/model.js';
import { contains, formatCidr, formatIp, parseCidr } from '../topology/address.js';
import { UsageError } from './backend.js';

export interface RealLabPod {
  readonly name: string;
  readonly node: string;
  /** The model's image name as written ("busybox", "nginx"). */
  readonly image: string;
  /** The address the model expects; the real cluster assigns addresses in creation order. */
  readonly ip: string;
  readonly ports: readonly { readonly protocol: 'TCP' | 'UDP'; readonly port: number }[];
}

export interface RealLabNode {
  readonly name: string;
  readonly role: 'control-plane' | 'worker';
  /** The host-only (eth1) address: kubelet's --node-ip and the VM's private_network address. */
  readonly ip: string;
  readonly podSubnet: string;
  readonly pods: readonly RealLabPod[];
}

export interface RealLabService {
  readonly name: string;
  readonly namespace: string;
  readonly clusterIp: string;
  readonly ports: readonly { readonly name?: string; readonly protocol: 'TCP' | 'UDP'; readonly port: number; readonly targetPort: number }[];
  readonly endpoints: readonly string[];
}

export interface RealLabFacts {
  readonly name: string;
  readonly nodes: readonly RealLabNode[];
  /** Node names in kubeadm join order (control plane first). */
  readonly joinOrder: readonly string[];
  readonly services: readonly RealLabService[];
  readonly clusterNetwork: string;
  readonly serviceNetwork: string;
  readonly flannelIface: string | null;
  /** Nodes where the model stops flanneld (deleted host-gw routes stay deleted there), in join order. */
  readonly flannelStopped: readonly string[];
  readonly kubeletNodeIp: boolean;
  readonly icmpRatelimit: number;
  readonly hostOnly: { readonly network: string; readonly hostIp: string; readonly iface: string; readonly netmask: string };
  readonly natIface: string;
  readonly vm: { readonly box: string; readonly cpus: number; readonly memoryMiB: number; readonly kubernetesVersion: string };
}

/** VirtualBox >= 6.1.28 only allows host-only addresses in these ranges unless /etc/vbox/networks.conf widens them. */
export const VIRTUALBOX_DEFAULT_HOST_ONLY = ['192.168.56.0/21'] as const;

/** Parses /etc/vbox/networks.conf (lines like "* 10.0.0.0/8 192.168.0.0/16"); an absent file gives the default. */
export function hostOnlyRangesFrom(networksConf: string | undefined): string[] {
  if (networksConf === undefined) return [...VIRTUALBOX_DEFAULT_HOST_ONLY];
  const ranges: string[] = [];
  for (const line of networksConf.split('\n')) {
    const words = line.trim().split(/\s+/);
    if (words[0] !== '*') continue;
    for (const word of words.slice(1)) if (parseCidr(word, false)) ranges.push(word);
  }
  return ranges;
}

/** Throws a UsageError explaining VirtualBox's rule when an address is outside every allowed range. */
export function checkHostOnlyAddress(what: string, address: number, allowed: readonly string[]): void {
  const ok = allowed.some((range) => {
    const prefix = parseCidr(range, false);
    return prefix !== undefined && contains(prefix, address);
  });
  if (ok) return;
  throw new UsageError(
    `${what} ${formatIp(address)} is outside the host-only ranges VirtualBox allows (${allowed.join(', ') || 'none'}): ` +
      'VirtualBox >= 6.1.28 refuses host-only addresses outside 192.168.56.0/21 unless /etc/vbox/networks.conf lists the range ' +
      '(e.g. "* 10.0.0.0/8 192.168.0.0/16"); use 192.168.56.0/21 in the lab file or add the range to /etc/vbox/networks.conf',
  );
}

function hostOnlyAddress(lab: LabModel, node: Device): number {
  const iface = node.interfaces.find((i) => i.name === lab.hostOnly.iface);
  const addr = iface?.addrs.find((a) => contains(lab.hostOnly.network, a.ip));
  if (!addr) throw new UsageError(`node ${node.id} has no address on ${lab.hostOnly.iface} in ${formatCidr(lab.hostOnly.network)}`);
  return addr.ip;
}

function podAddress(pod: Device): string {
  const eth0 = pod.interfaces.find((i) => i.name === 'eth0') ?? pod.interfaces.find((i) => i.kind !== 'loopback');
  const addr = eth0?.addrs[0];
  return addr ? formatIp(addr.ip) : '';
}

function upperProtocol(p: 'tcp' | 'udp'): 'TCP' | 'UDP' {
  return p === 'tcp' ? 'TCP' : 'UDP';
}

function netmaskOf(len: number): string {
  return formatIp(len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0);
}

/** The facts of the model the Vagrantfile and the playbooks consume; checks host-only addresses against `allowed`. */
export function realLabFacts(lab: LabModel, allowed: readonly string[] = VIRTUALBOX_DEFAULT_HOST_ONLY): RealLabFacts {
  const nodeDevices = lab.devices.filter((d) => d.kind === 'node');
  const order = lab.cluster.joinOrder.length > 0 ? lab.cluster.joinOrder : nodeDevices.map((d) => d.id);
  const byName = new Map(nodeDevices.map((d) => [d.id, d]));
  checkHostOnlyAddress('host-only host address', lab.hostOnly.hostIp, allowed);
  const nodes: RealLabNode[] = [];
  for (const name of order) {
    const device = byName.get(name);
    if (!device) throw new UsageError(`cluster.joinOrder names "${name}", which is not a node of lab ${lab.name}`);
    const ip = hostOnlyAddress(lab, device);
    checkHostOnlyAddress(`node ${name}'s host-only address`, ip, allowed);
    if (!device.podSubnet) throw new UsageError(`node ${name} has no pod subnet`);
    const pods = lab.devices
      .filter((d) => d.kind === 'pod' && d.node === name)
      .map((d) => ({
        name: d.id,
        node: name,
        image: d.image ?? 'busybox',
        ip: podAddress(d),
        ports: d.listeners.map((l) => ({ protocol: upperProtocol(l.protocol), port: l.port })),
      }));
    nodes.push({ name, role: device.role ?? (nodes.length === 0 ? 'control-plane' : 'worker'), ip: formatIp(ip), podSubnet: formatCidr(device.podSubnet), pods });
  }
  if (nodes.filter((n) => n.role === 'control-plane').length !== 1) {
    throw new UsageError(`the real lab needs exactly one control-plane node; lab ${lab.name} has ${nodes.filter((n) => n.role === 'control-plane').length}`);
  }
  if (nodes[0]!.role !== 'control-plane') throw new UsageError(`the control-plane node must join first; cluster.joinOrder starts with ${nodes[0]!.name}`);
  const services = lab.services.map((s) => ({
    name: s.name,
    namespace: s.namespace,
    clusterIp: formatIp(s.ip),
    ports: s.ports.map((p) => ({ ...(p.name ? { name: p.name } : {}), protocol: upperProtocol(p.protocol), port: p.port, targetPort: p.targetPort })),
    endpoints: [...s.endpoints],
  }));
  return {
    name: lab.name,
    nodes,
    joinOrder: nodes.map((n) => n.name),
    services,
    clusterNetwork: formatCidr(lab.cluster.network),
    serviceNetwork: formatCidr(lab.cluster.serviceNetwork),
    flannelIface: lab.cluster.flannelIface ?? null,
    flannelStopped: nodes.map((n) => n.name).filter((name) => lab.cluster.flannelStopped.includes(name)),
    kubeletNodeIp: lab.cluster.kubeletNodeIp,
    icmpRatelimit: lab.cluster.icmpRatelimit,
    hostOnly: { network: formatCidr(lab.hostOnly.network), hostIp: formatIp(lab.hostOnly.hostIp), iface: lab.hostOnly.iface, netmask: netmaskOf(lab.hostOnly.network.len) },
    natIface: lab.nat.iface,
    vm: { ...lab.vm },
  };
}
