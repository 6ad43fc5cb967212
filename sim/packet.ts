// Immutable packets, connection-tracking entries and the seeded numbers the simulator draws (RTTs, statistic).
import type { LinkKind } from '../topology/model.js';

export type Protocol = 'udp' | 'tcp' | 'icmp';

export interface IcmpHeader {
  readonly type: number;
  readonly code: number;
  /** Next-hop MTU of a frag-needed error. */
  readonly mtu?: number;
  /** The offending packet an ICMP error quotes. */
  readonly inner?: Packet;
}

export interface Packet {
  readonly src: number;
  readonly dst: number;
  readonly protocol: Protocol;
  /** UDP/TCP ports; for ICMP echo, sport is the identifier and dport the sequence. */
  readonly sport: number;
  readonly dport: number;
  readonly ttl: number;
  readonly length: number;
  readonly df: boolean;
  readonly icmp?: IcmpHeader;
  /** `data`: a segment of an established connection (an app's response). */
  readonly tcp?: 'syn' | 'synack' | 'rst' | 'data';
  /** skb->mark set by `-j MARK` in this device's hooks (cleared when the packet leaves the device). */
  readonly mark?: number;
  /** The bytes after the UDP header when the model knows them (a DNS message); else filler of the right length. */
  readonly payload?: Uint8Array;
}

export const ICMP_ECHO_REPLY = 0;
export const ICMP_UNREACH = 3;
export const ICMP_ECHO = 8;
export const ICMP_TIME_EXCEEDED = 11;

/**
 * A packet, always made here with every key in one order (absent fields undefined): the pipeline reads packets at
 * every hop, and packets of one shape keep those reads monomorphic (literals of different key sets made them megamorphic).
 */
export function makePacket(
  src: number, dst: number, protocol: Protocol, sport: number, dport: number, ttl: number, length: number, df: boolean,
  icmp?: IcmpHeader, tcp?: Packet['tcp'], mark?: number, payload?: Uint8Array,
): Packet {
  return { src, dst, protocol, sport, dport, ttl, length, df, icmp, tcp, mark, payload };
}

/** An ICMP header, one shape for all of them (see makePacket). */
export function icmpHeader(type: number, code: number, mtu?: number, inner?: Packet): IcmpHeader {
  return { type, code, mtu, inner };
}

/** The packet one hop later: its TTL decremented by the router (ip_forward). */
export function withTtl(p: Packet, ttl: number): Packet {
  return makePacket(p.src, p.dst, p.protocol, p.sport, p.dport, ttl, p.length, p.df, p.icmp, p.tcp, p.mark, p.payload);
}

/** The packet without its skb->mark (skb_scrub_packet when it leaves the namespace or host). */
export function withoutMark(p: Packet): Packet {
  return makePacket(p.src, p.dst, p.protocol, p.sport, p.dport, p.ttl, p.length, p.df, p.icmp, p.tcp, undefined, p.payload);
}

export function isIcmpError(p: Packet): boolean {
  return p.protocol === 'icmp' && p.icmp !== undefined && p.icmp.type !== ICMP_ECHO && p.icmp.type !== ICMP_ECHO_REPLY;
}

/** A flow's addresses and ports in one direction. */
export interface Tuple {
  readonly protocol: Protocol;
  readonly src: number;
  readonly dst: number;
  readonly sport: number;
  readonly dport: number;
}

/** A NAT mapping made at one device: the flow as it arrived (orig) and as it left (xlat). */
export interface CtEntry {
  readonly device: string;
  orig: Tuple;
  xlat: Tuple;
}

export function tupleOf(p: Packet): Tuple {
  return { protocol: p.protocol, src: p.src, dst: p.dst, sport: p.sport, dport: p.dport };
}

export function sameTuple(a: Tuple, b: Tuple): boolean {
  return a.protocol === b.protocol && a.src === b.src && a.dst === b.dst && a.sport === b.sport && a.dport === b.dport;
}

/** The tuple a reply to `t` carries. */
export function reversed(t: Tuple): Tuple {
  // An ICMP echo reply carries the request's identifier and sequence (sport/dport here) unswapped.
  if (t.protocol === 'icmp') return { protocol: t.protocol, src: t.dst, dst: t.src, sport: t.sport, dport: t.dport };
  return { protocol: t.protocol, src: t.dst, dst: t.src, sport: t.dport, dport: t.sport };
}

/** SplitMix32-style hash of a list of integers: the only source of "randomness" in the simulator. */
export function mix(...values: number[]): number {
  return mixList(values);
}

function mixList(values: readonly number[]): number {
  let h = 0x9e3779b9;
  for (let k = 0; k < values.length; k++) h = mixStep(h, values[k]!);
  return h >>> 0;
}

function mixStep(h: number, value: number): number {
  h = Math.imul(h ^ (value >>> 0), 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** A number in [0, 1) from a hash. */
export function unit(...values: number[]): number {
  return mixList(values) / 4294967296;
}

/** A link kind's base one-way latency in ms (a switch: a table keyed by the kind string was a megamorphic load per hop). */
function linkBaseMs(kind: LinkKind): number {
  switch (kind) {
    case 'veth': return 0.0025;
    case 'host-only': return 0.19;
    case 'nat': return 0.12;
    case 'wan': return 0.35;
  }
}

/** Time a device spends handling a packet (forwarding or answering), in ms. */
export const DEVICE_MS = 0.0015;

/**
 * The first half of a crossing's delay hash: unit(seed, probe, step, 17) mixes the four in order, and a journey's seed
 * and probe number are fixed, so the journey mixes them once (Journey.delayKey) and each crossing mixes the other two.
 */
export function linkDelayKey(seed: number, probe: number): number {
  return mixStep(mixStep(0x9e3779b9, seed), probe);
}

/** One-way latency in ms of crossing a link, per link kind, with seeded jitter (VirtualBox-like figures): KEY from linkDelayKey. */
export function linkDelayMs(kind: LinkKind, key: number, step: number): number {
  const base = linkBaseMs(kind);
  return base * (0.7 + 0.6 * ((mixStep(mixStep(key, step), 17) >>> 0) / 4294967296));
}

/** ARP gives up after about 3 s (3 solicitations, 1 s apart) before the router answers host unreachable. */
export const ARP_TIMEOUT_MS = 3050;
