// Interface facts the ip commands print: ifindexes, carrier (a bridge has carrier while one of its ports has), veth
// peers' indexes and link-netnsids, IPv6 link-local addresses from MACs; and `ip link set` state changes.
import type { IfaceState } from '../dataplane.js';
import type { CommandContext } from './index.js';

/** The interface's ifindex: its position in the device's interface list, from 1 (lo). */
export function ifindex(ctx: Pick<CommandContext, 'state'>, name: string): number {
  let n = 1;
  for (const key of ctx.state.ifaces.keys()) {
    if (key === name) return n;
    n++;
  }
  return 0;
}

/**
 * Link carrier as the kernel reports it (LOWER_UP): the interface is up and, for a veth, its peer is up too (the peer's
 * bridge does not matter); a bridge with ports has carrier while one of them has. A node's bridge without ports (cni0
 * on a node without pods) has none: NO-CARRIER, state DOWN, its routes `linkdown` (kernel-checked). A bridge without
 * ports elsewhere stands for a host adapter (vboxnet0): up is enough.
 */
export function hasCarrier(ctx: CommandContext, name: string): boolean {
  const i = ctx.state.ifaces.get(name);
  if (!i || !i.up) return false;
  if (i.kind === 'bridge') {
    const ports = [...ctx.state.ifaces.values()].filter((p) => p.master === name);
    return ports.length === 0 ? !portlessNodeBridge(ctx, i) : ports.some((p) => hasCarrier(ctx, p.name));
  }
  if (!i.peer || !ctx.sim.model.device(i.peer.device)) return true;
  return ctx.sim.dp.state(i.peer.device).ifaces.get(i.peer.iface)?.up ?? false;
}

/**
 * A node's bridge without ports (cni0 on a node without pods): it never had carrier, so it has no IPv6 link-local
 * address either (addrconf waits for carrier; one that lost it later keeps its address; kernel-checked).
 */
export function portlessNodeBridge(ctx: Pick<CommandContext, 'state'>, i: IfaceState): boolean {
  if (i.kind !== 'bridge' || ctx.state.device.kind !== 'node') return false;
  for (const p of ctx.state.ifaces.values()) if (p.master === i.name) return false;
  return true;
}

/** The peer of a veth end: its ifindex in the peer device and the link-netnsid this side prints. */
export function vethPeer(ctx: CommandContext, i: IfaceState): { index: number; netnsid: number } | undefined {
  if (!i.peer) return undefined;
  const peerDevice = ctx.sim.model.device(i.peer.device);
  if (!peerDevice) return undefined;
  const index = peerDevice.interfaces.findIndex((x) => x.name === i.peer!.iface) + 1;
  // A pod sees its node's namespace as netnsid 0; a node numbers its pods' namespaces in port order.
  let netnsid = 0;
  if (ctx.state.device.kind === 'node') {
    netnsid = [...ctx.state.ifaces.values()].filter((x) => x.peer).findIndex((x) => x.name === i.name);
  }
  return { index, netnsid };
}

/** The EUI-64 IPv6 link-local address the kernel derives from a MAC (fe80::a2:c0ff:fe9f:d548). */
export function linkLocal(mac: string): string | undefined {
  const bytes = mac.split(':').map((b) => parseInt(b, 16));
  if (bytes.length !== 6 || bytes.some((b) => !Number.isInteger(b))) return undefined;
  const b = [bytes[0]! ^ 2, bytes[1]!, bytes[2]!, 0xff, 0xfe, bytes[3]!, bytes[4]!, bytes[5]!];
  const groups = [0, 2, 4, 6].map((k) => ((b[k]! << 8) | b[k + 1]!).toString(16));
  return `fe80::${groups.join(':').replace(/^(0:)+/, '')}`;
}

/** Brings an interface up or down with the kernel's side effects on the routing table. */
export function setLinkState(ctx: CommandContext, name: string, up: boolean): void {
  const i = ctx.state.ifaces.get(name);
  if (!i || i.up === up) return;
  i.up = up;
  if (up) ctx.state.addConnectedRoutes(name);
  else ctx.state.dropRoutesVia(name);
}

/**
 * `ip link set DEV mtu N`. A bridge follows the smallest MTU of its ports when one of them changes, until its own MTU
 * is set to a new value by hand (br_mtu_auto_adjust, BROPT_MTU_SET_BY_USER; kernel-checked: a pod's veth at 1400 on
 * the node makes cni0 1400 for every pod behind it).
 */
export function setMtu(ctx: Pick<CommandContext, 'state'>, i: IfaceState, mtu: number): void {
  if (i.kind === 'bridge' && mtu !== i.mtu) i.mtuSetByUser = true;
  i.mtu = mtu;
  const bridge = i.master !== undefined ? ctx.state.ifaces.get(i.master) : undefined;
  if (!bridge || bridge.mtuSetByUser) return;
  const ports = [...ctx.state.ifaces.values()].filter((p) => p.master === bridge.name);
  bridge.mtu = Math.min(...ports.map((p) => p.mtu));
}
