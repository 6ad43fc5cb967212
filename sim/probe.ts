// One probe end to end: the packet's way out, the answer the kernel would give (ICMP error, port unreachable,
// SYN-ACK/RST, echo reply), its way back through reverse NAT, and the ProbeResult a tool sees.
import type { Dataplane, DeviceState } from './dataplane.js';
import { Journey, originate, originateAt, type Outcome } from './engine.js';
import { ICMP_ECHO, ICMP_ECHO_REPLY, ICMP_TIME_EXCEEDED, ICMP_UNREACH, icmpHeader, isIcmpError, makePacket, type CtEntry, type Packet } from './packet.js';
import type { ProbeResult, Reply, Step } from '../topology/trace.js';
import type { Route } from '../topology/model.js';
import type { DnsDatagram, ProbeSpec, SourceRoute } from './tool-context.js';
import { addressFor, icmpErrorLength } from './engine.js';
import { journeyStartMs } from './capture/tap.js';
import { httpResponseBytes, httpResponseHead } from './http.js';
import { dnsServerKind } from './dns/responder.js';
import { trackProbe } from './conntrack-table.js';
import { Mib, countIp, countUdpSend } from './ip-mib.js';

const ERRNO_CODE: Readonly<Record<string, number>> = { EHOSTUNREACH: 1, EACCES: 13, ENETUNREACH: 0 };

/** connect()'s view: the route to `dst` from `device`, or the errno it fails with. */
export function sourceRoute(dp: Dataplane, device: string, dst: number): SourceRoute {
  const s = dp.state(device);
  if (s.isLocalBroadcast(dst)) return { ok: false, error: 'EACCES', broadcast: true };
  // The local table comes first: the device's own addresses are reached through lo whatever the main table says
  // (a blackhole over the node's own subnet does not stop a ping to itself; kernel-checked). lo's MTU is the path MTU.
  if (s.isLocal(dst)) return { ok: true, src: dst, dev: 'lo', mtu: s.ifaces.get('lo')?.mtu ?? 65536 };
  const hit = s.lookup(dst);
  if (!hit) return { ok: false, error: 'ENETUNREACH' };
  const r = hit.route;
  if (r.type === 'blackhole') return { ok: false, error: 'EINVAL' };
  if (r.type === 'unreachable') return { ok: false, error: 'EHOSTUNREACH' };
  if (r.type === 'prohibit') return { ok: false, error: 'EACCES' };
  const src = r.src ?? addressFor(s, r.dev, r.via ?? dst);
  if (src === undefined) return { ok: false, error: 'ENETUNREACH' };
  const mtu = s.ifaces.get(r.dev!)?.mtu ?? 1500;
  const cached = s.hasPmtu() ? learnedPmtu(dp, device, dst) : undefined;
  return cached !== undefined && cached < mtu ? { ok: true, src, dev: r.dev!, mtu, pmtu: cached } : { ok: true, src, dev: r.dev!, mtu };
}

/** A socket's route lookup (connect, sendto): sourceRoute, and IpOutNoRoutes when there is no route (ENETUNREACH). */
export function socketRoute(dp: Dataplane, device: string, dst: number): SourceRoute {
  const r = sourceRoute(dp, device, dst);
  if (!r.ok && r.error === 'ENETUNREACH') countIp(dp.state(device), Mib.OutNoRoutes);
  return r;
}

/** How long a learned path MTU lasts (net.ipv4.route.mtu_expires), and the smallest one the kernel takes (min_pmtu). */
export const PMTU_EXPIRES_MS = 600_000;
const MIN_PMTU = 552;

/** The path MTU the device's route cache holds for DST, while it has not expired. */
export function learnedPmtu(dp: Dataplane, device: string, dst: number): number | undefined {
  const e = dp.state(device).pmtu.get(dst);
  return e !== undefined && dp.nowMs - e.atMs < PMTU_EXPIRES_MS ? e.mtu : undefined;
}

