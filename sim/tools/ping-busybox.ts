// busybox ping (1.35): `seq=0` lines, ICMP errors ignored, `round-trip min/avg/max`, sendto errors after the header.
import { formatIp, parseIp } from '../../topology/address.js';
import type { CommandResult } from '../../topology/trace.js';
import type { ToolContext } from '../tool-context.js';
import { getopt } from './getopt.js';
import { firstSendRefused } from './hop-loop.js';
import { rttStats, sendEchoes, usText, microseconds, type EchoOutcome, type EchoPlan } from './ping-echo.js';

/** Without -c or -w busybox ping runs until interrupted; the simulator stops after this many requests. */
const DEFAULT_COUNT = 4;

const USAGE = `BusyBox v1.35.0 (Debian 1:1.35.0-4+deb12u1+b1) multi-call binary.

Usage: ping [OPTIONS] HOST

Send ICMP ECHO_REQUESTs to HOST

\t-4,-6\t\tForce IP or IPv6 name resolution
\t-c CNT\t\tSend only CNT pings
\t-s SIZE\t\tSend SIZE data bytes in packets (default 56)
\t-i SECS\t\tInterval
\t-A\t\tPing as soon as reply is received
\t-t TTL\t\tSet TTL
\t-I IFACE/IP\tSource interface or IP address
\t-W SEC\t\tSeconds to wait for the first response (default 10)
\t\t\t(after all -c CNT packets are sent)
\t-w SEC\t\tSeconds until ping exits (default:infinite)
\t\t\t(can exit earlier with -c CNT)
\t-q\t\tQuiet, only display output at start/finish
\t-p HEXBYTE\tPayload pattern
`;

const SENDTO_ERRORS: Readonly<Record<string, string>> = {
  ENETUNREACH: 'Network is unreachable',
  EHOSTUNREACH: 'No route to host',
  EACCES: 'Permission denied',
  EINVAL: 'Invalid argument',
};

const fail = (stderr: string): CommandResult => ({ stdout: '', stderr, exitCode: 1 });

/** xatou_range(): busybox's number parsing. */
function numberArg(text: string, min: number, max: number): number | string {
  if (!/^\d+$/.test(text)) return `ping: invalid number '${text}'\n`;
  const n = Number(text);
  if (n < min || n > max) return `ping: number ${text} is not in ${min}..${max} range\n`;
  return n;
}

/** A busybox ping ready to send, or what it prints when it stops before (bad options, bad address, no route). */
export type PreparedBusyboxPing =
  | { readonly ok: true; readonly target: string; readonly header: string; readonly quiet: boolean; readonly plan: EchoPlan; readonly forever: boolean }
  | { readonly ok: false; readonly result: CommandResult };

