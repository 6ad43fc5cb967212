// iputils ping (20221126): options, connect-time errors, per-packet lines and the statistics, byte for byte.
import { formatIp, parseIp } from '../../topology/address.js';
import type { CommandResult } from '../../topology/trace.js';
import type { ToolContext } from '../tool-context.js';
import { getopt } from './getopt.js';
import { formatG } from './traceroute-args.js';
import { rttStats, sendEchoes, usText, microseconds, type EchoOutcome, type EchoPlan, type PmtuDiscovery } from './ping-echo.js';

export { busyboxPing } from './ping-busybox.js';

/** `-V` of ping and tracepath after the program name. */
export const IPUTILS_VERSION = 'iputils 20221126\nlibcap: yes, IDN: yes, NLS: no, error.h: yes, getrandom(): yes, __fpending(): yes\n';

/** Without -c or -w the real ping runs until interrupted; the simulator stops after this many requests. */
export const DEFAULT_PING_COUNT = 4;

const USAGE = `
Usage
  ping [options] <destination>

Options:
  <destination>      dns name or ip address
  -a                 use audible ping
  -A                 use adaptive ping
  -B                 sticky source address
  -c <count>         stop after <count> replies
  -C                 call connect() syscall on socket creation
  -D                 print timestamps
  -d                 use SO_DEBUG socket option
  -e <identifier>    define identifier for ping session, default is random for
                     SOCK_RAW and kernel defined for SOCK_DGRAM
                     Imply using SOCK_RAW (for IPv4 only for identifier 0)
  -f                 flood ping
  -h                 print help and exit
  -I <interface>     either interface name or address
  -i <interval>      seconds between sending each packet
  -L                 suppress loopback of multicast packets
  -l <preload>       send <preload> number of packages while waiting replies
  -m <mark>          tag the packets going out
  -M <pmtud opt>     define mtu discovery, can be one of <do|dont|want>
  -n                 no dns name resolution
  -O                 report outstanding replies
  -p <pattern>       contents of padding byte
  -q                 quiet output
  -Q <tclass>        use quality of service <tclass> bits
  -s <size>          use <size> as number of data bytes to be sent
  -S <size>          use <size> as SO_SNDBUF socket option value
  -t <ttl>           define time to live
  -U                 print user-to-user latency
  -v                 verbose output
  -V                 print version and exit
  -w <deadline>      reply wait <deadline> in seconds
  -W <timeout>       time to wait for response

IPv4 options:
  -4                 use IPv4
  -b                 allow pinging broadcast
  -R                 record route
  -T <timestamp>     define timestamp, can be one of <tsonly|tsandaddr|tsprespec>

IPv6 options:
  -6                 use IPv6
  -F <flowlabel>     define flow label, default is random
  -N <nodeinfo opt>  use icmp6 node info query, try <help> as argument

For more details see ping(8).
`;

const BROADCAST_HINT = 'Do you want to ping broadcast? Then -b. If not, check your local firewall rules';
const CONNECT_ERRORS: Readonly<Record<string, string>> = {
  ENETUNREACH: 'Network is unreachable',
  EHOSTUNREACH: 'No route to host',
  EACCES: 'Permission denied',
  EINVAL: 'Invalid argument',
};

const UNREACH_TEXT: readonly string[] = [
  'Destination Net Unreachable', 'Destination Host Unreachable', 'Destination Protocol Unreachable', 'Destination Port Unreachable',
  'Frag needed and DF set', 'Source Route Failed', 'Destination Net Unknown', 'Destination Host Unknown', 'Source Host Isolated',
  'Destination Net Prohibited', 'Destination Host Prohibited', 'Destination Net Unreachable for Type of Service',
  'Destination Host Unreachable for Type of Service', 'Packet filtered', 'Precedence Violation', 'Precedence Cutoff',
];