/** A frag-needed error about our own packet to DST: the kernel keeps its MTU for the destination (kernel-checked). */
function learnPmtu(dp: Dataplane, device: string, dst: number, mtu: number): void {
  dp.state(device).pmtu.set(dst, { mtu: Math.max(mtu, MIN_PMTU), atMs: dp.nowMs });
}

/** fib_compute_spec_dst() for a broadcast: the preferred source of the route back to SENDER. */
function specDst(s: DeviceState, sender: number): number | undefined {
  const r = s.lookup(sender)?.route;
  return r?.type === 'unicast' ? (r.src ?? addressFor(s, r.dev, r.via ?? sender)) : undefined;
}

/**
 * Whether an app listens on PROTOCOL/PORT at the device (an indexed loop: a closure, or a for-of's iterator where V8
 * does not inline this, would cost an allocation per answer).
 */
function listensOn(s: DeviceState, protocol: Packet['protocol'], port: number): boolean {
  const listeners = s.listeners;
  for (let k = 0; k < listeners.length; k++) if (listeners[k]!.protocol === protocol && listeners[k]!.port === port) return true;
  return false;
}

/** The answer the destination's stack gives to a delivered probe, if any. */
function answer(dp: Dataplane, s: DeviceState, p: Packet, dnsQuery: DnsDatagram | undefined): Packet | undefined {
  const listening = listensOn(s, p.protocol, p.dport);
  // A directed broadcast gets no ICMP error and no TCP answer; an echo is answered only with
  // icmp_echo_ignore_broadcasts=0, from fib_compute_spec_dst()'s address: the preferred source towards the sender.
  const broadcast = !s.isLocal(p.dst) && s.isLocalBroadcast(p.dst);
  if (p.protocol === 'icmp') {
    if (p.icmp?.type !== ICMP_ECHO || s.sysctl('net.ipv4.icmp_echo_ignore_all') === '1') return undefined;
    if (broadcast && s.sysctl('net.ipv4.icmp_echo_ignore_broadcasts', '1') !== '0') return undefined;
    const src = broadcast ? specDst(s, p.src) : p.dst;
    if (src === undefined) return undefined;
    return makePacket(src, p.src, 'icmp', p.sport, p.dport, 64, p.length, false, icmpHeader(ICMP_ECHO_REPLY, 0));
  }
  if (broadcast) return undefined;
  if (p.protocol === 'tcp') {
    if (p.tcp !== 'syn') return undefined;
    return makePacket(p.dst, p.src, 'tcp', p.dport, p.sport, 64, 44, true, undefined, listening ? 'synack' : 'rst');
  }
  // A DNS server answers a datagram to its port (the answer's content: sim/dns/exchange.ts); other UDP services swallow it.
  if (p.protocol === 'udp') countIp(s, listening || (dnsQuery && dnsServerKind(dp.model, s.device, 'udp', p.dport, p.dst)) ? Mib.UdpInDatagrams : Mib.UdpNoPorts);
  if (dnsQuery && dnsServerKind(dp.model, s.device, 'udp', p.dport, p.dst)) {
    countIp(s, Mib.UdpOutDatagrams);
    const payload = dnsQuery.reply(s.id);
    return makePacket(p.dst, p.src, 'udp', p.dport, p.sport, 64, 28 + payload.length, false, undefined, undefined, undefined, payload);
  }
  if (listening) return undefined; // a UDP service swallows a traceroute probe
  if (!dp.limiter.allowIcmp(s, p.src, ICMP_UNREACH, 3, dp.nowMs)) return undefined; // port unreachable is rate limited too
  return makePacket(p.dst, p.src, 'icmp', 0, 0, 64, icmpErrorLength(p), false, icmpHeader(ICMP_UNREACH, 3, undefined, p));
}

function replyKind(p: Packet): Reply['kind'] | undefined {
  if (p.protocol === 'tcp') return p.tcp === 'synack' ? 'tcp-synack' : p.tcp === 'rst' ? 'tcp-rst' : undefined;
  if (p.protocol === 'udp') return 'udp';
  if (p.icmp?.type === ICMP_ECHO_REPLY) return 'echo-reply';
  if (p.icmp?.type === ICMP_TIME_EXCEEDED) return 'time-exceeded';
  if (p.icmp?.type === ICMP_UNREACH) return 'unreachable';
  return undefined;
}

