// The hop loop of tracelab before the probe-path round (main at 8d39905), kept verbatim as the reference the leaner
// traceHops (sim/tools/hop-loop.ts) is compared with in test/probe-path-exact.test.ts: same probes sent, same clock
// moves, same record.
import type { ProbeResult, TracedProbe, TraceRecord } from '../../topology/trace.js';
import type { ToolContext } from '../../sim/tool-context.js';
import { isReached, type HopLoopOptions } from '../../sim/tools/hop-loop.js';

/** Whether a reply says the probe was refused on the way (frag needed) with a smaller next-hop MTU. */
function fragNeeded(r: ProbeResult, mtu: number): number | undefined {
  const reply = r.reply;
  if (reply?.kind === 'unreachable' && reply.code === 4 && reply.mtu !== undefined && reply.mtu < mtu) return reply.mtu;
  return undefined;
}

interface Sent {
  readonly ttl: number;
  readonly sendAt: number;
  readonly result: ProbeResult;
  readonly mtu?: number;
}

/** Applies -w HERE,NEAR: a reply that comes after the tool stopped waiting (on the evidence of earlier replies) is dropped. */
function applyAdaptiveWait(sent: readonly Sent[], opts: HopLoopOptions): TracedProbe[] {
  // When each reply arrived (Infinity: none), worked out once: the loop below compares every pair of probes.
  const done = sent.map((s) => (s.result.reply ? s.sendAt + s.result.reply.rttMs : Infinity));
  const floor = waitFloor(sent, opts);
  return sent.map((s, k) => {
    const probe: TracedProbe = s.mtu !== undefined ? { ...s.result, mtu: s.mtu } : s.result;
    const reply = s.result.reply;
    if (!reply || reply.rttMs <= floor) return probe;
    let limit = opts.waitMs;
    const mine = done[k]!;
    if (opts.adaptiveWait) {
      for (let m = 0; m < sent.length; m++) {
        const o = sent[m]!;
        if (o === s || !o.result.reply || done[m]! >= mine || o.ttl < s.ttl) continue;
        const factor = o.ttl === s.ttl ? opts.adaptiveWait.here : opts.adaptiveWait.near;
        if (factor > 0) limit = Math.min(limit, factor * (o.result.reply.rttMs + 1));
      }
    }
    if (reply.rttMs <= limit) return probe;
    const { reply: _late, ...rest } = probe;
    return { ...rest, late: true };
  });
}

/**
 * A wait no probe's limit in applyAdaptiveWait falls below: the smallest positive factor times the smallest RTT + 1
 * (rounding is monotonic, so no factor * (rtt + 1) there is smaller), or the longest wait. A reply within it is kept
 * without comparing it to every other probe.
 */
function waitFloor(sent: readonly Sent[], opts: HopLoopOptions): number {
  const adaptive = opts.adaptiveWait;
  if (!adaptive) return opts.waitMs;
  const factors = [adaptive.here, adaptive.near].filter((f) => f > 0);
  if (factors.length === 0) return opts.waitMs;
  let minRtt = Infinity;
  for (const s of sent) if (s.result.reply && s.result.reply.rttMs < minRtt) minRtt = s.result.reply.rttMs;
  return Math.min(opts.waitMs, Math.min(...factors) * (minRtt + 1));
}

/** Runs the probes and returns what the tool saw. */
export function referenceTraceHops(ctx: ToolContext, opts: HopLoopOptions): TraceRecord {
  const sent: Sent[] = [];
  const doneAt: number[] = [];
  let clock = 0;
  let lastSend = 0;
  let stopHop = Infinity;
  let stopKnownAt = Infinity;
  const route = opts.discoverMtu ? ctx.sourceRoute(opts.target.ip) : undefined;
  let mtu = route ? (route.ok ? route.mtu : 1500) : Infinity;
  let mtuNoted: number | undefined;
  let seq = 0;

  outer: for (let ttl = opts.firstHop; ttl <= opts.maxHops; ttl++) {
    // This hop's probes as the tool saw them when it decided whether the trace ends here.
    const probes: TracedProbe[] = [];
    for (let i = 0; i < opts.probesPerHop; i++) {
      const n = sent.length;
      const slotFree = n >= opts.inFlight ? doneAt[n - opts.inFlight]! : 0;
      const sendAt = Math.max(lastSend, slotFree) + (n > 0 ? opts.sendGapMs ?? 0 : 0);
      // Once the tool knows the trace ends at stopHop, it sends nothing beyond it.
      if (ttl > stopHop && sendAt >= stopKnownAt) break outer;
      if (sendAt > clock) {
        ctx.wait(sendAt - clock);
        clock = sendAt;
      }
      lastSend = sendAt;
      const ports = opts.ports(n);
      let result: ProbeResult;
      for (;;) {
        const length = Math.min(opts.packetLength, mtu);
        result = ctx.probe({ protocol: opts.protocol, dst: opts.target.ip, ttl, length, df: opts.df, seq: seq++, sport: ports.sport, dport: ports.dport, icmpSeq: ports.icmpSeq, capture: opts.capture });
        if (opts.echoFromTargetOnly && result.reply?.kind === 'echo-reply' && result.reply.from !== opts.target.ip) result = { ...result, reply: undefined };
        const smaller = opts.discoverMtu ? fragNeeded(result, mtu) : undefined;
        if (smaller === undefined) break;
        mtu = smaller;
      }
      const noteMtu = opts.discoverMtu && mtu !== mtuNoted ? mtu : undefined;
      if (noteMtu !== undefined) mtuNoted = noteMtu;
      const replied = result.reply && result.reply.rttMs <= opts.waitMs;
      doneAt.push(sendAt + (replied ? result.reply!.rttMs : opts.waitMs));
      sent.push({ ttl, sendAt, result, mtu: noteMtu });
      probes.push(replied ? result : { ...result, reply: undefined });
      if (ttl <= stopHop && opts.lastHop(probes)) {
        stopHop = ttl;
        stopKnownAt = Math.min(stopKnownAt, doneAt[n]!);
      }
    }
  }
  // The tool exits once every probe up to the last hop is answered or timed out (extra probes beyond are abandoned).
  let end = clock;
  for (let k = 0; k < sent.length; k++) if (sent[k]!.ttl <= stopHop && doneAt[k]! > end) end = doneAt[k]!;
  if (end > clock) ctx.wait(end - clock);
  const { hops, reached } = hopsAndReach(sent, applyAdaptiveWait(sent, opts), stopHop);
  return {
    tool: opts.tool,
    target: opts.target,
    protocol: opts.protocol,
    firstHop: opts.firstHop,
    maxHops: opts.maxHops,
    probesPerHop: opts.probesPerHop,
    packetLength: opts.packetLength,
    hops,
    reached,
  };
}

/** The record's hops (probes grouped by TTL, none beyond the last hop) and whether the target answered. */
function hopsAndReach(sent: readonly Sent[], traced: readonly TracedProbe[], stopHop: number): Pick<TraceRecord, 'hops' | 'reached'> {
  const hops: { ttl: number; probes: TracedProbe[] }[] = [];
  let hop: { ttl: number; probes: TracedProbe[] } | undefined;
  let reached = false;
  for (let k = 0; k < traced.length; k++) {
    const ttl = sent[k]!.ttl;
    if (ttl > stopHop) continue;
    if (hop?.ttl !== ttl) hops.push((hop = { ttl, probes: [] }));
    hop.probes.push(traced[k]!);
    reached ||= isReached(traced[k]!);
  }
  return { hops, reached };
}