/** pr_icmph(): the text after `From X icmp_seq=N `. */
export function icmpErrorText(type: 'unreachable' | 'time-exceeded', code: number, mtu?: number): string {
  if (type === 'time-exceeded') return code === 0 ? 'Time to live exceeded' : code === 1 ? 'Frag reassembly time exceeded' : `Time exceeded, Bad Code: ${code}`;
  if (code === 4) return `Frag needed and DF set (mtu = ${mtu ?? 0})`;
  return UNREACH_TEXT[code] ?? `Dest Unreachable, Bad Code: ${code}`;
}

/** ` time=...` of one reply: iputils shows fewer decimals as the figure grows. */
function replyTime(us: number): string {
  if (us >= 100000 - 50) return `${Math.trunc((us + 500) / 1000)}`;
  if (us >= 10000 - 5) return `${Math.trunc((us + 50) / 1000)}.${Math.trunc(((us + 50) % 1000) / 100)}`;
  if (us >= 1000) return `${Math.trunc((us + 5) / 1000)}.${String(Math.trunc(((us + 5) % 1000) / 10)).padStart(2, '0')}`;
  return usText(us);
}


type Parsed =
  | { ok: false; result: CommandResult }
  | { ok: true; target: string; count?: number; intervalMs: number; deadlineMs?: number; lingerMs: number; ttl: number; dataBytes: number; quiet: boolean; numeric: boolean; pmtu: PmtuDiscovery; warnings: string; allowBroadcast: boolean };

const fail = (stderr: string, exitCode: number): Parsed => ({ ok: false, result: { stdout: '', stderr, exitCode } });

/** strtol_or_err(): an integer in [min, max] or iputils' message (exit 1). */
function integerArg(text: string, min: bigint, max: bigint): number | string {
  if (!/^\s*[+-]?\d+$/.test(text)) return `ping: invalid argument: '${text}'\n`;
  const n = BigInt(text.trim());
  if (n < min || n > max) return `ping: invalid argument: '${text}': out of range: ${min} <= value <= ${max}\n`;
  return Number(n);
}

