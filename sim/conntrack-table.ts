// The nodes' conntrack table for UDP and ICMP flows across probes and commands: one entry per flow (a socket's
// datagrams to one server, a ping's echoes) on every node the packets were forwarded through or delivered to, with the
// kernel's timeouts (nf_conntrack_udp_timeout 30 s, nf_conntrack_icmp_timeout 30 s, refreshed by every packet) and
// whether a reply was seen. TCP connections keep their own record (tools/conntrack-flows.ts: TIME_WAIT after close).
// Hooked from probe.ts (runProbe records each probe's journey) and engine.ts (seenReply: ctstate ESTABLISHED in the
// filter hooks); read by `conntrack -L` (tools/conntrack.ts).
import type { Dataplane } from './dataplane.js';
import type { CtEntry, Packet } from './packet.js';
import type { DatagramFlow } from './tools/ss-connections.js';

/** nf_conntrack_udp_timeout and nf_conntrack_icmp_timeout (the stream timeout needs traffic past 2 s: not modelled). */
export const CT_UDP_ICMP_TIMEOUT_MS = 30_000;

/** A flow's tuple in one direction (ICMP: sport is the echo identifier, dport unused). */
export interface CtTuple {
  readonly src: number;
  readonly dst: number;
  readonly sport: number;
  readonly dport: number;
}

/** One UDP or ICMP entry of a node's table. */
export interface CtFlow {
  readonly node: string;
  readonly protocol: 'udp' | 'icmp';
  readonly orig: CtTuple;
  /** The reply tuple: the original one inverted after the node's NAT. */
  readonly reply: CtTuple;
  /** A packet in the reply direction reached the node (no [UNREPLIED]). */
  replied: boolean;
  /** Simulated time of the flow's last packet (the timeout counts from it). */
  lastMs: number;
}

/** A dataplane's entries by original tuple, and by the tuple the filter hooks see (after DNAT, before SNAT). */
interface Table {
  readonly byOrig: Map<string, CtFlow>;
  readonly byFiltered: Map<string, CtFlow>;
}

const tables = new WeakMap<Dataplane, Table>();

function tableOf(dp: Dataplane): Table {
  let t = tables.get(dp);
  if (t === undefined) tables.set(dp, (t = { byOrig: new Map(), byFiltered: new Map() }));
  return t;
}

/** The tuple filter FORWARD/INPUT/OUTPUT see for a flow's original direction: DNAT done (the reply's source), SNAT not yet. */
const filteredKey = (f: CtFlow): string => keyOf(f.node, f.protocol, { src: f.orig.src, dst: f.reply.src, sport: f.orig.sport, dport: f.reply.sport });

const inverted = (t: CtTuple): CtTuple => ({ src: t.dst, dst: t.src, sport: t.dport, dport: t.sport });

function keyOf(node: string, protocol: string, t: CtTuple): string {
  return `${node} ${protocol} ${t.src} ${t.dst} ${t.sport} ${protocol === 'icmp' ? 0 : t.dport}`;
}

/** What runProbe knows of a probe when its journeys are over. */
export interface ProbeJourney {
  /** The prober's place and the packet it sent (before any NAT). */
  readonly device: string;
  readonly packet: Packet;
  /** Devices the probe entered, in order (engine Journey.visitedDevices). */
  readonly visited: readonly string[];
  /** Whether the probe was delivered at the last device it entered (else it died there: dropped, expired, rejected). */
  readonly delivered: boolean;
  /** The NAT mappings made on the way. */
  readonly nat: readonly CtEntry[];
  /** Whether the answer came back to the prober. */
  readonly replied: boolean;
}

/**
 * Hook for runProbe: records (or refreshes) a UDP datagram's or ICMP echo's flow on the nodes that confirmed it: the
 * prober itself when it is a node, every node the probe left again, and the last one if it was delivered there (an
 * entry is confirmed at POSTROUTING or INPUT; a packet dropped or expired on the way leaves none).
 */
