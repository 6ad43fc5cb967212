// The dataplane's tap: the frame events the engine emits at each interface crossing while a capture listens (and
// only then: the engine tests `dp.tap !== null` once per crossing), and the interfaces an AF_PACKET socket sees them on.
import { NeighbourRecord, type DeviceState, type IfaceState, type Neighbour } from '../dataplane.js';
import type { Journey } from '../engine.js';
import { arpSender, segmentReceivers } from '../arp.js';
import type { Packet } from '../packet.js';
import type { ConversationTiming, TcpSegment } from './conversation.js';

/** An ARP frame (who-has / is-at). */
export interface ArpFrame {
  readonly op: 'request' | 'reply';
  readonly senderMac: string;
  readonly senderIp: number;
  readonly targetMac: string;
  readonly targetIp: number;
}

/** One frame as an AF_PACKET socket on DEVICE:IFACE sees it, at lab time `atMs`. */
export interface FrameEvent {
  readonly atMs: number;
  readonly device: string;
  readonly iface: string;
  /** `out`: sent by this interface (PACKET_OUTGOING); `in`: received (PACKET_HOST, or another host's frame on a port). */
  readonly dir: 'in' | 'out';
  readonly srcMac: string;
  readonly dstMac: string;
  readonly packet?: Packet;
  readonly arp?: ArpFrame;
  /** The probe (and its direction) the packet belongs to: seeds its IP id, so it is the same at every crossing. */
  readonly flow: number;
  /** A segment after the handshake (PACKET is then the handshake's SYN or SYN-ACK as it crossed here). */
  readonly segment?: TcpSegment;
}

/** Whoever listens to the dataplane's frames (sim/capture/session.ts). */
export interface TapSink {
  /** Whether some capture listens on DEVICE:IFACE (cheap: a set lookup). */
  listens(device: string, iface: string): boolean;
  frame(ev: FrameEvent): void;
  /** A connection's REQUEST and RESPONSE (latin1) after its handshake, in segments of MSS bytes (conversation.ts). */
  conversation(timing: ConversationTiming, request: string, response: string, mss: number): void;
}

const BROADCAST_MAC = 'ff:ff:ff:ff:ff:ff';
/** The kernel sends this many ARP solicitations, one second apart (mcast_solicit, retrans_time_ms), before giving up. */
const ARP_SOLICITS = 3;
const ARP_RETRANS_MS = 1000;

function flowOf(j: Journey): number {
  return j.probeSeq * 2 + (j.direction === 'back' ? 1 : 0);
}

/**
 * The tap's clock places the Nth packet a tool sends (traceroute sends 16 probes back to back) SEND_SPACING_MS later
 * than the Nth: the model's link delays are VirtualBox-like (0.2 ms per host-only hop), longer than the ~50 µs a
 * tool's send loop takes, so without the spacing all probes would cross an interface before any reply; with it, each
 * reply precedes the next probe, as captures in the namespace lab (links of a few µs) show. Printed times are masked.
 */
const SEND_SPACING_MS = 1;
/**
 * Probe sequence numbers from here on are DNS sockets' (sim/dns/exchange.ts): a resolver's datagrams leave when it
 * sends them (the clock already moves between its queries), without a tool's send spacing.
 */
export const SOCKET_SEQ_BASE = 10_000;

function nowOf(j: Journey): number {
  const spacing = j.probeSeq < SOCKET_SEQ_BASE ? j.probeSeq * SEND_SPACING_MS : 0;
  return j.dp.nowMs + spacing + j.baseMs + j.elapsedMs;
}

/** The tap's time at which J (a probe's way out, or an answer's way back) set off. */
export function journeyStartMs(j: Journey): number {
  return nowOf(j) - j.elapsedMs;
}

function emit(tap: TapSink, ev: FrameEvent): void {
  if (tap.listens(ev.device, ev.iface)) tap.frame(ev);
}

/**
 * Frames sent out of the wire's near side by S:OUT towards NEIGHBOUR: the sender, then the bridge ports on the way.
 * ASKED (the next hop of a new neighbour entry): the ARP request and its reply go first, as the kernel queues the packet on them.
 */
export function tapDeparture(j: Journey, tap: TapSink, s: DeviceState, out: IfaceState, neighbour: Neighbour, p: Packet, asked?: number): void {
  // The segments after the handshake are the capture's own (conversation.ts): the model's lone response segment is not shown.
  if (p.tcp === 'data') return;
  const at = nowOf(j);
  const device = s.id;
  if (asked !== undefined) tapAnsweredArp(j, tap, s, out, neighbour, asked, p.src, at);
  const frame = { atMs: at, srcMac: out.mac, dstMac: neighbour.ifaceState.mac, packet: p, flow: flowOf(j) };
  crossings(tap, device, out, neighbour, frame, false);
  pending.set(tap, { srcMac: frame.srcMac, dstMac: frame.dstMac, flow: frame.flow });
}

/**
 * A frame from DEVICE:OUT to NEIGHBOUR where AF_PACKET sees it: the sender's interface, its veth peer (a bridge
 * port), the port towards the receiver; with ARRIVAL also the receiver's own interface (tapArrival does that for packets).
 */
function crossings(tap: TapSink, device: string, out: IfaceState, neighbour: Neighbour, frame: Omit<FrameEvent, 'device' | 'iface' | 'dir'>, arrival: boolean): void {
  emit(tap, { ...frame, device, iface: out.name, dir: 'out' });
  const rx = neighbour.ifaceState;
  const straight = out.peer?.device === neighbour.device && out.peer.iface === rx.name;
  if (out.peer && !straight) emit(tap, { ...frame, device: out.peer.device, iface: out.peer.iface, dir: 'in' });
  // The port towards the receiver: a pod's eth0 is reached through its veth peer on the node's bridge.
  if (rx.peer && !straight && !(rx.peer.device === device && rx.peer.iface === out.name)) {
    emit(tap, { ...frame, device: rx.peer.device, iface: rx.peer.iface, dir: 'out' });
  }
  if (arrival && rx.name !== 'lo') emit(tap, { ...frame, device: neighbour.device, iface: rx.name, dir: 'in' });
}