/** Whether a packet that reached the prober answers the probe that was sent. */
function answers(probe: Packet, got: Packet): boolean {
  if (isIcmpError(got)) {
    const q = got.icmp!.inner!;
    return q.protocol === probe.protocol && q.src === probe.src && q.dst === probe.dst && q.sport === probe.sport && q.dport === probe.dport;
  }
  // An echo reply is matched by identifier and sequence only: a directed broadcast is answered from another address.
  if (probe.protocol === 'icmp') return got.protocol === 'icmp' && got.sport === probe.sport && got.dport === probe.dport;
  return got.protocol === probe.protocol && got.src === probe.dst && got.sport === probe.dport && got.dport === probe.sport;
}

/** The response the HTTP app listening on DEVICE:PORT sends (latin1; undefined: no HTTP app there). */
function httpResponse(dp: Dataplane, device: string, port: number, what: 'full' | 'head'): string | undefined {
  const l = dp.state(device).device.listeners.find((x) => x.protocol === 'tcp' && x.port === port);
  if (l?.app !== 'http' || !l.http) return undefined;
  return what === 'head' ? httpResponseHead(l.http) : httpResponseBytes(l.http);
}

/** The MTU of DEVICE's route to DST, or the path MTU its route cache learned. */
function pathMtu(dp: Dataplane, device: string, dst: number): number {
  const r = sourceRoute(dp, device, dst);
  return r.ok ? Math.min(r.mtu, r.pmtu ?? Infinity) : 1500;
}

/** While a capture listens: the segments after the handshake (sim/capture/conversation.ts), in MSS-sized pieces. */
function tapConversation(dp: Dataplane, client: string, server: string, syn: Packet, out: Journey, back: Journey, request: string, response: string): void {
  const mss = Math.min(pathMtu(dp, client, syn.dst), pathMtu(dp, server, syn.src)) - 52;
  dp.tap?.conversation({ synSentMs: journeyStartMs(out), toServerMs: out.elapsedMs, toClientMs: back.elapsedMs }, request, response, mss);
}

/**
 * The app's response after the handshake: its first (largest) segment, DF, as big as the MSS both ends announce
 * (route MTU - 40, less 12 bytes of timestamps) allows, sent by the server through the flow's conntrack. A frag-needed
 * on the way (or the server's own smaller route) lowers the segment, as path MTU discovery does; a segment lost
 * without an error (a smaller MTU at a receiver on the same link) is an MTU black hole: the response stalls.
 */
function responseArrives(dp: Dataplane, client: string, server: string, syn: Packet, bytes: number, conntrack: CtEntry[], seq: number): boolean {
  let length = Math.min(bytes, Math.min(pathMtu(dp, client, syn.dst), pathMtu(dp, server, syn.src)) - 52) + 52;
  for (let tries = 0; tries < 3; tries++) {
    const data = makePacket(syn.dst, syn.src, 'tcp', syn.dport, syn.sport, 64, length, true, undefined, 'data');
    const r = originate(new Journey(dp, 'back', conntrack, dp.limiter, seq), server, data);
    if (r.kind === 'delivered') return r.device === client;
    const mtu = r.kind === 'icmp' && r.error.icmp?.code === 4 ? r.error.icmp.mtu : r.kind === 'local-error' ? r.mtu : undefined;
    if (mtu === undefined || mtu >= length) return false;
    length = mtu;
  }
  return false;
}

/** A probe's result (runProbe holds no closure: one over its locals would cost an allocation per probe). */
function probeResult(spec: ProbeSpec, steps: readonly Step[], disposition: ProbeResult['disposition'], at: string, reply?: Reply): ProbeResult {
  return { ttl: spec.ttl, reply, disposition, at, steps };
}

