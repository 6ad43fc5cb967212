// Compiles a lab file into the readonly LabModel: devices, interfaces, segments, routes and netfilter rules.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ValidateFunction } from 'ajv';
import { formatIp, networkOf, parseCidr, subnetOf, type Cidr, type IfAddr } from './address.js';
import type { LabFile } from './labfile.js';
import { LAB_DEFAULTS } from './labfile.js';
import { buildLabGraph } from './graph.js';
import type { Device, Interface, LabModel, Route, RouteSet, Segment, Service } from './model.js';
import { emptyNetfilter, natEngineNetfilter, nodeNetfilterRules } from './netfilter-rules.js';
import { packageRoot, resolveLabPath } from './paths.js';
import { planLab, subnetGateway, type LabPlan, type PlannedNode } from './plan.js';
import { compileSchema, parseYamlText, readYamlFile, SourceError, type YamlSource } from './yaml-source.js';
import { toolsetOf } from './toolset.js';

export { SourceError } from './yaml-source.js';

/** The lab schema validator, compiled on first use. */
export const labValidator = once((): ValidateFunction =>
  compileSchema(JSON.parse(readFileSync(join(packageRoot(), 'topology', 'schema', 'lab.schema.json'), 'utf8')) as object),
);

function once<T>(make: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= make());
}

/** Loads and compiles a lab by name (three-node) or path. Throws SourceError with FILE:LINE:COL diagnostics. */
export function loadLab(nameOrPath: string): LabModel {
  const file = resolveLabPath(nameOrPath);
  return compileLabSource(readYamlFile<LabFile>(file, labValidator()));
}

export function compileLabText(file: string, text: string): LabModel {
  return compileLabSource(parseYamlText<LabFile>(file, text, labValidator()));
}

/** Compiles an already parsed lab file object (used by model-level fault edits and generators). */
export function compileLabObject(file: string, data: LabFile): LabModel {
  return compileLabSource({ file, data, locate: () => ({ line: 1, col: 1 }), at: (_p, message) => ({ file, line: 1, col: 1, message }) });
}

export function compileLabSource(src: YamlSource<LabFile>): LabModel {
  const { plan, diagnostics } = planLab(src);
  if (diagnostics.length > 0) throw new SourceError(diagnostics);
  return buildModel(src.file, plan);
}

const LOOPBACK: Interface = Object.freeze({ name: 'lo', kind: 'loopback', addrs: Object.freeze([Object.freeze({ ip: 0x7f000001, len: 8 })]), mtu: 65536, mac: '00:00:00:00:00:00' });
/** Immutable values many devices share (150,000 pods in the largest generated labs): allocated once. */
const DEFAULT_DST: Cidr = Object.freeze({ addr: 0, len: 0 });
const NO_ADDRS: readonly IfAddr[] = Object.freeze([]);

function connected(a: IfAddr, dev: string): Route {
  return { dst: subnetOf(a), type: 'unicast', dev, proto: 'kernel', scope: 'link', src: a.ip };
}

/** FNV-1a over `a`, then `sep` and `b` when given (the hash of the joined text, without building it): stable names and MACs. */
function fnv1a(a: string, sep?: number, b?: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < a.length; i++) h = Math.imul(h ^ a.charCodeAt(i), 0x01000193);
  if (sep !== undefined && b !== undefined) {
    h = Math.imul(h ^ sep, 0x01000193);
    for (let i = 0; i < b.length; i++) h = Math.imul(h ^ b.charCodeAt(i), 0x01000193);
  }
  return h >>> 0;
}

const SLASH = 0x2f;
const COLON = 0x3a;

/** The character code of the lowercase hex digit of `value`'s nibble at `shift`. */
function hexDigit(value: number, shift: number): number {
  const n = (value >>> shift) & 15;
  return n < 10 ? 0x30 + n : 0x57 + n;
}

