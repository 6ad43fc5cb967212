// The echo loop shared by iputils and busybox ping: echo requests on a simulated timeline, path-MTU learning, the trace record.
import type { ProbeResult, TraceRecord } from '../../topology/trace.js';
import type { ToolContext } from '../tool-context.js';

/** How the socket treats DF (iputils -M): `do` refuses what exceeds the path MTU, `want` fragments it locally. */
export type PmtuDiscovery = 'do' | 'want' | 'dont';

export interface EchoPlan {
  readonly target: { readonly name: string; readonly ip: number };
  /** Echo requests to send at most; Infinity with a deadline. */
  readonly count: number;
  /** With a deadline (-w), stop once `count` replies came back instead of after `count` requests. */
  readonly countReplies: boolean;
  readonly intervalMs: number;
  /** -w: stop sending at this many ms after the start. */
  readonly deadlineMs?: number;
  /** How long ping waits for the last request's answer before it prints the statistics (-W, or its default). */
  readonly lingerMs: number;
  readonly ttl: number;
  /** ICMP payload bytes (-s). */
  readonly dataBytes: number;
  readonly pmtu: PmtuDiscovery;
  /** icmp_seq of the first request (iputils 1, busybox 0). */
  readonly firstSeq: number;
  readonly tool: string;
}

export type EchoOutcome =
  | { readonly kind: 'reply'; readonly seq: number; readonly from: number; readonly ttl: number; readonly bytes: number; readonly rttMs: number }
  /** An ICMP error about the request (or the kernel's own host unreachable after a failed ARP). */
  | { readonly kind: 'error'; readonly seq: number; readonly from: number; readonly type: 'unreachable' | 'time-exceeded'; readonly code: number; readonly mtu?: number }
  /** sendmsg refused it: bigger than the path MTU with DF (EMSGSIZE), or bigger than an IP packet. */
  | { readonly kind: 'local-error'; readonly seq: number; readonly mtu: number }
  | { readonly kind: 'lost'; readonly seq: number };

export interface EchoRun {
  /** In the order ping reads them: answers by arrival time, a local error when its send failed. */
  readonly outcomes: readonly EchoOutcome[];
  /** Most requests outstanding at once when an answer came (iputils prints `pipe N` above 1). */
  readonly pipe: number;
  /** Simulated ms from the first request to the last one sent (ping's `time Nms`). */
  readonly elapsedMs: number;
  readonly record: TraceRecord;
}

/** ICMP echo identifier of simulated pings, varied per run: each ping is its own socket and conntrack flow (kernel-checked). */
const ECHO_ID = 0x7a1b;

/** A run's identifier: deterministic, different for pings started at different simulated times. */
const echoIdOf = (ctx: ToolContext): number => (ECHO_ID ^ ctx.nowMs()) & 0xffff;
const IP_ICMP_HEADERS = 28;
const MAX_IP_PACKET = 65535;
/** A run stops after this many requests whatever the options say (`-w 60 -i 0` would otherwise flood the simulator). */
export const MAX_ECHO_REQUESTS = 10_000;

function outcomeOf(seq: number, r: ProbeResult, bytes: number): EchoOutcome {
  const reply = r.reply;
  if (!reply) return { kind: 'lost', seq };
  if (reply.kind === 'echo-reply') return { kind: 'reply', seq, from: reply.from, ttl: reply.ttl, bytes, rttMs: reply.rttMs };
  if (reply.kind === 'unreachable' || reply.kind === 'time-exceeded') {
    return { kind: 'error', seq, from: reply.from, type: reply.kind, code: reply.code ?? 0, mtu: reply.mtu };
  }
  return { kind: 'lost', seq };
}

/**
 * Sends the plan's echo requests; the source route must already be known to work (ping connects first).
 * The simulator's clock moves to each send time (ctx.wait), then on to when ping would print its statistics:
 * at once when the last request was answered, after the linger time when it was not.
 */
