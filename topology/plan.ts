// The address plan: resolves a lab file's defaults (pod subnets in join order, next free pod addresses) and checks
// its semantics (unknown references, duplicates, overlaps, addresses outside their subnets), with locations.
import { broadcastOf, contains, formatCidr, formatIp, isDocumentationRange, networkOf, overlaps, parseIp, type Cidr } from './address.js';
import { factsOfImage, podListeners, withoutBareApp } from './images.js';
import { LAB_DEFAULTS, type LabFile, type LabFileListen, type LabFilePod } from './labfile.js';
import type { Listener, Service } from './model.js';
import { listenParser, PlanContext } from './plan-context.js';
import { planServices } from './plan-services.js';
import { planPolicies, type PlannedPolicies } from './plan-policies.js';
import type { Diagnostic, PathKey, YamlSource } from './yaml-source.js';

export interface PlannedPod {
  readonly name: string;
  readonly node: string;
  readonly ip: number;
  readonly image: string;
  /** Kubernetes namespace: `default` unless the lab file names one. */
  readonly namespace: string;
  /** Labels exactly as the lab file gives them (none: no labels; Services without a selector list their endpoints). */
  readonly labels?: Readonly<Record<string, string>>;
  /** What it serves: the ports the lab file lists, or the image's defaults when it lists none (topology/images.ts). */
  readonly listen: readonly Listener[];
  /** /etc files the lab file gives in place of kubelet's (absent: kubelet's). */
  readonly files?: Readonly<Record<string, string>>;
}

export interface PlannedNode {
  readonly name: string;
  readonly role: 'control-plane' | 'worker';
  readonly ip: number;
  /** Undefined when the node has not joined (not in joinOrder) and names no podSubnet. */
  readonly podSubnet?: Cidr;
  readonly pods: readonly PlannedPod[];
  /** Files the lab file puts on the VM (manifests for `kubectl apply -f`), by absolute path. */
  readonly files?: Readonly<Record<string, string>>;
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
  readonly services: readonly Service[];
  readonly externals: readonly { name: string; ip: number; listen: readonly Listener[] }[];
  readonly policies: PlannedPolicies;
}

/** NAT engines take their outside addresses from 198.51.100.0/24: .1 to .253. */
export const MAX_NODES_WITH_EXTERNALS = 253;

export function planLab(src: YamlSource<LabFile>): { plan: LabPlan; diagnostics: Diagnostic[] } {
  const ctx = new PlanContext(src);
  const f = ctx.file;
  const nets = planNetworks(ctx);
  ctx.claimAddress(nets.hostOnly.hostIp, [], 'the host');
  const cluster = planCluster(ctx);
  const listen = listenParser();
  const nodes = planNodes(ctx, nets, cluster.joinOrder);
  planPodAddresses(ctx, nodes, listen);
  const services = planServices(ctx, nodes.flatMap((n) => n.planned.pods), nets.serviceNetwork);
  const externals = planExternals(ctx, listen);

  const flannelIfaceSetting = f.cluster?.flannel?.iface;
  const plan: LabPlan = {
    name: f.name,
    description: f.description ?? '',
    clusterNetwork: nets.clusterNetwork,
    serviceNetwork: nets.serviceNetwork,
    flannelIface: flannelIfaceSetting === null ? undefined : (flannelIfaceSetting ?? nets.hostOnly.iface),
    flannelStopped: cluster.stopped,
    kubeletNodeIp: f.cluster?.kubeletNodeIp ?? true,
    joinOrder: cluster.joinOrder.filter((n) => cluster.nodeNames.has(n)),
    icmpRatelimit: f.cluster?.icmpRatelimit ?? 0,
    hostOnly: nets.hostOnly,
    nat: nets.nat,
    vm: {
      box: f.vm?.box ?? LAB_DEFAULTS.box,
      cpus: f.vm?.cpus ?? LAB_DEFAULTS.cpus,
      memoryMiB: f.vm?.memory ?? LAB_DEFAULTS.memoryMiB,
      kubernetesVersion: f.vm?.kubernetesVersion ?? LAB_DEFAULTS.kubernetesVersion,
    },
    nodes: nodes.map((n) => n.planned),
    services,
    externals,
    policies: planPolicies(ctx),
  };
  if (plan.flannelIface !== undefined && plan.flannelIface !== nets.hostOnly.iface && plan.flannelIface !== nets.nat.iface) {
    ctx.err(['cluster', 'flannel', 'iface'], `Flannel --iface=${plan.flannelIface} names no interface of the nodes (${nets.nat.iface}, ${nets.hostOnly.iface})`);
  }
  return { plan, diagnostics: ctx.diagnostics };
}

