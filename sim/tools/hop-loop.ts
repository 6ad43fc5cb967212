// The probe loop of traceroute-like tools: TTL by TTL, probe by probe through ctx.probe, timed on the simulated
// clock, into a TraceRecord. Formatting is the tools' business; this file only decides what was sent and seen.
//
// Usage: `traceHops(ctx, options)` returns the record. Probes are numbered n = 0, 1, ... in send order;
// `options.ports(n)` gives each probe's ports. Time: a probe's reply counts when it arrives within `waitMs`;
// the next probe leaves when a slot of `inFlight` frees (1 = send, wait, send; Linux traceroute keeps 16 out).
// The loop moves the simulator's clock (ctx.wait) to each send time and, at the end, to when the tool finishes,
// so rate limits refill (and controllers act) as they would while the real tool runs.
import type { ProbeResult, TracedProbe, TraceRecord } from '../../topology/trace.js';
import type { ProbeSpec, SourceRoute, ToolContext } from '../tool-context.js';

export interface HopLoopOptions {
  readonly tool: string;
  readonly target: { readonly name: string; readonly ip: number };
  readonly protocol: ProbeSpec['protocol'];
  readonly firstHop: number;
  readonly maxHops: number;
  readonly probesPerHop: number;
  /** Total IP length of each probe (with `discoverMtu`, clamped to the path MTU learnt so far). */
  readonly packetLength: number;
  /** Don't-fragment bit. */
  readonly df: boolean;
  /** Ports of the n-th probe of the run (for ICMP echo: sport is the identifier, icmpSeq the sequence). */
  readonly ports: (n: number) => { readonly sport: number; readonly dport: number; readonly icmpSeq?: number };
  /** Longest wait for one reply, in ms. */
  readonly waitMs: number;
  /** Linux traceroute's `-w MAX,HERE,NEAR`: stop waiting HERE times the RTT of a reply from the same hop, or NEAR times that of a later hop. */
  readonly adaptiveWait?: { readonly here: number; readonly near: number };
  /** Probes in flight at once (>= 1). */
  readonly inFlight: number;
  /** Pause before each probe after the first, in ms (busybox and traceroute -z). */
  readonly sendGapMs?: number;
  /** Whether the trace ends after the hop holding these probes. Must stay true once true as probes are added. */
  readonly lastHop: (probes: readonly TracedProbe[]) => boolean;
  /** The tool reads answers with pcap (tcptraceroute): see ProbeSpec.capture. */
  readonly capture?: boolean;
  /** traceroute --mtu: start at the route's MTU, resend a probe smaller after frag-needed, note the MTU on probes. */
  readonly discoverMtu?: boolean;
  /** Echo replies count only from the target (Linux traceroute -I); busybox takes any with its identifier. */
  readonly echoFromTargetOnly?: boolean;
}

/** Whether a reply says the probe was refused on the way (frag needed) with a smaller next-hop MTU. */
function fragNeeded(r: ProbeResult, mtu: number): number | undefined {
  const reply = r.reply;
  if (reply?.kind === 'unreachable' && reply.code === 4 && reply.mtu !== undefined && reply.mtu < mtu) return reply.mtu;
  return undefined;
}

interface Sent {
  readonly ttl: number;
  readonly sendAt: number;
  /** When the reply arrived (Infinity: none). */
  readonly arrivedAt: number;
  /** When the probe's slot frees: its reply within the longest wait, or the longest wait. */
  readonly doneAt: number;
  readonly result: ProbeResult;
  readonly mtu: number | undefined;
}

/** Applies -w HERE,NEAR to probe K: its reply is dropped when it came after the tool stopped waiting (on the evidence of earlier replies). */
function adaptiveWaitApplied(sent: readonly Sent[], k: number, floor: number, opts: HopLoopOptions): TracedProbe {
  const s = sent[k]!;
  const probe: TracedProbe = s.mtu !== undefined ? { ...s.result, mtu: s.mtu } : s.result;
  const reply = s.result.reply;
  if (!reply || reply.rttMs <= floor) return probe;
  let limit = opts.waitMs;
  const adaptive = opts.adaptiveWait;
  if (adaptive) {
    for (let m = 0; m < sent.length; m++) {
      const o = sent[m]!;
      const other = o.result.reply;
      if (o === s || !other || o.arrivedAt >= s.arrivedAt || o.ttl < s.ttl) continue;
      const factor = o.ttl === s.ttl ? adaptive.here : adaptive.near;
      if (factor > 0) limit = Math.min(limit, factor * (other.rttMs + 1));
    }
  }
  if (reply.rttMs <= limit) return probe;
  const { reply: _late, ...rest } = probe;
  return { ...rest, late: true };
}

/**
 * A wait no probe's limit in adaptiveWaitApplied falls below: the smallest positive factor times the smallest RTT + 1
 * (rounding is monotonic, so no factor * (rtt + 1) there is smaller), or the longest wait. A reply within it is kept
 * without comparing it to every other probe.
 */
function waitFloor(sent: readonly Sent[], opts: HopLoopOptions): number {
  const adaptive = opts.adaptiveWait;
  if (!adaptive) return opts.waitMs;
  const here = adaptive.here > 0 ? adaptive.here : Infinity;
  const near = adaptive.near > 0 ? adaptive.near : Infinity;
  if (here === Infinity && near === Infinity) return opts.waitMs;
  let minRtt = Infinity;
  for (const s of sent) if (s.result.reply && s.result.reply.rttMs < minRtt) minRtt = s.result.reply.rttMs;
  return Math.min(opts.waitMs, Math.min(here, near) * (minRtt + 1));
}

