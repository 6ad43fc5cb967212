// Where everything of a lab goes in its SVG picture: one column per node (NAT engine above, node, cni0 bridge with its
// pods below), the host-only network as a bus along the bottom with the host, the world outside the NAT along the top.
// Pure: the same model gives the same coordinates.
import { formatIfAddr, formatIp } from '../address.js';
import type { Device, Interface, LabModel } from '../model.js';

export interface Point {
  readonly x: number;
  readonly y: number;
}

export interface Box {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

/** A drawn device: its box and the lines of text in it (the first is the name, drawn bold). */
export interface DeviceBox extends Box {
  readonly device: Device;
  readonly lines: readonly string[];
}

/** A line of an L2 segment every attachment ends on: the host-only and outside buses, a cni0 trunk, a NAT link. */
export interface SegmentLine {
  readonly id: string;
  readonly from: Point;
  readonly to: Point;
  readonly label?: string;
  readonly labelAt?: Point;
  readonly kind: 'bus' | 'trunk' | 'link';
}

/** An interface's line from its port on the device to its attachment point on the segment. */
export interface Attachment {
  readonly device: string;
  readonly iface: string;
  readonly points: readonly Point[];
  readonly label?: { readonly at: Point; readonly lines: readonly string[]; readonly anchor: 'start' | 'end' | 'middle' };
}

export interface LabLayout {
  readonly width: number;
  readonly height: number;
  readonly title: string;
  readonly subtitle: string;
  readonly devices: ReadonlyMap<string, DeviceBox>;
  /** Each node's cni0 bridge, drawn inside the node's box. */
  readonly bridges: ReadonlyMap<string, Box & { readonly label: string }>;
  readonly segments: readonly SegmentLine[];
  /** Keyed `device:iface`. */
  readonly attachments: ReadonlyMap<string, Attachment>;
  /** Notes such as "... 12 more nodes" and the services legend. */
  readonly notes: readonly { readonly at: Point; readonly text: string; readonly small?: boolean }[];
  /** Where the path caption goes (below the title). */
  readonly captionAt: Point;
}

/** Nodes and pods per node drawn; the rest are counted in a note (a picture of 5,000 nodes helps nobody). */
export const MAX_NODES = 8;
export const MAX_PODS = 8;

const MARGIN = 30;
const COLUMN = 420;
const NODE_W = 360;
const NODE_H = 112;
const POD_W = 170;
const POD_H = 44;
const POD_GAP = 12;
const NAT_W = 280;
const NAT_H = 52;
const EXT_W = 240;
const EXT_H = 50;
const HOST_W = 250;
const HOST_H = 52;

const firstAddr = (i: Interface | undefined): string => (i && i.addrs[0] ? formatIfAddr(i.addrs[0]) : '');
const iface = (d: Device, name: string) => d.interfaces.find((i) => i.name === name);
const segmentIface = (d: Device, segment: string) => d.interfaces.find((i) => i.segment === segment);

/** The layout being built: what every part adds to, and the rows every column shares. */
interface LayoutDraft {
  readonly lab: LabModel;
  readonly width: number;
  readonly devices: Map<string, DeviceBox>;
  readonly bridges: Map<string, Box & { label: string }>;
  readonly segments: SegmentLine[];
  readonly attachments: Map<string, Attachment>;
  readonly notes: { at: Point; text: string; small?: boolean }[];
  /** Tops of the external hosts, the outside bus, the NAT engines and the nodes. */
  readonly extY: number;
  readonly wanY: number;
  readonly natY: number;
  readonly nodeY: number;
}

function attach(draft: LayoutDraft, a: Attachment): void {
  draft.attachments.set(`${a.device}:${a.iface}`, a);
}

export function layoutLab(lab: LabModel): LabLayout {
  const allNodes = lab.devices.filter((d) => d.kind === 'node');
  const nodes = allNodes.length > MAX_NODES ? allNodes.slice(0, MAX_NODES - 1) : allNodes;
  const externals = lab.devices.filter((d) => d.kind === 'external');
  const columns = nodes.length + (allNodes.length > nodes.length ? 1 : 0);
  const extY = 112;
  const wanY = externals.length > 0 ? extY + EXT_H + 40 : extY + 24;
  const natY = wanY + 36;
  const draft: LayoutDraft = {
    lab,
    width: Math.max(2 * MARGIN + columns * COLUMN, 2 * MARGIN + externals.length * (EXT_W + 30), 900),
    devices: new Map(), bridges: new Map(), segments: [], attachments: new Map(), notes: [],
    extY, wanY, natY, nodeY: natY + NAT_H + 64,
  };
  layoutExternals(draft, externals);
  let lowest = draft.nodeY + NODE_H;
  nodes.forEach((n, col) => {
    lowest = Math.max(lowest, layoutNodeColumn(draft, n, col));
  });
  if (allNodes.length > nodes.length) {
    draft.notes.push({ at: { x: MARGIN + nodes.length * COLUMN + 20, y: draft.nodeY + NODE_H / 2 }, text: `… and ${allNodes.length - nodes.length} more nodes (same shape)` });
  }
  const hostY = layoutHostOnly(draft, nodes, lowest + 40);
  const [wanFrom, wanTo] = busEnds(draft, 'wan');
  draft.segments.push({
    id: 'wan', kind: 'bus', from: { x: Math.min(wanFrom, MARGIN), y: wanY }, to: { x: Math.max(wanTo, draft.width - MARGIN), y: wanY },
    label: 'outside the NAT (the internet)', labelAt: { x: MARGIN, y: wanY - 8 },
  });
  const legendY = layoutServices(draft, hostY + HOST_H + 36);
  const c = lab.cluster;
  const flannel = c.flannelIface ? `--iface=${c.flannelIface}` : 'no --iface (binds to the default-route interface)';
  const { width, devices, bridges, segments, attachments, notes } = draft;
  return {
    width, height: legendY + MARGIN,
    title: `lab ${lab.name}`,
    subtitle: `cluster network ${formatIfAddr({ ip: c.network.addr, len: c.network.len })} · Flannel ${c.flannelBackend} ${flannel} · every VM has its own NAT network ${formatIfAddr({ ip: lab.nat.network.addr, len: lab.nat.network.len })} (gateway ${formatIp(lab.nat.gatewayIp)})`,
    devices, bridges, segments, attachments, notes, captionAt: { x: MARGIN, y: 74 },
  };
}

/** The world outside the NAT: external hosts centred above the outside bus. */
function layoutExternals(draft: LayoutDraft, externals: readonly Device[]): void {
  const { extY, wanY } = draft;
  externals.forEach((e, i) => {
    const x = draft.width / 2 - (externals.length * (EXT_W + 30) - 30) / 2 + i * (EXT_W + 30);
    const eth = segmentIface(e, 'wan');
    const listen = e.listeners.map((l) => `${l.protocol}/${l.port}`).join(' ');
    draft.devices.set(e.id, { device: e, x, y: extY, w: EXT_W, h: EXT_H, lines: [e.id, `${eth ? formatIp(eth.addrs[0]!.ip) : ''}${listen ? `  ${listen}` : ''}`] });
    if (eth) attach(draft, { device: e.id, iface: eth.name, points: [{ x: x + EXT_W / 2, y: extY + EXT_H }, { x: x + EXT_W / 2, y: wanY }] });
  });
}

/** Node N in column COL: the node, its NAT engine above, cni0 and its pods below. Returns the column's lowest point. */
function layoutNodeColumn(draft: LayoutDraft, n: Device, col: number): number {
  const { lab, nodeY } = draft;
  const x = MARGIN + col * COLUMN + (COLUMN - NODE_W) / 2;
  const role = n.role === 'control-plane' ? 'control plane' : 'worker';
  const subnet = n.podSubnet ? `pod subnet ${formatIfAddr({ ip: n.podSubnet.addr, len: n.podSubnet.len })}` : '';
  draft.devices.set(n.id, { device: n, x, y: nodeY, w: NODE_W, h: NODE_H, lines: [n.id, `${role}${subnet ? ` · ${subnet}` : ''}`] });
  layoutNatLink(draft, n, x + NODE_W / 2 + 40, iface(n, lab.nat.iface));
  return layoutPods(draft, n, x);
}

/** Node N's eth0 up to its own NAT engine at ETH0X, the engine, and its outside address on the bus. */
function layoutNatLink(draft: LayoutDraft, n: Device, eth0X: number, eth0: Interface | undefined): void {
  const { lab, natY, nodeY, wanY } = draft;
  const natDev = lab.devices.find((d) => d.kind === 'nat' && d.node === n.id);
  const natMid = { x: eth0X, y: natY + NAT_H + (nodeY - natY - NAT_H) / 2 };
  if (eth0) {
    attach(draft, {
      device: n.id, iface: eth0.name, points: [{ x: eth0X, y: nodeY }, natMid],
      label: { at: { x: eth0X - 8, y: nodeY - 10 }, lines: [`${eth0.name} ${firstAddr(eth0)}`], anchor: 'end' },
    });
  }
  if (!natDev) return;
  const guest = natDev.interfaces.find((i) => i.segment === `${n.id}:nat`);
  const wan = natDev.interfaces.find((i) => i.segment === 'wan');
  const guestAddrs = guest?.addrs.map((a) => formatIp(a.ip)) ?? [];
  draft.devices.set(natDev.id, {
    device: natDev, x: eth0X - NAT_W / 2, y: natY, w: NAT_W, h: NAT_H,
    lines: [`VirtualBox NAT (${n.id})`, `gateway ${guestAddrs[0] ?? '-'}${guestAddrs[1] ? ` · DNS ${guestAddrs[1]}` : ''}`],
  });
  if (guest) attach(draft, { device: natDev.id, iface: guest.name, points: [{ x: eth0X, y: natY + NAT_H }, natMid] });
  if (wan) {
    attach(draft, {
      device: natDev.id, iface: wan.name, points: [{ x: eth0X, y: natY }, { x: eth0X, y: wanY }],
      label: wan.addrs[0] ? { at: { x: eth0X + 6, y: wanY + 16 }, lines: [formatIp(wan.addrs[0].ip)], anchor: 'start' } : undefined,
    });
  }
  draft.segments.push({ id: `${n.id}:nat`, kind: 'link', from: { x: eth0X, y: natY + NAT_H }, to: { x: eth0X, y: nodeY } });
}

/** cni0 inside node N (at X), its trunk down past the pods (MAX_PODS drawn, the rest counted). Returns the lowest point. */
function layoutPods(draft: LayoutDraft, n: Device, x: number): number {
  const { lab, nodeY } = draft;
  const cni = segmentIface(n, `${n.id}:cni0`);
  const pods = lab.devices.filter((d) => d.kind === 'pod' && d.node === n.id);
  const shown = pods.length > MAX_PODS ? pods.slice(0, MAX_PODS - 1) : pods;
  const bridge = { x: x + 150, y: nodeY + NODE_H - 46, w: 196, h: 34, label: `cni0 ${firstAddr(cni)}` };
  const trunkX = bridge.x + 24;
  if (cni) draft.bridges.set(n.id, bridge);
  let podY = nodeY + NODE_H + 26;
  let trunkEnd = bridge.y + bridge.h;
  for (const p of shown) {
    const eth = segmentIface(p, `${n.id}:cni0`);
    const px = trunkX + 22;
    const addr = eth?.addrs[0] ? formatIp(eth.addrs[0].ip) : '';
    draft.devices.set(p.id, { device: p, x: px, y: podY, w: POD_W, h: POD_H, lines: [p.id, `${addr}${p.image ? ` · ${p.image}` : ''}`] });
    if (eth) attach(draft, { device: p.id, iface: eth.name, points: [{ x: px, y: podY + POD_H / 2 }, { x: trunkX, y: podY + POD_H / 2 }] });
    trunkEnd = podY + POD_H / 2;
    podY += POD_H + POD_GAP;
  }
  if (pods.length > shown.length) {
    draft.notes.push({ at: { x: trunkX + 22, y: podY + 14 }, text: `… and ${pods.length - shown.length} more pods`, small: true });
    podY += 24;
  }
  if (cni) {
    attach(draft, { device: n.id, iface: cni.name, points: [{ x: trunkX, y: bridge.y + bridge.h }, { x: trunkX, y: bridge.y + bridge.h }] });
    draft.segments.push({ id: `${n.id}:cni0`, kind: 'trunk', from: { x: trunkX, y: bridge.y + bridge.h }, to: { x: trunkX, y: trunkEnd } });
  }
  return podY;
}

/** The host-only network as a bus at BUSY: every node's eth1 drops to it, the host sits below its left end. Returns the host's top. */
function layoutHostOnly(draft: LayoutDraft, nodes: readonly Device[], busY: number): number {
  const { lab } = draft;
  const hostX = MARGIN;
  const hostY = busY + 44;
  for (const n of nodes) {
    const box = draft.devices.get(n.id)!;
    const eth1 = segmentIface(n, 'host-only');
    if (!eth1) continue;
    const ex = box.x + 26;
    attach(draft, {
      device: n.id, iface: eth1.name, points: [{ x: ex, y: box.y + box.h }, { x: ex, y: busY }],
      label: { at: { x: ex + 8, y: box.y + box.h + 18 }, lines: [eth1.name, firstAddr(eth1)], anchor: 'start' },
    });
  }
  const host = lab.devices.find((d) => d.kind === 'host');
  if (host) {
    const vbox = segmentIface(host, 'host-only');
    draft.devices.set(host.id, {
      device: host, x: hostX, y: hostY, w: HOST_W, h: HOST_H,
      lines: [`${host.hostname} (your machine)`, `${vbox?.name ?? ''} ${vbox?.addrs[0] ? formatIp(vbox.addrs[0].ip) : ''}`],
    });
    if (vbox) attach(draft, { device: host.id, iface: vbox.name, points: [{ x: hostX + HOST_W / 2, y: hostY }, { x: hostX + HOST_W / 2, y: busY }] });
  }
  const hoNet = formatIfAddr({ ip: lab.hostOnly.network.addr, len: lab.hostOnly.network.len });
  const [hoFrom, hoTo] = busEnds(draft, 'host-only');
  draft.segments.push({
    id: 'host-only', kind: 'bus', from: { x: hoFrom, y: busY }, to: { x: Math.max(hoTo, draft.width - MARGIN), y: busY },
    label: `host-only network ${hoNet} (VirtualBox vboxnet0) — Flannel host-gw routes pod subnets over it`, labelAt: { x: hostX + HOST_W + 30, y: busY + 20 },
  });
  return hostY;
}

/** Where the bus of segment ID starts and ends: 20 beyond its outermost attachments, or the margins. */
function busEnds(draft: LayoutDraft, id: string): [number, number] {
  const xs = [...draft.attachments.values()].filter((a) => segmentOf(draft.lab, a) === id).map((a) => a.points[a.points.length - 1]!.x);
  return xs.length ? [Math.min(...xs) - 20, Math.max(...xs) + 20] : [MARGIN, draft.width - MARGIN];
}

/** Services as a legend from LEGENDY down; returns the legend's last line. */
function layoutServices(draft: LayoutDraft, legendY: number): number {
  const { lab } = draft;
  if (lab.services.length === 0) return legendY;
  draft.notes.push({ at: { x: MARGIN, y: legendY }, text: 'Services (ClusterIP, DNAT by kube-proxy on every node):' });
  for (const s of lab.services) {
    legendY += 18;
    const ports = s.ports.map((p) => `${p.protocol}/${p.port}`).join(' ');
    draft.notes.push({ at: { x: MARGIN + 16, y: legendY }, text: `${s.namespace}/${s.name}  ${formatIp(s.ip)}  ${ports}  → ${s.endpoints.join(', ') || '(no endpoints)'}`, small: true });
  }
  return legendY;
}

/** The segment an attachment ends on. */
export function segmentOf(lab: LabModel, a: Attachment): string | undefined {
  return lab.device(a.device)?.interfaces.find((i) => i.name === a.iface)?.segment;
}