interface LabNetwork {
  readonly name: string;
  readonly cidr: Cidr;
  readonly path: PathKey[];
}

interface PlannedNetworks {
  readonly clusterNetwork: Cidr;
  readonly serviceNetwork: Cidr;
  readonly hostOnly: LabPlan['hostOnly'];
  readonly nat: LabPlan['nat'];
  /** The cluster, service, host-only and NAT networks, in that order, for the overlap checks. */
  readonly all: readonly LabNetwork[];
}

/** The lab's networks and the host's and NAT's addresses, each checked to be inside its network; no two may overlap. */
function planNetworks(ctx: PlanContext): PlannedNetworks {
  const f = ctx.file;
  const clusterNetwork = ctx.prefix(['cluster', 'network'], f.cluster?.network, LAB_DEFAULTS.clusterNetwork);
  const serviceNetwork = ctx.prefix(['cluster', 'serviceNetwork'], f.cluster?.serviceNetwork, LAB_DEFAULTS.serviceNetwork);
  const hostOnlyNetwork = ctx.prefix(['hostOnly', 'network'], f.hostOnly?.network, LAB_DEFAULTS.hostOnlyNetwork);
  const hostIp = ctx.addr(['hostOnly', 'host'], f.hostOnly?.host, LAB_DEFAULTS.hostOnlyHost);
  const natNetwork = ctx.prefix(['nat', 'network'], f.nat?.network, LAB_DEFAULTS.natNetwork);
  const nat = {
    network: natNetwork,
    guestIp: ctx.addr(['nat', 'guest'], f.nat?.guest, LAB_DEFAULTS.natGuest),
    gatewayIp: ctx.addr(['nat', 'gateway'], f.nat?.gateway, LAB_DEFAULTS.natGateway),
    dnsIp: ctx.addr(['nat', 'dns'], f.nat?.dns, LAB_DEFAULTS.natDns),
    iface: f.nat?.iface ?? LAB_DEFAULTS.natIface,
  };
  for (const key of ['guest', 'gateway', 'dns'] as const) {
    const value = key === 'guest' ? nat.guestIp : key === 'gateway' ? nat.gatewayIp : nat.dnsIp;
    if (!contains(natNetwork, value)) ctx.err(['nat', key], `${formatIp(value)} is outside the NAT network ${formatCidr(natNetwork)}`);
  }
  if (!contains(hostOnlyNetwork, hostIp)) ctx.err(['hostOnly', 'host'], `${formatIp(hostIp)} is outside the host-only network ${formatCidr(hostOnlyNetwork)}`);
  const hostOnlyIface = f.hostOnly?.iface ?? LAB_DEFAULTS.hostOnlyIface;
  if (hostOnlyIface === nat.iface) ctx.err(['hostOnly', 'iface'], `the host-only interface and the NAT interface are both named ${nat.iface}`);

  const all: LabNetwork[] = [
    { name: 'the cluster network', cidr: clusterNetwork, path: ['cluster', 'network'] },
    { name: 'the service network', cidr: serviceNetwork, path: ['cluster', 'serviceNetwork'] },
    { name: 'the host-only network', cidr: hostOnlyNetwork, path: ['hostOnly', 'network'] },
    { name: 'the NAT network', cidr: natNetwork, path: ['nat', 'network'] },
  ];
  for (let i = 0; i < all.length; i++) {
    for (let j = i + 1; j < all.length; j++) {
      const a = all[i]!;
      const b = all[j]!;
      if (overlaps(a.cidr, b.cidr)) ctx.err(b.path, `${formatCidr(b.cidr)} (${b.name}) overlaps ${formatCidr(a.cidr)} (${a.name})`);
    }
  }
  return { clusterNetwork, serviceNetwork, hostOnly: { network: hostOnlyNetwork, hostIp, iface: hostOnlyIface }, nat, all };
}