/** Runs the probes and returns what the tool saw. */
export function traceHops(ctx: ToolContext, opts: HopLoopOptions): TraceRecord {
  const sent: Sent[] = [];
  let clock = 0;
  let lastSend = 0;
  let stopHop = Infinity;
  let stopKnownAt = Infinity;
  const route = opts.discoverMtu ? ctx.sourceRoute(opts.target.ip) : undefined;
  let mtu = route ? (route.ok ? route.mtu : 1500) : Infinity;
  let mtuNoted: number | undefined;
  let seq = 0;
  const gap = opts.sendGapMs ?? 0;

  outer: for (let ttl = opts.firstHop; ttl <= opts.maxHops; ttl++) {
    // This hop's probes as the tool saw them when it decided whether the trace ends here.
    const probes: TracedProbe[] = [];
    for (let i = 0; i < opts.probesPerHop; i++) {
      const n = sent.length;
      const slotFree = n >= opts.inFlight ? sent[n - opts.inFlight]!.doneAt : 0;
      const sendAt = Math.max(lastSend, slotFree) + (n > 0 ? gap : 0);
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
        const got = result.reply;
        if (opts.echoFromTargetOnly && got !== undefined && got.kind === 'echo-reply' && got.from !== opts.target.ip) result = { ...result, reply: undefined };
        const smaller = opts.discoverMtu ? fragNeeded(result, mtu) : undefined;
        if (smaller === undefined) break;
        mtu = smaller;
      }
      const noteMtu = opts.discoverMtu && mtu !== mtuNoted ? mtu : undefined;
      if (noteMtu !== undefined) mtuNoted = noteMtu;
      const reply = result.reply;
      const replied = reply !== undefined && reply.rttMs <= opts.waitMs;
      const doneAt = sendAt + (replied ? reply.rttMs : opts.waitMs);
      sent.push({ ttl, sendAt, arrivedAt: reply ? sendAt + reply.rttMs : Infinity, doneAt, result, mtu: noteMtu });
      probes.push(replied ? result : { ...result, reply: undefined });
      if (ttl <= stopHop && opts.lastHop(probes)) {
        stopHop = ttl;
        stopKnownAt = Math.min(stopKnownAt, doneAt);
      }
    }
  }
  // The tool exits once every probe up to the last hop is answered or timed out (extra probes beyond are abandoned).
  let end = clock;
  for (const s of sent) if (s.ttl <= stopHop && s.doneAt > end) end = s.doneAt;
  if (end > clock) ctx.wait(end - clock);
  const { hops, reached } = hopsAndReach(sent, stopHop, opts);
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

/** The record's hops (probes grouped by TTL, none beyond the last hop, -w applied) and whether the target answered. */
function hopsAndReach(sent: readonly Sent[], stopHop: number, opts: HopLoopOptions): Pick<TraceRecord, 'hops' | 'reached'> {
  const floor = waitFloor(sent, opts);
  const hops: { ttl: number; probes: TracedProbe[] }[] = [];
  let hop: { ttl: number; probes: TracedProbe[] } | undefined;
  let reached = false;
  for (let k = 0; k < sent.length; k++) {
    const ttl = sent[k]!.ttl;
    if (ttl > stopHop) continue;
    const traced = adaptiveWaitApplied(sent, k, floor, opts);
    if (hop?.ttl !== ttl) hops.push((hop = { ttl, probes: [] }));
    hop.probes.push(traced);
    reached ||= isReached(traced);
  }
  return { hops, reached };
}

/** The probe got its answer from the target itself (port unreachable from it, echo reply, SYN-ACK or RST, a UDP answer). */
export function isReached(p: ProbeResult): boolean {
  const r = p.reply;
  if (!r) return false;
  if (r.kind === 'echo-reply' || r.kind === 'tcp-synack' || r.kind === 'tcp-rst' || r.kind === 'udp') return true;
  return r.kind === 'unreachable' && r.code === 3;
}

/**
 * Whether the run's first probe never left: the prober's own filter OUTPUT dropped or rejected it, so sendmsg()
 * failed with EPERM (each tool then says so in its words and stops; kernel-checked).
 */
export function firstSendRefused(record: TraceRecord, device: string): boolean {
  const p = record.hops[0]?.probes[0];
  return p !== undefined && sendRefused(p, device);
}

/** Whether one probe was refused by the prober's own OUTPUT chain (sendmsg() failed with EPERM). */
export function sendRefused(p: ProbeResult, device: string): boolean {
  return p.at === device && ((p.disposition === 'dropped-by-rule' && !p.reply) || (p.disposition === 'rejected' && p.reply?.local === true));
}

/** strerror() of the errno connect() fails with when the source has no usable route. */
export function connectErrorText(error: Extract<SourceRoute, { ok: false }>['error']): string {
  const text: Record<typeof error, string> = {
    ENETUNREACH: 'Network is unreachable', EHOSTUNREACH: 'No route to host', EACCES: 'Permission denied', EINVAL: 'Invalid argument',
  };
  return text[error];
}