/**
 * A broadcast from DEVICE:OUT into the bridge port PORT on the other end of its veth: the bridge itself and every
 * other port get it (br_flood), and the port it came in by too when that port is in hairpin mode (the sender then
 * sees its own broadcast come back, as in the namespace lab).
 */
function flood(j: Journey, tap: TapSink, device: string, out: IfaceState, port: IfaceState, frame: Omit<FrameEvent, 'device' | 'iface' | 'dir'>): void {
  const bridge = out.peer!.device;
  emit(tap, { ...frame, device, iface: out.name, dir: 'out' });
  emit(tap, { ...frame, device: bridge, iface: port.name, dir: 'in' });
  emit(tap, { ...frame, device: bridge, iface: port.master!, dir: 'in' });
  for (const p of j.dp.state(bridge).ifaces.values()) {
    if (p.master !== port.master || (p === port && !p.hairpin)) continue;
    emit(tap, { ...frame, device: bridge, iface: p.name, dir: 'out' });
    if (p.peer) emit(tap, { ...frame, device: p.peer.device, iface: p.peer.iface, dir: 'in' });
  }
}

/**
 * A broadcast sent by S:OUT, where every interface of its link sees it: a pod's goes through its bridge port to the
 * bridge and every other port (flood); a bridge's goes out of each of its ports to the pods; on a shared link (the
 * host-only network) every other interface receives it.
 */
function broadcast(j: Journey, tap: TapSink, s: DeviceState, out: IfaceState, frame: Omit<FrameEvent, 'device' | 'iface' | 'dir'>): void {
  const device = s.id;
  const port = out.peer ? j.dp.state(out.peer.device).ifaces.get(out.peer.iface) : undefined;
  if (port?.master !== undefined) return flood(j, tap, device, out, port, frame);
  emit(tap, { ...frame, device, iface: out.name, dir: 'out' });
  if (out.kind === 'bridge') {
    for (const p of s.ifaces.values()) {
      if (p.master !== out.name) continue;
      emit(tap, { ...frame, device, iface: p.name, dir: 'out' });
      if (p.peer) emit(tap, { ...frame, device: p.peer.device, iface: p.peer.iface, dir: 'in' });
    }
    return;
  }
  if (out.peer) return emit(tap, { ...frame, device: out.peer.device, iface: out.peer.iface, dir: 'in' });
  if (out.segment === undefined) return;
  for (const r of segmentReceivers(j.dp, out.segment)) {
    if (r.device !== device || r.iface !== out.name) emit(tap, { ...frame, device: r.device, iface: r.iface, dir: 'in' });
  }
}

/** The ARP request (broadcast) for NEIGHBOUR's address and its reply (unicast back), at the first use of the entry. */
function tapAnsweredArp(j: Journey, tap: TapSink, s: DeviceState, out: IfaceState, neighbour: Neighbour, target: number, saddr: number, at: number): void {
  const device = s.id;
  const rx = neighbour.ifaceState;
  const sender = arpSender(s, out.name, target, saddr);
  if (sender === undefined) return;
  const flow = flowOf(j);
  const request: ArpFrame = { op: 'request', senderMac: out.mac, senderIp: sender, targetMac: '00:00:00:00:00:00', targetIp: target };
  broadcast(j, tap, s, out, { atMs: at, srcMac: out.mac, dstMac: BROADCAST_MAC, arp: request, flow });
  const reply: ArpFrame = { op: 'reply', senderMac: rx.mac, senderIp: target, targetMac: out.mac, targetIp: sender };
  const back = new NeighbourRecord(device, out.name, s, out) as Neighbour;
  crossings(tap, neighbour.device, rx, back, { atMs: at, srcMac: rx.mac, dstMac: out.mac, arp: reply, flow }, true);
}

/** The MACs of the frame last sent, for its arrival (a WeakMap: the sink's object shape stays the sink's). */
const pending = new WeakMap<TapSink, { srcMac: string; dstMac: string; flow: number }>();

/** The frame arriving at DEVICE:IFACE (on a bridge device after br_netfilter's PREROUTING, as AF_PACKET sees it). */
export function tapArrival(j: Journey, tap: TapSink, device: string, iface: string, p: Packet): void {
  const macs = pending.get(tap);
  if (iface === 'lo' || macs === undefined) return;
  pending.delete(tap);
  emit(tap, { atMs: nowOf(j), device, iface, dir: 'in', srcMac: macs.srcMac, dstMac: macs.dstMac, packet: p, flow: macs.flow });
}

/** The broadcast ARP requests of a resolution that nobody answers (a new attempt only: later packets wait on it). */
export function tapUnansweredArp(j: Journey, tap: TapSink, s: DeviceState, out: IfaceState, nexthop: number, sender: number | undefined): void {
  if (!out.up || sender === undefined) return;
  const start = nowOf(j);
  for (let k = 0; k < ARP_SOLICITS; k++) {
    const arp: ArpFrame = { op: 'request', senderMac: out.mac, senderIp: sender, targetMac: '00:00:00:00:00:00', targetIp: nexthop };
    broadcast(j, tap, s, out, { atMs: start + k * ARP_RETRANS_MS, srcMac: out.mac, dstMac: BROADCAST_MAC, arp, flow: flowOf(j) });
  }
}