/** The node names (claimed, with their NAT engines'), the join order and the stopped Flannels, checked against them. */
function planCluster(ctx: PlanContext): { nodeNames: ReadonlySet<string>; joinOrder: readonly string[]; stopped: readonly string[] } {
  const f = ctx.file;
  f.nodes.forEach((n, i) => {
    ctx.claimId(n.name, ['nodes', i, 'name'], 'node');
    ctx.reserveNatId(n.name);
  });
  const nodeNames = new Set(f.nodes.map((n) => n.name));
  const joinOrder = f.cluster?.joinOrder ?? f.nodes.map((n) => n.name);
  joinOrder.forEach((name, i) => {
    if (!nodeNames.has(name)) ctx.err(['cluster', 'joinOrder', i], `unknown node "${name}" in joinOrder (nodes: ${[...nodeNames].join(', ')})`);
  });
  const stopped = f.cluster?.flannel?.stopped ?? [];
  stopped.forEach((name, i) => {
    if (!nodeNames.has(name)) ctx.err(['cluster', 'flannel', 'stopped', i], `unknown node "${name}" (nodes: ${[...nodeNames].join(', ')})`);
  });
  return { nodeNames, joinOrder, stopped };
}

/** A node being planned: what the plan gets, and the indices of its pods that get an address. */
interface NodeDraft {
  readonly planned: { name: string; role: 'control-plane' | 'worker'; ip: number; podSubnet?: Cidr; pods: PlannedPod[]; files?: Readonly<Record<string, string>> };
  readonly index: number;
  readonly addressedPods: number[];
}

/** Each node's address and pod subnet (its own, or the next of the cluster network in join order); pod names claimed. */
function planNodes(ctx: PlanContext, nets: PlannedNetworks, joinOrder: readonly string[]): NodeDraft[] {
  const joinIndex = new Map(joinOrder.map((name, k) => [name, k]));
  const subnets: { node: string; cidr: Cidr; path: PathKey[] }[] = [];
  const drafts = ctx.file.nodes.map((n, i): NodeDraft => {
    const ipPath = ['nodes', i, 'ip'];
    const ip = ctx.addr(ipPath, n.ip, n.ip);
    const hostOnly = nets.hostOnly.network;
    if (!contains(hostOnly, ip)) ctx.err(ipPath, `${n.ip} is outside the host-only network ${formatCidr(hostOnly)}`);
    else if (ip === hostOnly.addr || ip === broadcastOf(hostOnly)) ctx.err(ipPath, `${n.ip} is the network or broadcast address of ${formatCidr(hostOnly)}`);
    ctx.claimAddress(ip, ipPath, `node ${n.name}`);
    const podSubnet = nodePodSubnet(ctx, nets.clusterNetwork, i, joinIndex.get(n.name) ?? -1);
    if (podSubnet) {
      subnets.push({ node: n.name, cidr: podSubnet, path: ['nodes', i, n.podSubnet !== undefined ? 'podSubnet' : 'name'] });
      for (const net of nets.all.slice(1)) {
        if (overlaps(podSubnet, net.cidr)) ctx.err(['nodes', i, 'podSubnet'], `pod subnet ${formatCidr(podSubnet)} overlaps ${formatCidr(net.cidr)} (${net.name})`);
      }
    }
    const addressedPods: number[] = [];
    (n.pods ?? []).forEach((p, j) => {
      ctx.claimId(p.name, ['nodes', i, 'pods', j, 'name'], 'pod');
      if (!podSubnet) ctx.err(['nodes', i, 'pods', j], `pod ${p.name} is on node ${n.name}, which has no pod subnet (it is not in cluster.joinOrder and names no podSubnet)`);
      else addressedPods.push(j);
    });
    return { planned: { name: n.name, role: n.role ?? (i === 0 ? 'control-plane' : 'worker'), ip, podSubnet, pods: [], ...(n.files ? { files: Object.freeze({ ...n.files }) } : {}) }, index: i, addressedPods };
  });
  checkPodSubnetOverlaps(ctx, subnets);
  return drafts;
}

