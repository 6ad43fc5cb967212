// The address plan: resolves a lab file's defaults (pod subnets in join order, next free pod addresses) and checks
// its semantics (unknown references, duplicates, overlaps, addresses outside their subnets), with locations.
import {
  broadcastOf, contains, formatCidr, formatIp, isDocumentationRange, networkOf, overlaps, parseCidr, parseIp,
  type Cidr,
} from './address.js';
import { LAB_DEFAULTS, type LabFile } from './labfile.js';
import type { Diagnostic, PathKey, YamlSource } from './yaml-source.js';

export interface PlannedPod {
  readonly name: string;
  readonly node: string;
  readonly ip: number;
  readonly image: string;
  readonly listen: readonly { protocol: 'tcp' | 'udp'; port: number }[];
}

export interface PlannedNode {
  readonly name: string;
  readonly role: 'control-plane' | 'worker';
  readonly ip: number;
  /** Undefined when the node has not joined (not in joinOrder) and names no podSubnet. */
  readonly podSubnet?: Cidr;
  readonly pods: readonly PlannedPod[];
}

export interface LabPlan {
  readonly name: string;
  readonly description: string;
  readonly clusterNetwork: Cidr;
  readonly serviceNetwork: Cidr;
  readonly flannelIface?: string;
  readonly flannelStopped: readonly string[];
  readonly kubeletNodeIp: boolean;
  readonly joinOrder: readonly string[];
  readonly icmpRatelimit: number;
  readonly hostOnly: { network: Cidr; hostIp: number; iface: string };
  readonly nat: { network: Cidr; guestIp: number; gatewayIp: number; dnsIp: number; iface: string };
  readonly vm: { box: string; cpus: number; memoryMiB: number; kubernetesVersion: string };
  readonly nodes: readonly PlannedNode[];
  readonly services: readonly {
    name: string; namespace: string; ip: number; endpoints: readonly string[];
    ports: readonly { name?: string; protocol: 'tcp' | 'udp'; port: number; targetPort: number }[];
  }[];
  readonly externals: readonly { name: string; ip: number; listen: readonly { protocol: 'tcp' | 'udp'; port: number }[] }[];
}

const RESERVED_IDS = new Set(['host', 'wan', 'host-only']);
/** NAT engines take their outside addresses from 198.51.100.0/24: .1 to .253. */
export const MAX_NODES_WITH_EXTERNALS = 253;