export function trackProbe(dp: Dataplane, j: ProbeJourney, nowMs: number): void {
  const p = j.packet;
  if (p.protocol === 'tcp' || (p.protocol === 'icmp' && p.icmp?.type !== 8)) return;
  const devices = j.visited[0] === j.device ? [...j.visited] : [j.device, ...j.visited];
  if (!j.delivered) devices.pop();
  let current: CtTuple = { src: p.src, dst: p.dst, sport: p.sport, dport: p.dport };
  const table = tableOf(dp);
  for (const node of devices) {
    const nat = j.nat.filter((e) => e.device === node).at(-1);
    const after: CtTuple = nat ? { src: nat.xlat.src, dst: nat.xlat.dst, sport: nat.xlat.sport, dport: nat.xlat.dport } : current;
    if (dp.state(node).device.kind === 'node') record(table, node, p.protocol, current, after, j.replied, nowMs);
    current = after;
  }
}

function record(table: Table, node: string, protocol: 'udp' | 'icmp', orig: CtTuple, after: CtTuple, replied: boolean, nowMs: number): void {
  const key = keyOf(node, protocol, orig);
  const known = table.byOrig.get(key);
  if (known && nowMs - known.lastMs < CT_UDP_ICMP_TIMEOUT_MS) {
    known.lastMs = nowMs;
    known.replied ||= replied;
    return;
  }
  const flow: CtFlow = { node, protocol, orig, reply: inverted(after), replied, lastMs: nowMs };
  table.byOrig.set(key, flow);
  const before = table.byFiltered.size;
  table.byFiltered.set(filteredKey(flow), flow);
  filteredEntries += table.byFiltered.size - before;
}

/**
 * How many entries the tables' byFiltered maps gained, less those deleted, over every dataplane (a dataplane collected
 * with entries leaves it above 0: then seenReply looks its table up as before).
 */
let filteredEntries = 0;

/**
 * Hook for the engine's filter hooks: whether P, a UDP datagram or ICMP echo request in its flow's original direction
 * at NODE, belongs to a live entry that has seen a reply (ctstate ESTABLISHED, as the second echo of `ping -c 2`),
 * rather than a new flow. P is the packet as the filter chains see it (after DNAT, before SNAT).
 */
export function seenReply(dp: Dataplane, node: string, p: Packet): boolean {
  if (filteredEntries === 0) return false; // no dataplane has an entry: no lookup at all
  const t = tables.get(dp);
  if (t === undefined || t.byFiltered.size === 0 || p.protocol === 'tcp' || (p.protocol === 'icmp' && p.icmp?.type !== 8)) return false;
  const f = t.byFiltered.get(keyOf(node, p.protocol, p));
  return f !== undefined && f.replied && dp.nowMs - f.lastMs < CT_UDP_ICMP_TIMEOUT_MS;
}

/** NODE's live UDP and ICMP entries at NOWMS, oldest first (expired ones are dropped for good). */
export function udpIcmpFlows(dp: Dataplane, node: string, nowMs: number): CtFlow[] {
  const table = tableOf(dp);
  for (const [key, f] of table.byOrig) {
    if (nowMs - f.lastMs < CT_UDP_ICMP_TIMEOUT_MS) continue;
    table.byOrig.delete(key);
    if (table.byFiltered.get(filteredKey(f)) === f && table.byFiltered.delete(filteredKey(f))) filteredEntries--;
  }
  return [...table.byOrig.values()].filter((f) => f.node === node);
}

/** NODE's entries for `conntrack -L`: with the whole seconds left, as the kernel rounds its timeout down. */
export function datagramListing(dp: Dataplane, node: string): DatagramFlow[] {
  return udpIcmpFlows(dp, node, dp.nowMs).map((f) => ({
    protocol: f.protocol, orig: f.orig, reply: f.reply, replied: f.replied,
    secondsLeft: Math.floor((CT_UDP_ICMP_TIMEOUT_MS - (dp.nowMs - f.lastMs)) / 1000),
  }));
}