/** Node I's pod subnet: the one it names, else the JOININDEX-th /24 of the cluster network; none if it never joined. */
function nodePodSubnet(ctx: PlanContext, clusterNetwork: Cidr, i: number, joinIndex: number): Cidr | undefined {
  const n = ctx.file.nodes[i]!;
  if (n.podSubnet !== undefined) return ctx.prefix(['nodes', i, 'podSubnet'], n.podSubnet, n.podSubnet);
  if (joinIndex < 0) return undefined;
  const nodeSubnetLen = Math.max(LAB_DEFAULTS.nodeSubnetLen, clusterNetwork.len);
  const subnetCount = 2 ** (nodeSubnetLen - clusterNetwork.len);
  if (joinIndex >= subnetCount) {
    ctx.err(['nodes', i], `the cluster network ${formatCidr(clusterNetwork)} has room for ${subnetCount} node subnets`);
    return undefined;
  }
  return { addr: (clusterNetwork.addr + joinIndex * 2 ** (32 - nodeSubnetLen)) >>> 0, len: nodeSubnetLen };
}

/** Overlapping pod subnets: sorted by address so each subnet is compared with its neighbours only. */
function checkPodSubnetOverlaps(ctx: PlanContext, subnets: readonly { node: string; cidr: Cidr; path: PathKey[] }[]): void {
  const sorted = [...subnets].sort((a, b) => a.cidr.addr - b.cidr.addr || a.cidr.len - b.cidr.len);
  for (let k = 1; k < sorted.length; k++) {
    const a = sorted[k - 1]!;
    const b = sorted[k]!;
    if (overlaps(a.cidr, b.cidr)) ctx.err(b.path, `pod subnet ${formatCidr(b.cidr)} of ${b.node} overlaps ${formatCidr(a.cidr)} of ${a.node}`);
  }
}

/**
 * Pod addresses: the explicit ones first (checked against the node's subnet), then the next free address of each
 * node's subnet. A full subnet is reported once, with how many pods found no address in it.
 */
function planPodAddresses(ctx: PlanContext, nodes: readonly NodeDraft[], listen: ReturnType<typeof listenParser>): void {
  const podIps = nodes.map((d) => d.addressedPods.map((j) => explicitPodAddress(ctx, d, j)));
  for (const d of nodes) {
    const subnet = d.planned.podSubnet;
    if (!subnet) continue;
    const broadcast = broadcastOf(subnet);
    let candidate = subnet.addr + 2;
    let firstUnaddressed: number | undefined;
    let unaddressed = 0;
    d.addressedPods.forEach((j, k) => {
      if (podIps[d.index]![k] !== undefined) return;
      while (ctx.isTaken(candidate) && candidate < broadcast) candidate++;
      if (candidate >= broadcast) {
        firstUnaddressed ??= j;
        unaddressed++;
        return;
      }
      ctx.claimPodAddress(candidate, [], ctx.file.nodes[d.index]!.pods![j]!.name);
      podIps[d.index]![k] = candidate++;
    });
    if (firstUnaddressed !== undefined) {
      const more = unaddressed > 1 ? ` for this pod and ${unaddressed - 1} more` : '';
      ctx.err(['nodes', d.index, 'pods', firstUnaddressed], `no free address left in ${formatCidr(subnet)}${more}`);
    }
  }
  for (const d of nodes) {
    const pods = ctx.file.nodes[d.index]!.pods ?? [];
    d.addressedPods.forEach((j, k) => {
      const ip = podIps[d.index]![k];
      const p = pods[j]!;
      if (ip === undefined) return;
      const image = p.image ?? 'busybox';
      const facts = factsOfImage(image);
      let served = facts.listeners;
      if (p.listen !== undefined) {
        const path = ['nodes', d.index, 'pods', j, 'listen'];
        served = podListeners(facts, checkedListen(ctx, path, listen, p.listen));
        checkResponses(ctx, path, served);
      }
      d.planned.pods.push(plannedPod(p, d.planned.name, ip, image, served));
    });
  }
}

/**
 * A pod's plan. Built without spreads, so 150,000 of them are one small shape each (no property store of their own),
 * with its address a small integer where it fits (a free address is counted up from the subnet in floating point).
 */
function plannedPod(p: LabFilePod, node: string, ip: number, image: string, listen: readonly Listener[]): PlannedPod {
  const pod: { -readonly [K in keyof PlannedPod]: PlannedPod[K] } = { name: p.name, node, ip: ip >>> 0, image, namespace: p.namespace ?? 'default', listen };
  if (p.labels) pod.labels = Object.freeze({ ...p.labels });
  if (p.files) pod.files = Object.freeze({ ...p.files });
  return pod;
}

