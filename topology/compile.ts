// Compiles a lab file into the readonly LabModel: devices, interfaces, segments, routes and netfilter rules.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ValidateFunction } from 'ajv';
import { formatIp, parseCidr, subnetOf, type Cidr, type IfAddr } from './address.js';
import type { LabFile } from './labfile.js';
import { LAB_DEFAULTS } from './labfile.js';
import { buildLabGraph } from './graph.js';
import type { Device, Interface, LabModel, Route, RouteSet, Segment, Service } from './model.js';
import { emptyNetfilter, natEngineNetfilter, nodeNetfilter } from './netfilter-rules.js';
import { packageRoot, resolveLabPath } from './paths.js';
import { planLab, subnetGateway, type LabPlan, type PlannedNode } from './plan.js';
import { compileSchema, parseYamlText, readYamlFile, SourceError, type YamlSource } from './yaml-source.js';

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

const LOOPBACK: Interface = { name: 'lo', kind: 'loopback', addrs: [{ ip: 0x7f000001, len: 8 }], mtu: 65536, mac: '00:00:00:00:00:00' };

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

const HEX_BYTE = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));
const SLASH = 0x2f;

function macFor(device: string, iface: string): string {
  const h = fnv1a(device, SLASH, iface);
  const g = fnv1a(iface, SLASH, device);
  return `02:${HEX_BYTE[(g >>> 8) & 255]}:${HEX_BYTE[h >>> 24]}:${HEX_BYTE[(h >>> 16) & 255]}:${HEX_BYTE[(h >>> 8) & 255]}:${HEX_BYTE[h & 255]}`;
}