// Both names are built in one String.fromCharCode call: one flat string each (concatenation would leave a chain of
// string pieces behind, for every one of a large lab's interfaces).
function macFor(device: string, iface: string): string {
  const h = fnv1a(device, SLASH, iface);
  const g = fnv1a(iface, SLASH, device);
  return String.fromCharCode(
    0x30, 0x32, COLON, hexDigit(g, 12), hexDigit(g, 8), COLON, hexDigit(h, 28), hexDigit(h, 24), COLON,
    hexDigit(h, 20), hexDigit(h, 16), COLON, hexDigit(h, 12), hexDigit(h, 8), COLON, hexDigit(h, 4), hexDigit(h, 0),
  );
}

/** `veth` and 8 hex digits of the pod name's hash: the host end of a pod's veth pair. */
export function vethNameFor(pod: string): string {
  const h = fnv1a(pod);
  return String.fromCharCode(
    0x76, 0x65, 0x74, 0x68, hexDigit(h, 28), hexDigit(h, 24), hexDigit(h, 20), hexDigit(h, 16),
    hexDigit(h, 12), hexDigit(h, 8), hexDigit(h, 4), hexDigit(h, 0),
  );
}

function sysctls(forward: boolean, ratelimit: number): Readonly<Record<string, string>> {
  return Object.freeze({
    'net.ipv4.ip_forward': forward ? '1' : '0',
    'net.ipv4.conf.all.rp_filter': '0',
    'net.ipv4.conf.default.rp_filter': '0',
    'net.ipv4.icmp_ratelimit': String(ratelimit),
    'net.ipv4.icmp_ratemask': '6168',
  });
}

export const FLANNEL_ROUTE_SET = 'flannel-host-gw';