export function prepareBusyboxPing(args: readonly string[], ctx: ToolContext): PreparedBusyboxPing {
  const opts = getopt(args, '46c:s:i:At:I:W:w:qp:nv');
  if (!opts.ok) return { ok: false, result: fail(`ping: ${opts.message}\n${USAGE}`) };
  let count: number | undefined;
  let dataBytes = 56;
  let intervalMs = 1000;
  let ttl = 64;
  let deadlineMs: number | undefined;
  let lingerMs = 10_000;
  let quiet = false;
  for (const o of opts.options) {
    const v = o.value ?? '';
    if (o.key === 'q') quiet = true;
    if (o.key === 'i') intervalMs = Math.round(Number(v) * 1000) || 0;
    if (o.key === 'c' || o.key === 's' || o.key === 't' || o.key === 'w' || o.key === 'W') {
      const n = numberArg(v, 0, o.key === 't' ? 255 : o.key === 's' ? 65535 : 4294967295);
      if (typeof n === 'string') return { ok: false, result: fail(n) };
      if (o.key === 'c') count = n;
      if (o.key === 's') dataBytes = n;
      if (o.key === 't' && n > 0) ttl = n;
      if (o.key === 'w') deadlineMs = n * 1000;
      if (o.key === 'W') lingerMs = n * 1000;
    }
  }
  const target = opts.operands[0];
  if (target === undefined || opts.operands.length > 1) return { ok: false, result: fail(USAGE) };
  const ip = parseIp(target) ?? ctx.resolve(target);
  if (ip === undefined) return { ok: false, result: fail(`ping: bad address '${target}'\n`) };
  const header = `PING ${target} (${formatIp(ip)}): ${dataBytes} data bytes\n`;
  const route = ctx.sourceRoute(ip);
  // busybox ping sets SO_BROADCAST: a broadcast is sent, and the hosts ignore it (icmp_echo_ignore_broadcasts=1).
  if (!route.ok && route.broadcast && count !== undefined && count > 0) return { ok: false, result: { stdout: `${header}${unansweredStats(target, count)}`, stderr: '', exitCode: 1 } };
  if (!route.ok) return { ok: false, result: { stdout: header, stderr: `ping: sendto: ${SENDTO_ERRORS[route.error]}\n`, exitCode: 1 } };
  const plan: EchoPlan = {
    target: { name: target, ip },
    count: count || (deadlineMs !== undefined ? Infinity : DEFAULT_COUNT),
    countReplies: false, // busybox stops after -c requests sent, even with -w
    intervalMs,
    deadlineMs,
    lingerMs,
    ttl,
    dataBytes,
    pmtu: 'want',
    firstSeq: 0,
    tool: 'busybox ping',
  };
  return { ok: true, target, header, quiet, plan, forever: !count && deadlineMs === undefined };
}

/** Whether busybox ping with ARGS runs until interrupted: no -c (or -c 0) and no -w. */
export function busyboxPingRunsUntilInterrupted(args: readonly string[]): boolean {
  const opts = getopt(args, '46c:s:i:At:I:W:w:qp:nv');
  return opts.ok && !opts.options.some((o) => (o.key === 'c' && Number(o.value) > 0) || o.key === 'w');
}

/** A reply's line; ICMP errors carry no echo id in their header: busybox drops them silently. */
export function busyboxReplyLine(o: EchoOutcome, quiet: boolean): string {
  return o.kind === 'reply' && !quiet ? `${o.bytes} bytes from ${formatIp(o.from)}: seq=${o.seq} ttl=${o.ttl} time=${usText(microseconds(o.rttMs))} ms\n` : '';
}

/** The statistics lines and exit status (0 when anything came back). */
export function busyboxStatistics(target: string, outcomes: readonly EchoOutcome[]): { stdout: string; exitCode: number } {
  const sent = outcomes.length;
  const stats = rttStats(outcomes);
  let stdout = `\n--- ${target} ping statistics ---\n${sent} packets transmitted, ${stats.count} packets received, `;
  stdout += `${sent ? Math.trunc(((sent - stats.count) * 100) / sent) : 0}% packet loss\n`;
  if (stats.count) {
    stdout += `round-trip min/avg/max = ${usText(stats.minUs)}/${usText(Math.trunc(stats.sumUs / stats.count))}/${usText(stats.maxUs)} ms\n`;
  }
  return { stdout, exitCode: stats.count ? 0 : 1 };
}

/** busybox ping. */
export function busyboxPing(args: readonly string[], ctx: ToolContext): CommandResult {
  const prepared = prepareBusyboxPing(args, ctx);
  if (!prepared.ok) return prepared.result;
  const { target, header, quiet, plan } = prepared;
  const run = sendEchoes(ctx, plan);
  if (firstSendRefused(run.record, ctx.device)) return { stdout: header, stderr: 'ping: sendto: Operation not permitted\n', exitCode: 1, traces: [run.record] };
  const stats = busyboxStatistics(target, run.outcomes);
  const stdout = header + run.outcomes.map((o) => busyboxReplyLine(o, quiet)).join('') + stats.stdout;
  return { stdout, stderr: '', exitCode: stats.exitCode, traces: [run.record] };
}

/** The statistics of COUNT echo requests nobody answered. */
function unansweredStats(target: string, count: number): string {
  return `\n--- ${target} ping statistics ---\n${count} packets transmitted, 0 packets received, 100% packet loss\n`;
}