/** Whether the flow was source-NATed at DEVICE (the prober's own SNAT). */
function snatAt(conntrack: readonly CtEntry[], device: string): boolean {
  for (const e of conntrack) if (e.device === device && (e.orig.src !== e.xlat.src || e.orig.sport !== e.xlat.sport)) return true;
  return false;
}

/** The unicast route a probe from S to DST takes (undefined: a local or broadcast DST, or no unicast route). */
function probeRoute(s: DeviceState, dst: number): Route | undefined {
  if (s.isLocalBroadcast(dst) || s.isLocal(dst)) return undefined;
  const r = s.lookup(dst)?.route;
  return r?.type === 'unicast' ? r : undefined;
}

/** sourceRoute(...).src, or 0 where it fails: the probe's source address over ROUTE (probeRoute's), without the MTUs or a result object. */
function probeSource(s: DeviceState, dst: number, route: Route | undefined): number {
  if (route !== undefined) return route.src ?? addressFor(s, route.dev, route.via ?? dst) ?? 0;
  return !s.isLocalBroadcast(dst) && s.isLocal(dst) ? dst : 0;
}

/** Journeys runProbe reuses (two per probe; a probe started while one runs makes its own). */
const spareJourneys: Journey[] = [];

export function runProbe(dp: Dataplane, device: string, spec: ProbeSpec): ProbeResult {
  const out = spareJourneys.pop() ?? new Journey(dp, 'out', NO_CONNTRACK, dp.limiter, 0);
  const back = spareJourneys.pop() ?? new Journey(dp, 'back', NO_CONNTRACK, dp.limiter, 0);
  try {
    return runProbeWith(dp, device, spec, out, back);
  } finally {
    out.release();
    back.release();
    spareJourneys.push(back, out);
  }
}

const NO_CONNTRACK: CtEntry[] = [];