export function planLab(src: YamlSource<LabFile>): { plan: LabPlan; diagnostics: Diagnostic[] } {
  const f = src.data;
  const out: Diagnostic[] = [];
  const err = (path: readonly PathKey[], message: string) => out.push(src.at(path, message));
  const prefix = (path: PathKey[], text: string | undefined, fallback: string): Cidr => {
    const parsed = parseCidr(text ?? fallback);
    if (parsed) return parsed;
    const loose = parseCidr(text ?? fallback, false);
    err(path, loose ? `${text} has host bits set (did you mean ${formatCidr(loose)}?)` : `invalid prefix ${text}`);
    return loose ?? { addr: 0, len: 32 };
  };
  const addr = (path: PathKey[], text: string | undefined, fallback: string): number => {
    const value = parseIp(text ?? fallback);
    if (value === undefined) err(path, `invalid IPv4 address ${text}`);
    return value ?? 0;
  };

  const clusterNetwork = prefix(['cluster', 'network'], f.cluster?.network, LAB_DEFAULTS.clusterNetwork);
  const serviceNetwork = prefix(['cluster', 'serviceNetwork'], f.cluster?.serviceNetwork, LAB_DEFAULTS.serviceNetwork);
  const hostOnlyNetwork = prefix(['hostOnly', 'network'], f.hostOnly?.network, LAB_DEFAULTS.hostOnlyNetwork);
  const hostIp = addr(['hostOnly', 'host'], f.hostOnly?.host, LAB_DEFAULTS.hostOnlyHost);
  const natNetwork = prefix(['nat', 'network'], f.nat?.network, LAB_DEFAULTS.natNetwork);
  const nat = {
    network: natNetwork,
    guestIp: addr(['nat', 'guest'], f.nat?.guest, LAB_DEFAULTS.natGuest),
    gatewayIp: addr(['nat', 'gateway'], f.nat?.gateway, LAB_DEFAULTS.natGateway),
    dnsIp: addr(['nat', 'dns'], f.nat?.dns, LAB_DEFAULTS.natDns),
    iface: f.nat?.iface ?? LAB_DEFAULTS.natIface,
  };
  for (const key of ['guest', 'gateway', 'dns'] as const) {
    const value = key === 'guest' ? nat.guestIp : key === 'gateway' ? nat.gatewayIp : nat.dnsIp;
    if (!contains(natNetwork, value)) err(['nat', key], `${formatIp(value)} is outside the NAT network ${formatCidr(natNetwork)}`);
  }
  if (!contains(hostOnlyNetwork, hostIp)) err(['hostOnly', 'host'], `${formatIp(hostIp)} is outside the host-only network ${formatCidr(hostOnlyNetwork)}`);
  const hostOnlyIface = f.hostOnly?.iface ?? LAB_DEFAULTS.hostOnlyIface;
  if (hostOnlyIface === nat.iface) err(['hostOnly', 'iface'], `the host-only interface and the NAT interface are both named ${nat.iface}`);

  const networks: { name: string; cidr: Cidr; path: PathKey[] }[] = [
    { name: 'the cluster network', cidr: clusterNetwork, path: ['cluster', 'network'] },
    { name: 'the service network', cidr: serviceNetwork, path: ['cluster', 'serviceNetwork'] },
    { name: 'the host-only network', cidr: hostOnlyNetwork, path: ['hostOnly', 'network'] },
    { name: 'the NAT network', cidr: natNetwork, path: ['nat', 'network'] },
  ];
  for (let i = 0; i < networks.length; i++) {
    for (let j = i + 1; j < networks.length; j++) {
      const a = networks[i]!;
      const b = networks[j]!;
      if (overlaps(a.cidr, b.cidr)) err(b.path, `${formatCidr(b.cidr)} (${b.name}) overlaps ${formatCidr(a.cidr)} (${a.name})`);
    }
  }

  // Names: nodes, pods, NAT engines, externals and reserved ids share one namespace of device ids. Each id maps to
  // the kind of its owner; the owner's description is only spelled out for a diagnostic.
  const ids = new Map<string, IdKind>();
  const claimId = (id: string, path: PathKey[], kind: IdKind) => {
    if (RESERVED_IDS.has(id)) err(path, `"${id}" is a reserved name`);
    const previous = ids.get(id);
    if (previous) err(path, `duplicate name "${id}" (already used by ${describeId(id, previous)})`);
    else ids.set(id, kind);
  };
  // Addresses: every assigned address is unique across the lab. Pod addresses map to the pod's name (no text is
  // built per pod), every other address to its owner's description.
  const addresses = new Map<number, string>([[hostIp, 'the host']]);
  const podAddresses = new Map<number, string>();
  const ownerOf = (ip: number): string | undefined => {
    const pod = podAddresses.get(ip);
    return pod !== undefined ? `pod ${pod}` : addresses.get(ip);
  };
  const claimAddress = (ip: number, path: PathKey[], what: string) => {
    const previous = ownerOf(ip);
    if (previous) err(path, `duplicate address ${formatIp(ip)} (already used by ${previous})`);
    else addresses.set(ip, what);
  };
  const claimPodAddress = (ip: number, path: PathKey[], pod: string) => {
    const previous = ownerOf(ip);
    if (previous) err(path, `duplicate address ${formatIp(ip)} (already used by ${previous})`);
    else podAddresses.set(ip, pod);
  };

  f.nodes.forEach((n, i) => {
    claimId(n.name, ['nodes', i, 'name'], 'node');
    ids.set(`${n.name}-nat`, 'nat');
  });
  const nodeNames = new Set(f.nodes.map((n) => n.name));

  const joinOrder = f.cluster?.joinOrder ?? f.nodes.map((n) => n.name);
  joinOrder.forEach((name, i) => {
    if (!nodeNames.has(name)) err(['cluster', 'joinOrder', i], `unknown node "${name}" in joinOrder (nodes: ${[...nodeNames].join(', ')})`);
  });
  const stopped = f.cluster?.flannel?.stopped ?? [];
  stopped.forEach((name, i) => {
    if (!nodeNames.has(name)) err(['cluster', 'flannel', 'stopped', i], `unknown node "${name}" (nodes: ${[...nodeNames].join(', ')})`);
  });

  const joinIndex = new Map(joinOrder.map((name, k) => [name, k]));
  const nodeSubnetLen = Math.max(LAB_DEFAULTS.nodeSubnetLen, clusterNetwork.len);
  const subnetCount = 2 ** (nodeSubnetLen - clusterNetwork.len);
  const subnets: { node: string; cidr: Cidr; path: PathKey[] }[] = [];
  const nodes: { name: string; role: 'control-plane' | 'worker'; ip: number; podSubnet?: Cidr; pods: PlannedPod[] }[] = [];
  /** Pods that get an address, as flat (node index, pod index) pairs. */
  const pendingPods: number[] = [];
  f.nodes.forEach((n, i) => {
    const ipPath = ['nodes', i, 'ip'];
    const ip = addr(ipPath, n.ip, n.ip);
    if (!contains(hostOnlyNetwork, ip)) err(ipPath, `${n.ip} is outside the host-only network ${formatCidr(hostOnlyNetwork)}`);
    else if (ip === hostOnlyNetwork.addr || ip === broadcastOf(hostOnlyNetwork)) err(ipPath, `${n.ip} is the network or broadcast address of ${formatCidr(hostOnlyNetwork)}`);
    claimAddress(ip, ipPath, `node ${n.name}`);
    let podSubnet: Cidr | undefined;
    if (n.podSubnet !== undefined) {
      podSubnet = prefix(['nodes', i, 'podSubnet'], n.podSubnet, n.podSubnet);
    } else {
      const index = joinIndex.get(n.name) ?? -1;
      if (index >= 0) {
        if (index >= subnetCount) err(['nodes', i], `the cluster network ${formatCidr(clusterNetwork)} has room for ${subnetCount} node subnets`);
        else podSubnet = { addr: (clusterNetwork.addr + index * 2 ** (32 - nodeSubnetLen)) >>> 0, len: nodeSubnetLen };
      }
    }
    if (podSubnet) {
      subnets.push({ node: n.name, cidr: podSubnet, path: ['nodes', i, n.podSubnet !== undefined ? 'podSubnet' : 'name'] });
      for (const net of networks.slice(1)) {
        if (overlaps(podSubnet, net.cidr)) err(['nodes', i, 'podSubnet'], `pod subnet ${formatCidr(podSubnet)} overlaps ${formatCidr(net.cidr)} (${net.name})`);
      }
    }
    (n.pods ?? []).forEach((p, j) => {
      claimId(p.name, ['nodes', i, 'pods', j, 'name'], 'pod');
      if (!podSubnet) err(['nodes', i, 'pods', j], `pod ${p.name} is on node ${n.name}, which has no pod subnet (it is not in cluster.joinOrder and names no podSubnet)`);
      else pendingPods.push(i, j);
    });
    nodes.push({ name: n.name, role: n.role ?? (i === 0 ? 'control-plane' : 'worker'), ip, podSubnet, pods: [] });
  });

  // Overlapping pod subnets: sort by address so each subnet is compared with its neighbours only.
  const sorted = [...subnets].sort((a, b) => a.cidr.addr - b.cidr.addr || a.cidr.len - b.cidr.len);
  for (let k = 1; k < sorted.length; k++) {
    const a = sorted[k - 1]!;
    const b = sorted[k]!;
    if (overlaps(a.cidr, b.cidr)) err(b.path, `pod subnet ${formatCidr(b.cidr)} of ${b.node} overlaps ${formatCidr(a.cidr)} of ${a.node}`);
  }

  // Pods: explicit addresses first, then the next free address of each node's subnet.
  const podIps: (number | undefined)[][] = f.nodes.map((n) => (n.pods ?? []).map(() => undefined));
  for (let k = 0; k < pendingPods.length; k += 2) {
    const i = pendingPods[k]!;
    const j = pendingPods[k + 1]!;
    const p = f.nodes[i]!.pods![j]!;
    if (p.ip === undefined) continue;
    const path = ['nodes', i, 'pods', j, 'ip'];
    const subnet = nodes[i]!.podSubnet!;
    const ip = addr(path, p.ip, p.ip);
    if (!contains(subnet, ip)) err(path, `${p.ip} is outside ${f.nodes[i]!.name}'s pod subnet ${formatCidr(subnet)}`);
    else if (ip === subnet.addr || ip === broadcastOf(subnet)) err(path, `${p.ip} is the network or broadcast address of ${formatCidr(subnet)}`);
    else if (ip === subnet.addr + 1) err(path, `${p.ip} is the cni0 gateway of ${f.nodes[i]!.name}`);
    claimPodAddress(ip, path, p.name);
    podIps[i]![j] = ip;
  }
  const nextFree = new Map<number, number>();
  for (let k = 0; k < pendingPods.length; k += 2) {
    const i = pendingPods[k]!;
    const j = pendingPods[k + 1]!;
    if (podIps[i]![j] !== undefined) continue;
    const subnet = nodes[i]!.podSubnet!;
    const broadcast = broadcastOf(subnet);
    let candidate = nextFree.get(i) ?? subnet.addr + 2;
    while ((podAddresses.has(candidate) || addresses.has(candidate)) && candidate < broadcast) candidate++;
    if (candidate >= broadcast) {
      err(['nodes', i, 'pods', j], `no free address left in ${formatCidr(subnet)}`);
      continue;
    }
    podAddresses.set(candidate, f.nodes[i]!.pods![j]!.name);
    podIps[i]![j] = candidate;
    nextFree.set(i, candidate + 1);
  }
  const listen = listenParser();
  f.nodes.forEach((n, i) => {
    const pods: PlannedPod[] = [];
    (n.pods ?? []).forEach((p, j) => {
      const ip = podIps[i]![j];
      if (ip === undefined) return;
      pods.push({ name: p.name, node: n.name, ip, image: p.image ?? 'busybox', listen: listen(p.listen) });
    });
    nodes[i]!.pods = pods;
  });

  // Service endpoints must name pods that got an address: only the named ones are looked for.
  const endpointNames = new Set((f.services ?? []).flatMap((s) => s.endpoints ?? []));
  const podNames = new Set<string>();
  if (endpointNames.size > 0) for (const n of nodes) for (const p of n.pods) if (endpointNames.has(p.name)) podNames.add(p.name);
  const serviceNames = new Set<string>();
  const services = (f.services ?? []).map((s, i) => {
    const namespace = s.namespace ?? 'default';
    if (serviceNames.has(`${namespace}/${s.name}`)) err(['services', i, 'name'], `duplicate service "${namespace}/${s.name}"`);
    serviceNames.add(`${namespace}/${s.name}`);
    const ip = addr(['services', i, 'ip'], s.ip, s.ip);
    if (!contains(serviceNetwork, ip)) err(['services', i, 'ip'], `${s.ip} is outside the service network ${formatCidr(serviceNetwork)}`);
    claimAddress(ip, ['services', i, 'ip'], `service ${s.name}`);
    (s.endpoints ?? []).forEach((e, j) => {
      if (!podNames.has(e)) err(['services', i, 'endpoints', j], `unknown pod "${e}" in endpoints of ${s.name}`);
    });
    const ports = s.ports.map((p) => ({ name: p.name, protocol: p.protocol, port: p.port, targetPort: p.targetPort ?? p.port }));
    return { name: s.name, namespace, ip, endpoints: (s.endpoints ?? []).filter((e) => podNames.has(e)), ports };
  });

  const externals = (f.externals ?? []).map((e, i) => {
    const ip = addr(['externals', i, 'ip'], e.ip, e.ip);
    if (!isDocumentationRange(ip)) err(['externals', i, 'ip'], `${e.ip} is not in a documentation range (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24): lab traffic must never reach real hosts`);
    if ((ip >>> 8) === (parseIp('198.51.100.0')! >>> 8)) err(['externals', i, 'ip'], `${e.ip}: 198.51.100.0/24 is where the NAT engines take their outside addresses; use 192.0.2.0/24 or 203.0.113.0/24`);
    claimAddress(ip, ['externals', i, 'ip'], `external ${e.name}`);
    claimId(e.name, ['externals', i, 'name'], 'external');
    return { name: e.name, ip, listen: listen(e.listen) };
  });
  if (externals.length > 0 && f.nodes.length > MAX_NODES_WITH_EXTERNALS) {
    err(['externals'], `external hosts need a NAT engine address per node in 198.51.100.0/24: at most ${MAX_NODES_WITH_EXTERNALS} nodes`);
  }

  const flannelIfaceSetting = f.cluster?.flannel?.iface;
  const plan: LabPlan = {
    name: f.name,
    description: f.description ?? '',
    clusterNetwork,
    serviceNetwork,
    flannelIface: flannelIfaceSetting === null ? undefined : (flannelIfaceSetting ?? hostOnlyIface),
    flannelStopped: stopped,
    kubeletNodeIp: f.cluster?.kubeletNodeIp ?? true,
    joinOrder: joinOrder.filter((n) => nodeNames.has(n)),
    icmpRatelimit: f.cluster?.icmpRatelimit ?? 0,
    hostOnly: { network: hostOnlyNetwork, hostIp, iface: hostOnlyIface },
    nat,
    vm: {
      box: f.vm?.box ?? LAB_DEFAULTS.box,
      cpus: f.vm?.cpus ?? LAB_DEFAULTS.cpus,
      memoryMiB: f.vm?.memory ?? LAB_DEFAULTS.memoryMiB,
      kubernetesVersion: f.vm?.kubernetesVersion ?? LAB_DEFAULTS.kubernetesVersion,
    },
    nodes,
    services,
    externals,
  };
  if (plan.flannelIface !== undefined && plan.flannelIface !== hostOnlyIface && plan.flannelIface !== nat.iface) {
    err(['cluster', 'flannel', 'iface'], `Flannel --iface=${plan.flannelIface} names no interface of the nodes (${nat.iface}, ${hostOnlyIface})`);
  }
  return { plan, diagnostics: out };
}