function buildModel(source: string, plan: LabPlan): LabModel {
  const mtu = LAB_DEFAULTS.mtu;
  const devices: Device[] = [];
  const segments: Segment[] = [{ id: 'host-only', kind: 'host-only', linkKind: 'host-only' }];
  const routerSysctls = sysctls(true, plan.icmpRatelimit);
  const hostSysctls = sysctls(false, plan.icmpRatelimit);
  const plainNetfilter = Object.freeze(emptyNetfilter());
  const natIface = plan.nat.iface;
  const hoIface = plan.hostOnly.iface;
  const flannelIface = plan.flannelIface ?? natIface;
  const publicIpOf = (n: PlannedNode) => (flannelIface === natIface ? plan.nat.guestIp : n.ip);

  // Only endpoint pods need their addresses looked up by name.
  const endpointNames = new Set(plan.services.flatMap((s) => s.endpoints));
  const podIp = new Map<string, number>();
  if (endpointNames.size > 0) for (const n of plan.nodes) for (const p of n.pods) if (endpointNames.has(p.name)) podIp.set(p.name, p.ip);
  const services: Service[] = plan.services.map((s) => ({ ...s, ports: s.ports.map((p) => ({ ...p })) }));
  const endpointIps = (svc: Service) => svc.endpoints.map((pod) => ({ pod, ip: podIp.get(pod)! }));
  const nodeNetfilter = nodeNetfilterRules({ clusterNetwork: plan.clusterNetwork, services, endpointIps });

  const joinedNames = new Set(plan.joinOrder);
  const joined = plan.nodes.filter((n) => n.podSubnet && joinedNames.has(n.name));
  const joinedSet = new Set(joined);
  const hostGw: Route[] = joined.map((n) => ({ dst: n.podSubnet!, type: 'unicast', via: publicIpOf(n), dev: flannelIface }));
  const routeSets: RouteSet[] = [{ id: FLANNEL_ROUTE_SET, routes: hostGw }];
  const natAddr = (ip: number): IfAddr => ({ ip, len: plan.nat.network.len });
  const wanNet = parseCidr(LAB_DEFAULTS.natWanNetwork)!;

  const nodeOrder = plan.nodes;
  for (const n of nodeOrder) {
    const natSegment = `${n.name}:nat`;
    const eth0: IfAddr = natAddr(plan.nat.guestIp);
    const eth1: IfAddr = { ip: n.ip, len: plan.hostOnly.network.len };
    const interfaces: Interface[] = [
      LOOPBACK,
      { name: natIface, kind: 'ether', addrs: [eth0], mtu, mac: macFor(n.name, natIface), segment: natSegment },
      { name: hoIface, kind: 'ether', addrs: [eth1], mtu, mac: macFor(n.name, hoIface), segment: 'host-only' },
    ];
    const routes: Route[] = [
      { dst: DEFAULT_DST, type: 'unicast', via: plan.nat.gatewayIp, dev: natIface },
      connected(eth0, natIface),
      connected(eth1, hoIface),
    ];
    const cniSegment = `${n.name}:cni0`;
    const vethNames = n.pods.map((p) => vethNameFor(p.name));
    if (n.podSubnet) {
      const gw: IfAddr = { ip: subnetGateway(n.podSubnet), len: n.podSubnet.len };
      segments.push({ id: cniSegment, kind: 'bridge', linkKind: 'veth' });
      interfaces.push({ name: 'cni0', kind: 'bridge', addrs: [gw], mtu, mac: macFor(n.name, 'cni0'), segment: cniSegment });
      n.pods.forEach((p, k) => {
        interfaces.push({ name: vethNames[k]!, kind: 'veth', addrs: NO_ADDRS, mtu, mac: macFor(n.name, p.name), master: 'cni0', peer: { device: p.name, iface: 'eth0' } });
      });
      routes.push(connected(gw, 'cni0'));
    }
    segments.push({ id: natSegment, kind: 'nat', linkKind: 'nat' });
    const isJoined = joinedSet.has(n);
    devices.push({
      id: n.name,
      kind: 'node',
      hostname: n.name,
      toolset: 'linux',
      role: n.role,
      interfaces,
      routes,
      sharedRoutes: isJoined ? FLANNEL_ROUTE_SET : undefined,
      sysctls: routerSysctls,
      netfilter: nodeNetfilter(isJoined ? n.podSubnet : undefined),
      listeners: [],
      podSubnet: n.podSubnet,
      internalIp: plan.kubeletNodeIp ? n.ip : plan.nat.guestIp,
      flannel: isJoined ? { iface: flannelIface, publicIp: publicIpOf(n), subnet: n.podSubnet!, mtu } : undefined,
    });
    // Every pod of a node shares its default route and its connected route's prefix.
    const subnet = n.podSubnet!;
    const podDefault: Route | undefined = n.pods.length > 0 ? { dst: DEFAULT_DST, type: 'unicast', via: subnetGateway(subnet), dev: 'eth0' } : undefined;
    const podNet: Cidr | undefined = n.pods.length > 0 ? { addr: networkOf(subnet.addr, subnet.len), len: subnet.len } : undefined;
    n.pods.forEach((p, k) => {
      const a: IfAddr = { ip: p.ip, len: subnet.len };
      devices.push({
        id: p.name,
        kind: 'pod',
        hostname: p.name,
        node: n.name,
        image: p.image,
        toolset: toolsetOf(p.image),
        interfaces: [LOOPBACK, { name: 'eth0', kind: 'veth', addrs: [a], mtu, mac: macFor(p.name, 'eth0'), segment: cniSegment, peer: { device: n.name, iface: vethNames[k]! } }],
        routes: [podDefault!, { dst: podNet!, type: 'unicast', dev: 'eth0', proto: 'kernel', scope: 'link', src: a.ip }],
        sysctls: hostSysctls,
        netfilter: plainNetfilter,
        listeners: p.listen,
      });
    });
  }

  const hostAddr: IfAddr = { ip: plan.hostOnly.hostIp, len: plan.hostOnly.network.len };
  devices.push({
    id: 'host', kind: 'host', hostname: 'workstation', toolset: 'linux',
    interfaces: [LOOPBACK, { name: 'vboxnet0', kind: 'bridge', addrs: [hostAddr], mtu, mac: macFor('host', 'vboxnet0'), segment: 'host-only' }],
    routes: [connected(hostAddr, 'vboxnet0')],
    sysctls: hostSysctls, netfilter: plainNetfilter, listeners: [],
  });

  segments.push({ id: 'wan', kind: 'wan', linkKind: 'wan' });
  const externalIps = plan.externals.map((e) => e.ip);
  // Every NAT engine runs the same rules and holds the same guest-side addresses and routes.
  const natNetfilter = natEngineNetfilter('guest', 'wan', externalIps);
  const guest: readonly IfAddr[] = [natAddr(plan.nat.gatewayIp), natAddr(plan.nat.dnsIp)];
  const natDefault: Route = { dst: DEFAULT_DST, type: 'unicast', dev: 'wan', scope: 'link' };
  const guestRoute = connected(guest[0]!, 'guest');
  nodeOrder.forEach((n, i) => {
    const natId = `${n.name}-nat`;
    const wanAddrs: IfAddr[] = plan.externals.length > 0 ? [{ ip: (wanNet.addr + i + 1) >>> 0, len: wanNet.len }] : [];
    devices.push({
      id: natId, kind: 'nat', hostname: natId, toolset: 'linux', node: n.name,
      interfaces: [
        LOOPBACK,
        { name: 'guest', kind: 'ether', addrs: guest, mtu, mac: macFor(natId, 'guest'), segment: `${n.name}:nat` },
        { name: 'wan', kind: 'ether', addrs: wanAddrs, mtu, mac: macFor(natId, 'wan'), segment: 'wan' },
      ],
      routes: wanAddrs.length > 0 ? [natDefault, guestRoute, connected(wanAddrs[0]!, 'wan')] : [natDefault, guestRoute],
      sysctls: routerSysctls,
      netfilter: natNetfilter,
      listeners: [],
    });
  });
  for (const e of plan.externals) {
    const a: IfAddr = { ip: e.ip, len: 24 };
    devices.push({
      id: e.name, kind: 'external', hostname: e.name, toolset: 'linux',
      interfaces: [LOOPBACK, { name: 'eth0', kind: 'ether', addrs: [a], mtu, mac: macFor(e.name, 'eth0'), segment: 'wan' }],
      routes: [{ dst: DEFAULT_DST, type: 'unicast', dev: 'eth0', scope: 'link' }, connected(a, 'eth0')],
      sysctls: hostSysctls, netfilter: plainNetfilter, listeners: e.listen,
    });
  }

  const byId = new Map<string, Device>();
  for (const d of devices) byId.set(d.id, d);
  let graph: ReturnType<typeof buildLabGraph> | undefined;
  const model: LabModel = {
    name: plan.name,
    source,
    description: plan.description,
    cluster: {
      network: plan.clusterNetwork,
      serviceNetwork: plan.serviceNetwork,
      flannelBackend: 'host-gw',
      flannelIface: plan.flannelIface,
      kubeletNodeIp: plan.kubeletNodeIp,
      flannelStopped: plan.flannelStopped,
      joinOrder: plan.joinOrder,
      icmpRatelimit: plan.icmpRatelimit,
    },
    hostOnly: plan.hostOnly,
    nat: plan.nat,
    vm: plan.vm,
    devices,
    segments,
    routeSets,
    services,
    hosts: plan.externals.map((e) => ({ ip: e.ip, name: e.name })),
    device: (id) => byId.get(id),
    graph: () => (graph ??= buildLabGraph(model)),
  };
  return Object.freeze(model);
}

export function describeDevice(d: Device): string {
  const addrs = d.interfaces.filter((i) => i.kind !== 'loopback').flatMap((i) => i.addrs.map((a) => `${i.name} ${formatIp(a.ip)}/${a.len}`));
  return `${d.id} (${d.kind}): ${addrs.join(', ')}`;
}

export type { Cidr };
