// What a socket's caller sees of probes: connect()'s result with the kernel's errno mapping and SYN retransmissions
// in simulated time, and one datagram's fate on a connected UDP socket (protocol-neutral: TCP clients and DNS use it).
import type { ProbeResult, Reply } from '../topology/trace.js';
import type { SourceRoute, ToolContext } from './tool-context.js';

/** The errors a socket call can end with here (the kernel's names). */
export type SocketErrno =
  | 'ECONNREFUSED' | 'EHOSTUNREACH' | 'ENETUNREACH' | 'ETIMEDOUT' | 'EACCES' | 'EPERM' | 'EINVAL' | 'EMSGSIZE'
  | 'ENOPROTOOPT' | 'EOPNOTSUPP' | 'EHOSTDOWN' | 'ENONET';

/**
 * net/ipv4/icmp.c icmp_err_convert[]: the errno of each ICMP destination-unreachable code and whether it is fatal.
 * TCP in SYN_SENT (tcp_v4_err) aborts the connect on every one of them except frag-needed, fatal or not
 * (kernel-checked: icmp-net-unreachable, -host-unreachable, -port-unreachable, -net/-host/-admin-prohibited and a
 * tcp-reset all fail curl and nc at once); a connected UDP socket (__udp4_lib_err) reports fatal ones only.
 */
export const ICMP_UNREACH_ERRNO: readonly { readonly errno: SocketErrno; readonly fatal: boolean }[] = [
  { errno: 'ENETUNREACH', fatal: false }, // 0 net unreachable
  { errno: 'EHOSTUNREACH', fatal: false }, // 1 host unreachable
  { errno: 'ENOPROTOOPT', fatal: true }, // 2 protocol unreachable
  { errno: 'ECONNREFUSED', fatal: true }, // 3 port unreachable
  { errno: 'EMSGSIZE', fatal: false }, // 4 fragmentation needed (path MTU discovery, not an error for TCP)
  { errno: 'EOPNOTSUPP', fatal: false }, // 5 source route failed
  { errno: 'ENETUNREACH', fatal: true }, // 6 net unknown
  { errno: 'EHOSTDOWN', fatal: true }, // 7 host unknown
  { errno: 'ENONET', fatal: true }, // 8 host isolated
  { errno: 'ENETUNREACH', fatal: true }, // 9 net admin prohibited
  { errno: 'EHOSTUNREACH', fatal: true }, // 10 host admin prohibited
  { errno: 'ENETUNREACH', fatal: false }, // 11 net unreachable for TOS
  { errno: 'EHOSTUNREACH', fatal: false }, // 12 host unreachable for TOS
  { errno: 'EHOSTUNREACH', fatal: true }, // 13 communication admin prohibited (iptables icmp-admin-prohibited)
  { errno: 'EHOSTUNREACH', fatal: true }, // 14 host precedence violation
  { errno: 'EHOSTUNREACH', fatal: true }, // 15 precedence cutoff
];

/** What one packet sent from a socket brought back, at `rttMs` after it left. */
export type SocketEvent =
  | { readonly kind: 'answer'; readonly reply: Reply; readonly rttMs: number } // SYN-ACK, or a UDP answer
  | { readonly kind: 'error'; readonly errno: SocketErrno; readonly fatal: boolean; readonly rttMs: number }
  | { readonly kind: 'silence' };

/**
 * The socket's view of one probe: a TCP reset is ECONNREFUSED; an ICMP error maps as icmp_err_convert does, and
 * ends a TCP connect (SYN_SENT) unless it is frag-needed (a path MTU update, no error).
 */
export function socketEvent(result: ProbeResult, protocol: 'tcp' | 'udp'): SocketEvent {
  const r = result.reply;
  if (!r) return { kind: 'silence' };
  if (r.kind === 'tcp-synack' || r.kind === 'udp' || r.kind === 'echo-reply') return { kind: 'answer', reply: r, rttMs: r.rttMs };
  if (r.kind === 'tcp-rst') return { kind: 'error', errno: 'ECONNREFUSED', fatal: true, rttMs: r.rttMs };
  // Time exceeded: EHOSTUNREACH (tcp_v4_err; icmp_err_convert's default for UDP), not fatal for UDP.
  if (r.kind === 'time-exceeded') return { kind: 'error', errno: 'EHOSTUNREACH', fatal: protocol === 'tcp', rttMs: r.rttMs };
  const entry = ICMP_UNREACH_ERRNO[r.code ?? 0];
  if (!entry) return { kind: 'silence' }; // codes beyond NR_ICMP_UNREACH are ignored
  const fatal = protocol === 'tcp' ? r.code !== 4 : entry.fatal;
  return { kind: 'error', errno: entry.errno, fatal, rttMs: r.rttMs };
}