export function sendEchoes(ctx: ToolContext, plan: EchoPlan): EchoRun {
  const outcomes: EchoOutcome[] = [];
  const probes: ProbeResult[] = [];
  const length = plan.dataBytes + IP_ICMP_HEADERS;
  let learnedMtu = Infinity;
  let received = 0;
  let elapsedMs = 0;
  let clock = 0;
  let lastSend = 0;
  let lastAnswer = 0;
  let unanswered = false;
  const sendTimes: number[] = [];
  const arrivals: number[] = [];
  const echoId = echoIdOf(ctx);
  const advanceTo = (t: number) => {
    if (t > clock) ctx.wait(t - clock);
    clock = Math.max(clock, t);
  };
  for (let i = 0; ; i++) {
    const sentAt = i * plan.intervalMs;
    if (plan.deadlineMs !== undefined && i > 0 && sentAt >= plan.deadlineMs) break;
    if (plan.countReplies ? received >= plan.count : i >= plan.count) break;
    if (i >= MAX_ECHO_REQUESTS) break;
    const seq = plan.firstSeq + i;
    advanceTo(sentAt);
    elapsedMs = sentAt;
    lastSend = sentAt;
    sendTimes.push(sentAt);
    const route = ctx.sourceRoute(plan.target.ip);
    const pathMtu = Math.min(route.ok ? Math.min(route.mtu, route.pmtu ?? Infinity) : Infinity, learnedMtu);
    if (length > MAX_IP_PACKET || (plan.pmtu === 'do' && length > pathMtu)) {
      outcomes.push(length > MAX_IP_PACKET ? { kind: 'local-error', seq, mtu: MAX_IP_PACKET } : { kind: 'local-error', seq, mtu: pathMtu });
      arrivals.push(sentAt);
      continue;
    }
    const df = plan.pmtu === 'do' || (plan.pmtu === 'want' && length <= pathMtu);
    const result = ctx.probe({ protocol: 'icmp', dst: plan.target.ip, dport: 0, sport: echoId, ttl: plan.ttl, length, df, seq: i, icmpSeq: seq & 0xffff, track: true });
    probes.push(result);
    const outcome = outcomeOf(seq, result, plan.dataBytes + 8);
    outcomes.push(outcome);
    if (outcome.kind === 'reply') received++;
    const arrival = result.reply ? sentAt + result.reply.rttMs : Infinity;
    arrivals.push(arrival);
    if (result.reply) lastAnswer = Math.max(lastAnswer, arrival);
    else unanswered = true;
    if (outcome.kind === 'error' && outcome.type === 'unreachable' && outcome.code === 4 && outcome.mtu) learnedMtu = Math.min(learnedMtu, outcome.mtu);
  }
  // ping waits the linger time (-W) after its last request, and no longer than its deadline (-w): an answer later
  // than that (the kernel's host unreachable about 3 s after a failed ARP, with -W 1) is never read (kernel-checked).
  const cutoff = Math.min(lastSend + plan.lingerMs, plan.deadlineMs ?? Infinity);
  outcomes.forEach((o, i) => {
    if ((o.kind !== 'reply' && o.kind !== 'error') || arrivals[i]! <= cutoff) return;
    outcomes[i] = { kind: 'lost', seq: o.seq };
    arrivals[i] = Infinity;
    unanswered = true;
  });
  lastAnswer = Math.max(0, ...arrivals.filter((a, i) => a !== Infinity && outcomes[i]!.kind !== 'local-error'));
  // ping exits once every request is answered, or the linger time after the last one.
  const endsAt = unanswered ? lastSend + plan.lingerMs : Math.max(lastSend, lastAnswer);
  advanceTo(plan.deadlineMs !== undefined ? Math.min(endsAt, plan.deadlineMs) : endsAt);
  const order = outcomes.map((_, i) => i).sort((a, b) => arrivals[a]! - arrivals[b]! || a - b);
  let pipe = 1;
  order.forEach((i) => {
    if (outcomes[i]!.kind !== 'reply' && outcomes[i]!.kind !== 'error') return;
    const transmitted = sendTimes.filter((t) => t <= arrivals[i]!).length;
    pipe = Math.max(pipe, transmitted - i);
  });
  const record: TraceRecord = {
    tool: plan.tool,
    target: plan.target,
    protocol: 'icmp',
    firstHop: plan.ttl,
    maxHops: plan.ttl,
    probesPerHop: probes.length,
    packetLength: length,
    hops: probes.length > 0 ? [{ ttl: plan.ttl, probes }] : [],
    reached: received > 0,
  };
  return { outcomes: order.map((i) => outcomes[i]!), pipe, elapsedMs, record };
}

/** Round-trip statistics in whole microseconds, as both pings keep them. */
export interface RttStats {
  readonly count: number;
  readonly minUs: number;
  readonly maxUs: number;
  readonly sumUs: number;
  readonly sum2Us: number;
}

export function rttStats(outcomes: readonly EchoOutcome[]): RttStats {
  let minUs = Infinity;
  let maxUs = 0;
  let sumUs = 0;
  let sum2Us = 0;
  let count = 0;
  for (const o of outcomes) {
    if (o.kind !== 'reply') continue;
    const us = microseconds(o.rttMs);
    count++;
    minUs = Math.min(minUs, us);
    maxUs = Math.max(maxUs, us);
    sumUs += us;
    sum2Us += us * us;
  }
  return { count, minUs: count ? minUs : 0, maxUs, sumUs, sum2Us };
}

export function microseconds(ms: number): number {
  return Math.round(ms * 1000);
}

/** `%ld.%03ld` of a microsecond figure. */
export function usText(us: number): string {
  return `${Math.trunc(us / 1000)}.${String(Math.trunc(us % 1000)).padStart(3, '0')}`;
}
