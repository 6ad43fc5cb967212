// Interface RX/TX counters (`ip -s link`): the frames the simulated traffic put on each interface since the lab
// started, counted as the namespace lab's kernel counts them (kernel 6.18, checked): a veth or NIC counts the frame
// with its 14-byte Ethernet header (a 60-byte traceroute probe is 74 bytes), a bridge port too; the bridge device
// counts what its own stack sends with the header (br_dev_xmit) and what it passes up without it (br_pass_frame_up:
// an ARP request is 28 bytes there). Broadcast ARP requests reach the bridge device and every other port.
// One call per frame from engine.ts; the counters live on the interface record, allocated on its first frame.
import type { Attachment, Dataplane, DeviceState, IfaceState } from './dataplane.js';
import type { InterfaceRecord } from './device-state.js';
import { KeptNeighbour } from './neighbours.js';

/** Ethernet header: what a veth, NIC or bridge port adds to an IP packet's length. */
const ETH_HLEN = 14;
/** An ARP request or reply for IPv4 over Ethernet, without the Ethernet header. */
export const ARP_LEN = 28;
/** Requests an unanswered ARP attempt sends (net.ipv4.neigh.default.mcast_solicit) before it fails. */
const ARP_UNANSWERED_REQUESTS = 3;

/**
 * One interface's counters (rtnl_link_stats64's fields the simulated traffic moves), and the neighbour entry it keeps
 * as a receiver (neighbours.ts: a frame's sender loads them anyway to count the frame).
 */
export class LinkCounters extends KeptNeighbour {
  rxPackets = 0;
  rxBytes = 0;
  txPackets = 0;
  txBytes = 0;
  /** Frames the interface could not hand on (a veth whose peer refused a too-big frame). */
  txDropped = 0;
  /** Frames it received but could not take (bigger than its MTU). */
  rxDropped = 0;
  /** Broadcasts it sent on a plain segment (they count for every other member: `received`). */
  broadcastsSent = 0;
  broadcastBytesSent = 0;
  /** The counters of the bridge port at the other end of this veth (resolved on the first bridged frame; null: none). */
  bridgePort: LinkCounters | null | undefined = undefined;
}

/** IFACE's counters (all zero before its first frame). */
export function linkCounters(iface: IfaceState): LinkCounters {
  const i = iface as InterfaceRecord;
  return i.linkCounters ?? (i.linkCounters = new LinkCounters());
}

/** N frames of BYTES each sent by the interface whose counters are C. */
function addTx(c: LinkCounters, bytes: number, n = 1): void {
  c.txPackets += n;
  c.txBytes += n * bytes;
}

/** N frames of BYTES each received by the interface whose counters are C. */
function addRx(c: LinkCounters, bytes: number, n = 1): void {
  c.rxPackets += n;
  c.rxBytes += n * bytes;
}

/**
 * The counters of the bridge port on the node's side of a pod's veth (null for the bridge itself or a veth into no
 * bridge port), kept on I's counters C: a frame then loads the port's counters, not the port.
 */
function portOf(dp: Dataplane, bridge: Attachment, i: IfaceState, c: LinkCounters): LinkCounters | null {
  if (c.bridgePort === undefined) {
    const peer = i.kind !== 'bridge' && i.peer?.device === bridge.device ? dp.state(bridge.device).ifaces.get(i.peer.iface) : undefined;
    c.bridgePort = peer?.master === bridge.iface ? linkCounters(peer) : null;
  }
  return c.bridgePort;
}

/**
 * A frame of an L3 packet of LEN bytes (an IP packet, or ARP_LEN) from FROM to the neighbour's interface, on a link
 * BRIDGE switches (a node's cni0) or a plain one: the sender's TX, the bridge ports it passes, the receiver's RX.
 * Each interface's counters are loaded once (this runs for every frame of every probe).
 */
export function countFrame(dp: Dataplane, from: IfaceState, to: IfaceState, bridge: Attachment | undefined, len: number): void {
  const frame = len + ETH_HLEN;
  const sender = linkCounters(from);
  addTx(sender, frame);
  const receiver = linkCounters(to);
  if (bridge !== undefined) {
    const inPort = portOf(dp, bridge, from, sender);
    if (inPort !== null) addRx(inPort, frame);
    const outPort = portOf(dp, bridge, to, receiver);
    if (outPort !== null) addTx(outPort, frame);
  }
  addRx(receiver, to.kind === 'bridge' ? len : frame);
}

/**
 * TIMES ARP requests broadcast from FROM. Every other interface on the link receives them: on a bridge (cni0) the
 * bridge device (without the Ethernet header) and every other port, which floods it to the pod behind it; on a plain
 * segment every other member. The flooded copies are counted once per segment (`received`, `transmitted`), not
 * per member: a node has dozens of pods, a large lab's host-only network thousands of nodes.
 */