/** The SYN retransmission policy of the modelled kernel (Debian 12's 6.1: exponential from 1 s, no linear phase). */
export interface SynPolicy {
  /** net.ipv4.tcp_syn_retries. */
  readonly retries: number;
  /** TCP_TIMEOUT_INIT. */
  readonly initialRtoMs: number;
}

export const DEFAULT_SYN_POLICY: SynPolicy = { retries: 6, initialRtoMs: 1000 };

/** When the Nth SYN leaves (0: the first) and when the kernel gives up: 1, 2, 4 ... s apart, ETIMEDOUT after the last RTO. */
export function synSendTimes(policy: SynPolicy): { sends: number[]; giveUpMs: number } {
  const sends: number[] = [];
  let t = 0;
  for (let i = 0; i <= policy.retries; i++) {
    sends.push(t);
    t += policy.initialRtoMs * 2 ** i;
  }
  return { sends, giveUpMs: t };
}

/** How a connect() (or a datagram exchange) ended, `elapsedMs` after it started. */
export type SocketOutcome =
  | { readonly ok: true; readonly elapsedMs: number; readonly src: number; readonly reply: Reply; readonly result: ProbeResult }
  | {
    readonly ok: false; readonly errno: SocketErrno; readonly elapsedMs: number;
    /** The caller's own timeout ran out first (curl --connect-timeout, nc -w): the kernel had not given up yet. */
    readonly callerTimeout?: boolean;
    /** Failed in the call itself (route lookup, send), before anything was on the wire. */
    readonly immediate?: boolean;
  };

export interface ConnectRequest {
  readonly protocol: 'tcp' | 'udp';
  readonly dst: number;
  readonly dport: number;
  readonly sport: number;
  /** The caller gives up after this long (undefined: only the kernel's own limit). */
  readonly timeoutMs?: number;
  /** TCP: the kernel's SYN retransmissions; UDP: the caller's retries are its own business (one datagram is sent). */
  readonly policy?: SynPolicy;
  /** Bytes of the IP packet (SYN with options: 60). */
  readonly length?: number;
  /** TCP: the app sends its response (to a GET, or a HEAD) after the handshake; the result says whether it arrives. */
  readonly appResponse?: 'full' | 'head';
  /** TCP: the request the client sends after the handshake (latin1), for a capture's view of the conversation. */
  readonly appRequest?: string;
}

/** ip_route_connect()'s errors come back from connect() itself (a blackhole route: EINVAL, prohibit: EACCES). */
function routeFailure(route: SourceRoute): SocketOutcome | undefined {
  return route.ok ? undefined : { ok: false, errno: route.error, elapsedMs: 0, immediate: true };
}

/** sendto() on UDP fails with EPERM when the sender's own OUTPUT chain drops the datagram (TCP just retransmits). */
function localSendFailure(ctx: ToolContext, req: ConnectRequest, result: ProbeResult): SocketEvent | undefined {
  if (req.protocol !== 'udp' || result.reply || result.at !== ctx.device || result.disposition !== 'dropped-by-rule') return undefined;
  return { kind: 'error', errno: 'EPERM', fatal: true, rttMs: 0 };
}

interface Pending {
  readonly at: number;
  readonly event: SocketEvent;
  readonly result: ProbeResult;
}

/** The first fatal event or answer among `pending` that arrives before `until`; soft errors seen on the way are kept. */
function settle(pending: Pending[], until: number, soft: { errno?: SocketErrno }): Pending | undefined {
  pending.sort((a, b) => a.at - b.at);
  while (pending.length > 0 && pending[0]!.at <= until) {
    const p = pending.shift()!;
    if (p.event.kind === 'answer' || (p.event.kind === 'error' && p.event.fatal)) return p;
    if (p.event.kind === 'error') soft.errno = p.event.errno;
  }
  return undefined;
}