type IdKind = 'node' | 'pod' | 'external' | 'nat';

/** The owner of a device id as diagnostics name it ("pod web-1", "the NAT engine of node-1"). */
function describeId(id: string, kind: IdKind): string {
  return kind === 'nat' ? `the NAT engine of ${id.slice(0, -'-nat'.length)}` : `${kind} ${id}`;
}

type ListenList = readonly { protocol: 'tcp' | 'udp'; port: number }[];

/** Parses `listen` lists ("tcp/80"); equal lists (and every empty one) share one immutable result. */
function listenParser(): (list: readonly string[] | undefined) => ListenList {
  const seen = new Map<string, ListenList>();
  const none: ListenList = Object.freeze([]);
  return (list) => {
    if (list === undefined || list.length === 0) return none;
    const key = list.join(',');
    let parsed = seen.get(key);
    if (!parsed) {
      parsed = Object.freeze(list.map((l) => {
        const [protocol, port] = l.split('/') as ['tcp' | 'udp', string];
        return Object.freeze({ protocol, port: Number(port) });
      }));
      seen.set(key, parsed);
    }
    return parsed;
  };
}

/** The pod subnet network address for the host bits check used by compile. */
export const subnetGateway = (subnet: Cidr): number => (networkOf(subnet.addr, subnet.len) + 1) >>> 0;
