// `topo show` as text and as data: the lab's devices, addresses and services, and each node's routes (one node with
// --node; beyond MAX_ROUTED_NODES nodes the rest are counted, so a large lab costs linear work, not a route table per node).
import { formatCidr, formatIfAddr, formatIp } from './address.js';
import type { Device, LabModel } from './model.js';
import { knownNodes } from './place.js';
import { formatSelector } from './network-policy.js';
import { UsageError } from './usage-error.js';

/** A node's `ip route` output as iproute2 prints it (the caller runs it: the simulator, or a real backend). */
export type IpRoute = (node: string) => string;

/** Nodes whose routes `topo show` prints without --node; every node has a route per joined node (n² lines in all). */
export const MAX_ROUTED_NODES = 50;

export interface ShowOptions {
  /** Only this node: its devices (the node, its pods, its NAT engine) and its routes. */
  readonly node?: string;
}

/** What `topo show` shows: the devices of the table and the nodes whose routes are printed. */
interface Selection {
  readonly devices: readonly Device[];
  readonly routed: readonly Device[];
  /** Nodes left out of the routes. */
  readonly unrouted: number;
}


function select(lab: LabModel, opts: ShowOptions): Selection {
  const nodes = lab.devices.filter((d) => d.kind === 'node');
  if (opts.node === undefined) {
    return { devices: lab.devices, routed: nodes.slice(0, MAX_ROUTED_NODES), unrouted: Math.max(0, nodes.length - MAX_ROUTED_NODES) };
  }
  const node = lab.device(opts.node);
  if (!node || node.kind !== 'node') throw new UsageError(`topo show --node: no node "${opts.node}" (${knownNodes(lab)})`);
  return { devices: lab.devices.filter((d) => d === node || d.node === node.id), routed: [node], unrouted: 0 };
}

/** The lab as a table of devices and services, then `ip route` of each node shown. */
export function describeLab(lab: LabModel, ipRoute: IpRoute, opts: ShowOptions = {}): string {
  const shown = select(lab, opts);
  const c = lab.cluster;
  const lines = [
    `lab ${lab.name}: ${lab.description}`,
    `cluster network ${formatCidr(c.network)}, services ${formatCidr(c.serviceNetwork)}, Flannel ${c.flannelBackend} ${c.flannelIface ? `--iface=${c.flannelIface}` : '(no --iface: default-route interface)'}`,
    `host-only ${formatCidr(lab.hostOnly.network)} (host ${formatIp(lab.hostOnly.hostIp)}), NAT ${formatCidr(lab.nat.network)} (gateway ${formatIp(lab.nat.gatewayIp)})`,
    '',
  ];
  const rows = shown.devices.map((d) => [
    d.id, d.kind, d.node ?? '-', d.image ?? '-',
    d.interfaces.filter((i) => i.kind !== 'loopback' && i.addrs.length > 0).map((i) => `${i.name} ${i.addrs.map(formatIfAddr).join(' ')}`).join(', '),
  ]);
  lines.push(...table(['DEVICE', 'KIND', 'NODE', 'IMAGE', 'ADDRESSES'], rows), '');
  if (lab.services.length > 0) {
    const svc = lab.services.map((s) => [
      `${s.namespace}/${s.name}`, formatIp(s.ip), s.ports.map((p) => `${p.protocol}/${p.port}->${p.targetPort}`).join(' '), s.endpoints.join(', ') || '(no endpoints)',
    ]);
    lines.push(...table(['SERVICE', 'CLUSTER-IP', 'PORTS', 'ENDPOINTS'], svc), '');
  }
  const policies = policyRows(lab);
  if (policies.length > 0) lines.push(`NetworkPolicy engine: ${policyEngineText(lab)}`, ...table(['NAMESPACE', 'POLICY', 'POD-SELECTOR', 'TYPES'], policies), '');
  for (const d of shown.routed) {
    lines.push(`[${d.id}]$ ip route`);
    // iproute2's bytes as they are (each route line ends with a space), without the final newline.
    lines.push(ipRoute(d.id).replace(/\n$/, ''), '');
  }
  if (shown.unrouted > 0) lines.push(`... and the routes of ${shown.unrouted} more nodes: topo show --node NAME`);
  return `${lines.join('\n').replace(/\n+$/, '')}\n`;
}

/** `topo show --json`: the lab's devices with their interfaces, the routes of the nodes shown, and the services. */
export function labJson(lab: LabModel, ipRoute: IpRoute, opts: ShowOptions = {}): unknown {
  const shown = select(lab, opts);
  const routed = new Set(shown.routed);
  return {
    name: lab.name,
    source: lab.source,
    cluster: { network: formatCidr(lab.cluster.network), serviceNetwork: formatCidr(lab.cluster.serviceNetwork), flannelIface: lab.cluster.flannelIface ?? null, joinOrder: lab.cluster.joinOrder },
    devices: shown.devices.map((d) => ({
      id: d.id, kind: d.kind, node: d.node, image: d.image,
      interfaces: d.interfaces.map((i) => ({ name: i.name, kind: i.kind, mtu: i.mtu, mac: i.mac, addrs: i.addrs.map(formatIfAddr), segment: i.segment })),
      routes: routed.has(d) ? ipRoute(d.id).split('\n').filter(Boolean) : undefined,
    })),
    services: lab.services.map((s) => ({ ...s, ip: formatIp(s.ip) })),
    networkPolicyEngine: lab.cluster.networkPolicy ?? 'none',
    networkPolicies: lab.networkPolicies ?? [],
  };
}

function table(header: string[], rows: string[][]): string[] {
  // A loop, not Math.max(...rows): a large lab has more rows than a call takes arguments.
  const widths = header.map((h, i) => rows.reduce((w, r) => Math.max(w, r[i]!.length), h.length));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]! + 2))).join('');
  return [line(header), ...rows.map(line)];
}

/** The lab's NetworkPolicies per namespace (namespace, then name), for `topo show`. */
function policyRows(lab: LabModel): string[][] {
  return [...(lab.networkPolicies ?? [])]
    .sort((a, b) => (a.namespace === b.namespace ? (a.name < b.name ? -1 : 1) : a.namespace < b.namespace ? -1 : 1))
    .map((p) => [p.namespace, p.name, formatSelector(p.podSelector), p.policyTypes.join(',')]);
}

function policyEngineText(lab: LabModel): string {
  return lab.cluster.networkPolicy === 'kube-router' ? 'kube-router (enforced on every node)' : 'none (Flannel alone: policies are stored, not enforced)';
}