function outcomeOf(p: Pending): SocketOutcome {
  if (p.event.kind === 'answer') return { ok: true, elapsedMs: p.at, src: 0, reply: p.event.reply, result: p.result };
  if (p.event.kind === 'error') return { ok: false, errno: p.event.errno, elapsedMs: p.at };
  return { ok: false, errno: 'ETIMEDOUT', elapsedMs: p.at };
}

/**
 * connect() on a blocking or polled socket: sends the first packet and (TCP) its retransmissions at the kernel's
 * times, lets simulated time pass (ctx.wait) and ends at the first answer or fatal error, at the caller's timeout, or
 * when the kernel gives up (ETIMEDOUT, or the last soft error as tcp_write_err reports it). UDP sends one datagram
 * and waits `timeoutMs` for the answer or a hard ICMP error (a connected UDP socket's view).
 */
export function connectSocket(ctx: ToolContext, req: ConnectRequest): SocketOutcome {
  const route = ctx.sourceRoute(req.dst);
  const failed = routeFailure(route);
  if (failed || !route.ok) return failed!;
  const policy = req.policy ?? DEFAULT_SYN_POLICY;
  const { sends, giveUpMs } = req.protocol === 'tcp' ? synSendTimes(policy) : { sends: [0], giveUpMs: req.timeoutMs ?? Infinity };
  const deadline = Math.min(giveUpMs, req.timeoutMs ?? Infinity);
  const pending: Pending[] = [];
  const soft: { errno?: SocketErrno } = {};
  let clock = 0;
  const finish = (o: SocketOutcome): SocketOutcome => {
    if (o.elapsedMs > clock && Number.isFinite(o.elapsedMs)) ctx.wait(o.elapsedMs - clock);
    return o.ok ? { ...o, src: route.src } : o;
  };
  for (const [i, at] of sends.entries()) {
    if (at >= deadline) break;
    const done = settle(pending, at, soft);
    if (done) return finish(outcomeOf(done));
    if (at > clock) ctx.wait(at - clock);
    clock = at;
    const result = ctx.probe({
      protocol: req.protocol, dst: req.dst, dport: req.dport, sport: req.sport, ttl: 64, length: req.length ?? (req.protocol === 'tcp' ? 60 : 28),
      df: true, seq: i, track: true, ...(req.appResponse ? { appResponse: req.appResponse } : {}), ...(req.appRequest ? { appRequest: req.appRequest } : {}),
    });
    const event = localSendFailure(ctx, req, result) ?? socketEvent(result, req.protocol);
    if (event.kind !== 'silence') pending.push({ at: at + event.rttMs, event, result });
  }
  const done = settle(pending, deadline, soft);
  if (done) return finish(outcomeOf(done));
  if (deadline < giveUpMs) return finish({ ok: false, errno: 'ETIMEDOUT', elapsedMs: deadline, callerTimeout: true });
  return finish({ ok: false, errno: soft.errno ?? 'ETIMEDOUT', elapsedMs: giveUpMs });
}

/** The SYN policy of the place the tool runs on: its net.ipv4.tcp_syn_retries (sysctl value text). */
export function synPolicyFrom(synRetries: string | undefined): SynPolicy {
  const n = Number(synRetries);
  return Number.isInteger(n) && n >= 1 && n <= 127 ? { ...DEFAULT_SYN_POLICY, retries: n } : DEFAULT_SYN_POLICY;
}

/** strerror() of each errno, as glibc and musl print it (perror, curl's `failed:` text, nc). */
export const STRERROR: Readonly<Record<SocketErrno, string>> = {
  ECONNREFUSED: 'Connection refused',
  EHOSTUNREACH: 'No route to host',
  ENETUNREACH: 'Network is unreachable',
  ETIMEDOUT: 'Connection timed out',
  EACCES: 'Permission denied',
  EPERM: 'Operation not permitted',
  EINVAL: 'Invalid argument',
  EMSGSIZE: 'Message too long',
  ENOPROTOOPT: 'Protocol not available',
  EOPNOTSUPP: 'Operation not supported',
  EHOSTDOWN: 'Host is down',
  ENONET: 'Machine is not on the network',
};