/** The address pod J of node D names, checked against the node's subnet and claimed; undefined when it names none. */
function explicitPodAddress(ctx: PlanContext, d: NodeDraft, j: number): number | undefined {
  const node = ctx.file.nodes[d.index]!;
  const p = node.pods![j]!;
  if (p.ip === undefined) return undefined;
  const path = ['nodes', d.index, 'pods', j, 'ip'];
  const subnet = d.planned.podSubnet!;
  const ip = ctx.addr(path, p.ip, p.ip);
  if (!contains(subnet, ip)) ctx.err(path, `${p.ip} is outside ${node.name}'s pod subnet ${formatCidr(subnet)}`);
  else if (ip === subnet.addr || ip === broadcastOf(subnet)) ctx.err(path, `${p.ip} is the network or broadcast address of ${formatCidr(subnet)}`);
  else if (ip === subnet.addr + 1) ctx.err(path, `${p.ip} is the cni0 gateway of ${node.name}`);
  ctx.claimPodAddress(ip, path, p.name);
  return ip;
}

/** A `listen` list parsed; two listeners on one protocol and port are reported. */
function checkedListen(ctx: PlanContext, path: PathKey[], listen: ReturnType<typeof listenParser>, list: readonly LabFileListen[]): readonly Listener[] {
  const parsed = listen(list);
  let duplicates = duplicateListeners.get(parsed);
  if (!duplicates) duplicateListeners.set(parsed, (duplicates = findDuplicateListeners(parsed)));
  for (const [k, key] of duplicates) ctx.err([...path, k], `two listeners on ${key}`);
  return parsed;
}

// Pods share parsed listen lists (the parser's cache): each list is checked once.
const duplicateListeners = new WeakMap<readonly Listener[], readonly (readonly [number, string])[]>();

function findDuplicateListeners(list: readonly Listener[]): (readonly [number, string])[] {
  const seen = new Set<string>();
  const found: (readonly [number, string])[] = [];
  list.forEach((l, k) => {
    const key = `${l.protocol}/${l.port}`;
    if (seen.has(key)) found.push([k, key]);
    seen.add(key);
  });
  return found;
}

/** An `app: http` listener needs a response: its own, or the image's page on that port. */
function checkResponses(ctx: PlanContext, path: PathKey[], served: readonly Listener[]): void {
  served.forEach((l, k) => {
    if (l.app === 'http' && l.http === undefined) ctx.err([...path, k], `the http listener on ${l.protocol}/${l.port} needs a response (the image serves no page there)`);
  });
}

/** External hosts: addresses in a documentation range outside the NAT engines' 198.51.100.0/24, unique names. */
function planExternals(ctx: PlanContext, listen: ReturnType<typeof listenParser>): LabPlan['externals'] {
  const f = ctx.file;
  const externals = (f.externals ?? []).map((e, i) => {
    const ip = ctx.addr(['externals', i, 'ip'], e.ip, e.ip);
    if (!isDocumentationRange(ip)) ctx.err(['externals', i, 'ip'], `${e.ip} is not in a documentation range (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24): lab traffic must never reach real hosts`);
    if ((ip >>> 8) === (parseIp('198.51.100.0')! >>> 8)) ctx.err(['externals', i, 'ip'], `${e.ip}: 198.51.100.0/24 is where the NAT engines take their outside addresses; use 192.0.2.0/24 or 203.0.113.0/24`);
    ctx.claimAddress(ip, ['externals', i, 'ip'], `external ${e.name}`);
    ctx.claimId(e.name, ['externals', i, 'name'], 'external');
    const path = ['externals', i, 'listen'];
    const served = checkedListen(ctx, path, listen, e.listen ?? []).map(withoutBareApp);
    checkResponses(ctx, path, served);
    return { name: e.name, ip, listen: served };
  });
  if (externals.length > 0 && f.nodes.length > MAX_NODES_WITH_EXTERNALS) {
    ctx.err(['externals'], `external hosts need a NAT engine address per node in 198.51.100.0/24: at most ${MAX_NODES_WITH_EXTERNALS} nodes`);
  }
  return externals;
}

/** The pod subnet network address for the host bits check used by compile. */
export const subnetGateway = (subnet: Cidr): number => (networkOf(subnet.addr, subnet.len) + 1) >>> 0;