/** ping_strtod(): a number of seconds; trailing garbage only warns, as the real ping does. */
function secondsArg(text: string): { value: number; warning: string } {
  const m = /^\s*([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)(.*)$/.exec(text);
  const value = m ? Number(m[1]) : 0;
  const rest = m ? m[2]! : text;
  return { value, warning: rest ? `ping: option argument contains garbage: ${rest}\nping: this will become fatal error in the future\n` : '' };
}

function parse(args: readonly string[]): Parsed {
  const opts = getopt(args, 'h?4bRT:6F:N:aABc:CdDe:fi:I:l:Lm:M:nOp:qQ:rs:S:t:UvVw:W:');
  if (!opts.ok) return fail(`ping: ${opts.message}\n${USAGE}`, 2);
  let count: number | undefined;
  let intervalMs = 1000;
  let deadlineMs: number | undefined;
  let lingerMs = 10_000;
  let ttl = 64;
  let dataBytes = 56;
  let quiet = false;
  let numeric = false;
  let pmtu: PmtuDiscovery = 'want';
  let warnings = '';
  let allowBroadcast = false;
  for (const o of opts.options) {
    const v = o.value ?? '';
    switch (o.key) {
      case 'c': {
        const n = integerArg(v, 1n, 9223372036854775807n);
        if (typeof n === 'string') return fail(n, 1);
        count = n;
        break;
      }
      case 'i': {
        const s = secondsArg(v);
        warnings += s.warning;
        intervalMs = Math.max(0, Math.round(s.value * 1000));
        break;
      }
      case 'w': {
        const n = integerArg(v, 0n, 2147483647n);
        if (typeof n === 'string') return fail(n, 1);
        deadlineMs = n * 1000;
        break;
      }
      case 'W': {
        const s = secondsArg(v);
        warnings += s.warning;
        lingerMs = Math.round(s.value * 1000);
        break;
      }
      case 't': {
        const n = integerArg(v, 0n, 255n);
        if (typeof n === 'string') return fail(n, 1);
        if (n === 0) return fail('ping: cannot set unicast time-to-live: Invalid argument\n', 2);
        ttl = n;
        break;
      }
      case 's': {
        const n = integerArg(v, 0n, 2147483647n);
        if (typeof n === 'string') return fail(n, 1);
        dataBytes = n;
        break;
      }
      case 'q': quiet = true; break;
      case 'n': numeric = true; break;
      case 'b': allowBroadcast = true; break;
      case 'M':
        if (v !== 'do' && v !== 'dont' && v !== 'want' && v !== 'probe') return fail(`ping: invalid -M argument: ${v}\n`, 2);
        pmtu = v === 'probe' ? 'do' : v;
        break;
      case 'h': case '?': return fail(USAGE, 2);
      case 'V': return { ok: false, result: { stdout: `ping from ${IPUTILS_VERSION}`, stderr: '', exitCode: 0 } };
      default: break;
    }
  }
  const target = opts.operands[opts.operands.length - 1];
  if (target === undefined) return fail('ping: usage error: Destination address required\n', 1);
  return { ok: true, target, count, intervalMs, deadlineMs, lingerMs, ttl, dataBytes, quiet, numeric, pmtu, warnings, allowBroadcast };
}

/** A ping ready to send: its options, target, how addresses print, its echo plan and the header line. */
export interface PreparedPing {
  readonly p: Extract<Parsed, { ok: true }>;
  readonly ip: number;
  readonly canonical: string;
  readonly addr: (a: number) => string;
  readonly plan: EchoPlan;
  readonly header: string;
}

/** Options, name lookup and connect(): a ready ping, or what ping prints when it stops before sending. */
export function preparePing(args: readonly string[], ctx: ToolContext): { ok: true; ping: PreparedPing } | { ok: false; result: CommandResult } {
  const p = parse(args);
  if (!p.ok) return p;
  const literal = parseIp(p.target);
  const found = ctx.lookup(p.target);
  if (!found.ok) return { ok: false, result: { stdout: '', stderr: `${p.warnings}ping: ${p.target}: ${found.message}\n`, exitCode: 2 } };
  const ip = found.ip;
  const route = ctx.sourceRoute(ip);
  // connect() fails with EACCES for a broadcast route and for a prohibit route alike: iputils suggests -b for both.
  if (!route.ok && route.error === 'EACCES' && !p.allowBroadcast) return { ok: false, result: { stdout: '', stderr: `${p.warnings}ping: ${BROADCAST_HINT}\n`, exitCode: 2 } };
  if (!route.ok) return { ok: false, result: { stdout: '', stderr: `${p.warnings}ping: connect: ${CONNECT_ERRORS[route.error]}\n`, exitCode: 2 } };
  // A numeric destination is never reverse-resolved (iputils >= 20210202), nor is anything with -n.
  const numeric = p.numeric || literal !== undefined;
  const addr = (a: number): string => (numeric ? formatIp(a) : `${ctx.reverse(a) ?? formatIp(a)} (${formatIp(a)})`);
  const plan: EchoPlan = {
    // iputils asks getaddrinfo for AI_CANONNAME and prints it: the search-list name that answered.
    target: { name: found.canonical, ip },
    count: p.count ?? (p.deadlineMs !== undefined ? Infinity : DEFAULT_PING_COUNT),
    countReplies: p.deadlineMs !== undefined,
    intervalMs: p.intervalMs,
    deadlineMs: p.deadlineMs,
    lingerMs: p.lingerMs,
    ttl: p.ttl,
    dataBytes: p.dataBytes,
    pmtu: p.pmtu,
    firstSeq: 1,
    tool: 'ping',
  };
  const header = `PING ${found.canonical} (${formatIp(ip)}) ${p.dataBytes}(${p.dataBytes + 28}) bytes of data.\n`;
  return { ok: true, ping: { p, ip, canonical: found.canonical, addr, plan, header } };
}

/** Whether iputils ping with ARGS runs until interrupted: neither -c nor -w (and its options parse). */
export function pingRunsUntilInterrupted(args: readonly string[]): boolean {
  const p = parse(args);
  return p.ok && p.count === undefined && p.deadlineMs === undefined;
}

/** iputils ping. */
export function ping(args: readonly string[], ctx: ToolContext): CommandResult {
  const prepared = preparePing(args, ctx);
  if (!prepared.ok) return prepared.result;
  const { p, ip, canonical, addr, plan, header } = prepared.ping;
  const run = sendEchoes(ctx, plan);
  let stdout = header;
  // A REJECT in our own OUTPUT fails the send (ping says so) and hands us its ICMP error (printed as a From line;
  // kernel-checked). A DROP there fails the send silently.
  const rejected = run.record.hops[0]?.probes.filter((r) => r.at === ctx.device && r.disposition === 'rejected' && r.reply?.local).length ?? 0;
  let stderr = p.warnings + 'ping: sendmsg: Operation not permitted\n'.repeat(rejected);
  let errors = 0;
  for (const o of run.outcomes) {
    const line = outcomeText(o, p, addr, ip);
    errors += line.error ? 1 : 0;
    stderr += line.stderr;
    stdout += line.stdout;
  }
  stdout += statistics(canonical, run.outcomes, errors, run.elapsedMs, run.pipe);
  const received = run.outcomes.filter((o) => o.kind === 'reply').length;
  const exitCode = received === 0 || (p.deadlineMs !== undefined && p.count !== undefined && received < p.count) ? 1 : 0;
  return { stdout, stderr, exitCode, traces: [run.record] };
}

/** What one outcome prints, and whether ping counts it among its `+N errors`. */
export function outcomeText(o: EchoOutcome, p: PreparedPing['p'], addr: (a: number) => string, ip: number): { stdout: string; stderr: string; error: boolean } {
  // iputils flags an echo reply from another address than the one pinged, unless -b (a directed broadcast answered).
  const stdout = packetLine(o, addr, p.quiet, !p.allowBroadcast ? ip : undefined);
  if (o.kind === 'local-error' && !p.quiet) return { stdout, stderr: `ping: local error: message too long, mtu=${o.mtu}\n`, error: true };
  return { stdout, stderr: '', error: o.kind === 'error' };
}

function packetLine(o: EchoOutcome, addr: (a: number) => string, quiet: boolean, expectedFrom: number | undefined): string {
  if (quiet) return '';
  const different = o.kind === 'reply' && expectedFrom !== undefined && o.from !== expectedFrom ? ' (DIFFERENT ADDRESS!)' : '';
  if (o.kind === 'reply') return `${o.bytes} bytes from ${addr(o.from)}: icmp_seq=${o.seq} ttl=${o.ttl} time=${replyTime(microseconds(o.rttMs))} ms${different}\n`;
  if (o.kind === 'error') return `From ${addr(o.from)} icmp_seq=${o.seq} ${icmpErrorText(o.type, o.code, o.mtu)}\n`;
  return '';
}

export function statistics(target: string, outcomes: readonly EchoOutcome[], errors: number, elapsedMs: number, pipe: number): string {
  const sent = outcomes.length;
  const stats = rttStats(outcomes);
  let text = `\n--- ${target} ping statistics ---\n${sent} packets transmitted, ${stats.count} received`;
  if (errors) text += `, +${errors} errors`;
  if (sent) text += `, ${formatG(Math.fround(((sent - stats.count) * 100) / sent))}% packet loss, time ${Math.round(elapsedMs)}ms`;
  text += '\n';
  if (stats.count) {
    const avg = Math.trunc(stats.sumUs / stats.count);
    const variance = Math.trunc((stats.sum2Us - Math.trunc((stats.sumUs * stats.sumUs) / stats.count)) / stats.count);
    const mdev = Math.trunc(Math.sqrt(Math.max(0, variance)));
    text += `rtt min/avg/max/mdev = ${usText(stats.minUs)}/${usText(avg)}/${usText(stats.maxUs)}/${usText(mdev)} ms`;
  }
  if (pipe > 1) text += `${stats.count ? ', ' : ''}pipe ${pipe}`;
  return `${text}\n`;
}