/** runProbe with the two journeys it starts: OUT for the probe, BACK for the answer (new ones, in a test of the reuse). */
export function runProbeWith(dp: Dataplane, device: string, spec: ProbeSpec, out: Journey, back: Journey): ProbeResult {
  const prober = dp.state(device);
  const route = probeRoute(prober, spec.dst);
  const src = probeSource(prober, spec.dst, route);
  const icmp = spec.protocol === 'icmp';
  const packet = makePacket(
    src, spec.dst, spec.protocol, spec.sport, icmp ? (spec.icmpSeq ?? spec.seq) : spec.dport, spec.ttl, spec.length, spec.df,
    icmp ? icmpHeader(ICMP_ECHO, 0) : undefined, spec.protocol === 'tcp' ? 'syn' : undefined, undefined, spec.dnsQuery?.message,
  );
  const conntrack: CtEntry[] = [];
  out.start(dp, 'out', conntrack, dp.limiter, spec.seq);
  const outcome = originateAt(out, prober, packet, false, route); // the route lookup made once for the source and the send
  if (packet.protocol === 'udp') countUdpSend(prober, outcome);
  const steps: Step[] = out.steps;
  const tracked = spec.track === true || spec.dnsQuery !== undefined ? { device, packet, visited: out.visitedDevices(), delivered: outcome.kind === 'delivered', nat: conntrack } : undefined;
  if (tracked) trackProbe(dp, { ...tracked, replied: false }, dp.nowMs);

  if (outcome.kind === 'local-error') {
    // A local error reaches the socket's error queue (or comes back through lo), never the wire: pcap does not see
    // it (tcptraceroute prints `*` where traceroute -T prints `!H` after a failed ARP; kernel-checked).
    if (spec.capture && outcome.errno !== 'EPERM') return probeResult(spec, steps, outcome.disposition, device);
    if (outcome.errno === 'EHOSTUNREACH' || outcome.errno === 'ENETUNREACH' || outcome.errno === 'EACCES') {
      const from = outcome.from ?? src;
      const code = outcome.disposition === 'neighbour-unreachable' ? 1 : ERRNO_CODE[outcome.errno]!;
      return probeResult(spec, steps, outcome.disposition, device, { from, kind: 'unreachable', code, ttl: 64, rttMs: out.elapsedMs, local: true });
    }
    // Too big for the route with DF: the socket's error queue reports frag-needed with the MTU and no offender (0.0.0.0).
    // The send fails (EPERM); a REJECT also hands the prober its ICMP error, from the prober's own address (ping
    // prints it; kernel-checked).
    if (outcome.rejectIcmp) return probeResult(spec, steps, outcome.disposition, device, { from: src, kind: 'unreachable', code: outcome.rejectIcmp.code, ttl: 64, rttMs: out.elapsedMs, local: true });
    if (outcome.errno === 'EMSGSIZE') return probeResult(spec, steps, outcome.disposition, device, { from: 0, kind: 'unreachable', code: 4, mtu: outcome.mtu, ttl: 64, rttMs: out.elapsedMs, local: true });
    return probeResult(spec, steps, outcome.disposition, device);
  }
  if (outcome.kind === 'dropped') return probeResult(spec, steps, outcome.disposition, outcome.device);

  let response: Packet | undefined;
  const last = out.lastEntered;
  const from = last !== undefined && last.id === outcome.device ? last : dp.state(outcome.device);
  let disposition: ProbeResult['disposition'];
  if (outcome.kind === 'icmp') {
    response = outcome.error;
    disposition = outcome.disposition;
  } else {
    response = answer(dp, from, outcome.packet, spec.dnsQuery);
    disposition = 'reached';
    if (!response) return probeResult(spec, steps, 'reached', outcome.device);
  }
  back.start(dp, 'back', conntrack, dp.limiter, spec.seq);
  back.baseMs = out.elapsedMs;
  const ret: Outcome = originateAt(back, from, response, outcome.kind === 'icmp' && outcome.natBypass === true);
  if (back.steps.length > 0) steps.push(...back.steps);
  if (ret.kind !== 'delivered' || ret.device !== device || !answers(packet, ret.packet)) {
    return probeResult(spec, steps, disposition === 'reached' ? 'no-answer' : disposition, outcome.device);
  }
  // pcap sees the answer before conntrack undoes the prober's own SNAT: addressed to a tuple the tool does not know.
  if (spec.capture && snatAt(conntrack, device)) {
    return probeResult(spec, steps, disposition === 'reached' ? 'no-answer' : disposition, outcome.device);
  }
  const got = ret.packet;
  if (got.protocol === 'udp') countIp(prober, Mib.UdpInDatagrams);
  if (tracked && !isIcmpError(got)) trackProbe(dp, { ...tracked, replied: true }, dp.nowMs);
  const kind = replyKind(got);
  if (!kind) return probeResult(spec, steps, disposition, outcome.device);
  if (kind === 'unreachable' && got.icmp?.code === 4 && got.icmp.mtu) learnPmtu(dp, device, spec.dst, got.icmp.mtu);
  // Built once in its final key order (ttl, reply, disposition, at, steps, then port and responseArrived when known).
  const result: { -readonly [K in keyof ProbeResult]: ProbeResult[K] } = probeResult(spec, steps, disposition, outcome.device, {
    from: got.src, kind, code: got.icmp && got.icmp.type === ICMP_UNREACH ? got.icmp.code : undefined, mtu: got.icmp?.mtu,
    ttl: got.ttl, rttMs: out.elapsedMs + back.elapsedMs,
  });
  if (outcome.kind !== 'delivered' || outcome.packet.protocol === 'icmp') return result;
  result.port = outcome.packet.dport;
  const http = kind === 'tcp-synack' && spec.appResponse ? httpResponse(dp, outcome.device, outcome.packet.dport, spec.appResponse) : undefined;
  if (http !== undefined) result.responseArrived = responseArrives(dp, device, outcome.device, outcome.packet, http.length, conntrack, spec.seq);
  if (result.responseArrived && dp.tap !== null && spec.appRequest !== undefined) tapConversation(dp, device, outcome.device, outcome.packet, out, back, spec.appRequest, http!);
  if (kind === 'tcp-synack' && spec.track) result.flow = { path: out.visitedDevices(), nat: conntrack };
  return result;
}