export function countArpBroadcast(dp: Dataplane, from: IfaceState, bridge: Attachment | undefined, times = 1): void {
  const frame = ARP_LEN + ETH_HLEN;
  const c = linkCounters(from);
  addTx(c, frame, times);
  if (from.segment === undefined) return;
  const b = segmentBroadcasts(dp, from.segment);
  b.packets += times;
  b.bytes += times * frame;
  c.broadcastsSent += times;
  c.broadcastBytesSent += times * frame;
  if (bridge === undefined || from.kind === 'bridge') return;
  const inPort = portOf(dp, bridge, from, c);
  if (inPort !== null) addRx(inPort, frame, times);
  const device = dp.state(bridge.device).ifaces.get(bridge.iface);
  if (device) addRx(linkCounters(device), ARP_LEN, times);
}

/** Broadcast frames sent on each segment, per lab: every member but the sender receives them. */
const broadcasts = new WeakMap<Dataplane, Map<string, { packets: number; bytes: number }>>();

function segmentBroadcasts(dp: Dataplane, segment: string): { packets: number; bytes: number } {
  let bySegment = broadcasts.get(dp);
  if (!bySegment) broadcasts.set(dp, (bySegment = new Map()));
  let b = bySegment.get(segment);
  if (!b) bySegment.set(segment, (b = { packets: 0, bytes: 0 }));
  return b;
}

/** IFACE's RX as `ip -s link` reads it: its own frames, plus the broadcasts the others sent on its segment. */
export function received(dp: Dataplane, iface: IfaceState): { packets: number; bytes: number } {
  const c = linkCounters(iface);
  // The bridge device counts the broadcasts it receives itself; a port's own RX is only its pod's frames.
  const b = iface.segment !== undefined && iface.kind !== 'bridge' && iface.master === undefined ? broadcasts.get(dp)?.get(iface.segment) : undefined;
  return b ? { packets: c.rxPackets + b.packets - c.broadcastsSent, bytes: c.rxBytes + b.bytes - c.broadcastBytesSent } : { packets: c.rxPackets, bytes: c.rxBytes };
}

/** IFACE's TX as `ip -s link` reads it: a bridge port also floods every broadcast on its bridge but its own pod's. */
export function transmitted(dp: Dataplane, owner: DeviceState, iface: IfaceState): { packets: number; bytes: number } {
  const c = linkCounters(iface);
  const segment = iface.master !== undefined ? owner.ifaces.get(iface.master)?.segment : undefined;
  const b = segment !== undefined ? broadcasts.get(dp)?.get(segment) : undefined;
  if (!b) return { packets: c.txPackets, bytes: c.txBytes };
  const pod = iface.peer ? podEnd(dp, iface) : undefined;
  const own = pod ? linkCounters(pod) : undefined;
  return { packets: c.txPackets + b.packets - (own?.broadcastsSent ?? 0), bytes: c.txBytes + b.bytes - (own?.broadcastBytesSent ?? 0) };
}

/** The pod's interface at the other end of a bridge port's veth. */
function podEnd(dp: Dataplane, port: IfaceState): IfaceState | undefined {
  const peer = port.peer!;
  return dp.model.device(peer.device) ? dp.state(peer.device).ifaces.get(peer.iface) : undefined;
}

/** The requests of an ARP attempt nobody answers: they leave the sender and the bridge floods them. */
export function countUnansweredArp(dp: Dataplane, from: IfaceState, bridge: Attachment | undefined): void {
  countArpBroadcast(dp, from, bridge, ARP_UNANSWERED_REQUESTS);
}

/**
 * A packet a device sends to one of its own addresses: through lo, one frame counted as both TX and RX, without the
 * Ethernet header (loopback_xmit takes the length after eth_type_trans; kernel-checked).
 */
export function countLoopback(s: DeviceState, len: number): void {
  const lo = s.ifaces.get('lo');
  if (!lo) return;
  const c = linkCounters(lo);
  addTx(c, len);
  addRx(c, len);
}

/**
 * A packet of LEN bytes crossing from FROM to TO, after the ARP exchange it needed first (ASKED). TOO_BIG: the frame
 * exceeds the MTU where it leaves its last veth (kernel-checked: the veth whose peer refuses it counts TX dropped, the
 * refusing end RX dropped, as __dev_forward_skb and veth_xmit do; a bridge port is such an end).
 */
export function countCrossing(dp: Dataplane, from: IfaceState, to: IfaceState, bridge: Attachment | undefined, len: number, asked: boolean, tooBig = false): void {
  if (asked) {
    countArpBroadcast(dp, from, bridge);
    countFrame(dp, to, from, bridge, ARP_LEN);
  }
  if (tooBig) countRefused(dp, from, to, bridge, len + ETH_HLEN);
  else countFrame(dp, from, to, bridge, len);
}

function countRefused(dp: Dataplane, from: IfaceState, to: IfaceState, bridge: Attachment | undefined, frame: number): void {
  const sender = linkCounters(from);
  const inPort = bridge ? portOf(dp, bridge, from, sender) : null;
  if (to.kind === 'bridge') {
    // Into the bridge through a port smaller than the frame: the sender's veth hands it to nobody.
    sender.txDropped++;
    if (inPort !== null) inPort.rxDropped++;
    return;
  }
  addTx(sender, frame);
  if (inPort !== null) addRx(inPort, frame);
  const receiver = linkCounters(to);
  const outPort = bridge ? portOf(dp, bridge, to, receiver) : null;
  if (outPort !== null) outPort.txDropped++;
  receiver.rxDropped++;
}