export function vethNameFor(pod: string): string {
  return `veth${fnv1a(pod).toString(16).padStart(8, '0')}`;
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

  const podIp = new Map<string, number>();
  for (const n of plan.nodes) for (const p of n.pods) podIp.set(p.name, p.ip);
  const services: Service[] = plan.services.map((s) => ({ ...s, ports: s.ports.map((p) => ({ ...p })) }));
  const endpointIps = (svc: Service) => svc.endpoints.map((pod) => ({ pod, ip: podIp.get(pod)! }));

  const joinedNames = new Set(plan.joinOrder);
  const joined = plan.nodes.filter((n) => n.podSubnet && joinedNames.has(n.name));
  const joinedSet = new Set(joined);
  const hostGw: Route[] = joined.map((n) => ({ dst: n.podSubnet!, type: 'unicast', via: publicIpOf(n), dev: flannelIface }));
  const routeSets: RouteSet[] = [{ id: FLANNEL_ROUTE_SET, routes: hostGw }];
  const natAddr = (ip: number): IfAddr => ({ ip, len: plan.nat.network.len });
  const wanNet = parseCidr(LAB_DEFAULTS.natWanNetwork)!;

  const nodeOrder = plan.nodes;
  for (const n of nodeOrder) {
    const eth0: IfAddr = natAddr(plan.nat.guestIp);
    const eth1: IfAddr = { ip: n.ip, len: plan.hostOnly.network.len };
    const interfaces: Interface[] = [
      LOOPBACK,
      { name: natIface, kind: 'ether', addrs: [eth0], mtu, mac: macFor(n.name, natIface), segment: `${n.name}:nat` },
      { name: hoIface, kind: 'ether', addrs: [eth1], mtu, mac: macFor(n.name, hoIface), segment: 'host-only' },
    ];
    const routes: Route[] = [
      { dst: { addr: 0, len: 0 }, type: 'unicast', via: plan.nat.gatewayIp, dev: natIface },
      connected(eth0, natIface),
      connected(eth1, hoIface),
    ];
    if (n.podSubnet) {
      const gw: IfAddr = { ip: subnetGateway(n.podSubnet), len: n.podSubnet.len };
      segments.push({ id: `${n.name}:cni0`, kind: 'bridge', linkKind: 'veth' });
      interfaces.push({ name: 'cni0', kind: 'bridge', addrs: [gw], mtu, mac: macFor(n.name, 'cni0'), segment: `${n.name}:cni0` });
      for (const p of n.pods) {
        interfaces.push({ name: vethNameFor(p.name), kind: 'veth', addrs: [], mtu, mac: macFor(n.name, p.name), master: 'cni0', peer: { device: p.name, iface: 'eth0' } });
      }
      routes.push(connected(gw, 'cni0'));
    }
    segments.push({ id: `${n.name}:nat`, kind: 'nat', linkKind: 'nat' });
    const isJoined = joinedSet.has(n);
    devices.push({
      id: n.name,
      kind: 'node',
      hostname: n.name,
      role: n.role,
      interfaces,
      routes,
      sharedRoutes: isJoined ? FLANNEL_ROUTE_SET : undefined,
      sysctls: routerSysctls,
      netfilter: nodeNetfilter({ clusterNetwork: plan.clusterNetwork, podSubnet: isJoined ? n.podSubnet : undefined, services, endpointIps }),
      listeners: [],
      podSubnet: n.podSubnet,
      internalIp: plan.kubeletNodeIp ? n.ip : plan.nat.guestIp,
      flannel: isJoined ? { iface: flannelIface, publicIp: publicIpOf(n), subnet: n.podSubnet!, mtu } : undefined,
    });
    for (const p of n.pods) {
      const subnet = n.podSubnet!;
      const a: IfAddr = { ip: p.ip, len: subnet.len };
      devices.push({
        id: p.name,
        kind: 'pod',
        hostname: p.name,
        node: n.name,
        image: p.image,
        interfaces: [LOOPBACK, { name: 'eth0', kind: 'veth', addrs: [a], mtu, mac: macFor(p.name, 'eth0'), segment: `${n.name}:cni0`, peer: { device: n.name, iface: vethNameFor(p.name) } }],
        routes: [{ dst: { addr: 0, len: 0 }, type: 'unicast', via: subnetGateway(subnet), dev: 'eth0' }, connected(a, 'eth0')],
        sysctls: hostSysctls,
        netfilter: plainNetfilter,
        listeners: p.listen,
      });
    }
  }

  const hostAddr: IfAddr = { ip: plan.hostOnly.hostIp, len: plan.hostOnly.network.len };
  devices.push({
    id: 'host', kind: 'host', hostname: 'workstation',
    interfaces: [LOOPBACK, { name: 'vboxnet0', kind: 'bridge', addrs: [hostAddr], mtu, mac: macFor('host', 'vboxnet0'), segment: 'host-only' }],
    routes: [connected(hostAddr, 'vboxnet0')],
    sysctls: hostSysctls, netfilter: plainNetfilter, listeners: [],
  });

  segments.push({ id: 'wan', kind: 'wan', linkKind: 'wan' });
  const externalIps = plan.externals.map((e) => e.ip);
  nodeOrder.forEach((n, i) => {
    const guest = [natAddr(plan.nat.gatewayIp), natAddr(plan.nat.dnsIp)];
    const wanAddrs: IfAddr[] = plan.externals.length > 0 ? [{ ip: (wanNet.addr + i + 1) >>> 0, len: wanNet.len }] : [];
    devices.push({
      id: `${n.name}-nat`, kind: 'nat', hostname: `${n.name}-nat`, node: n.name,
      interfaces: [
        LOOPBACK,
        { name: 'guest', kind: 'ether', addrs: guest, mtu, mac: macFor(`${n.name}-nat`, 'guest'), segment: `${n.name}:nat` },
        { name: 'wan', kind: 'ether', addrs: wanAddrs, mtu, mac: macFor(`${n.name}-nat`, 'wan'), segment: 'wan' },
      ],
      routes: [
        { dst: { addr: 0, len: 0 }, type: 'unicast', dev: 'wan', scope: 'link' },
        connected(guest[0]!, 'guest'),
        ...wanAddrs.map((a) => connected(a, 'wan')),
      ],
      sysctls: routerSysctls,
      netfilter: natEngineNetfilter('guest', 'wan', externalIps),
      listeners: [],
    });
  });
  for (const e of plan.externals) {
    const a: IfAddr = { ip: e.ip, len: 24 };
    devices.push({
      id: e.name, kind: 'external', hostname: e.name,
      interfaces: [LOOPBACK, { name: 'eth0', kind: 'ether', addrs: [a], mtu, mac: macFor(e.name, 'eth0'), segment: 'wan' }],
      routes: [{ dst: { addr: 0, len: 0 }, type: 'unicast', dev: 'eth0', scope: 'link' }, connected(a, 'eth0')],
      sysctls: hostSysctls, netfilter: plainNetfilter, listeners: e.listen,
    });
  }

  const byId = new Map(devices.map((d) => [d.id, d]));
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
