// mtr 0.95: options, the probing rounds of net_send_batch() on the simulated clock, net_max()'s shown hops, the trace record.
import { formatIp } from '../../topology/address.js';
import type { CommandResult, ProbeResult, TraceRecord } from '../../topology/trace.js';
import type { ToolContext } from '../tool-context.js';
import { getopt } from './getopt.js';
import { sendRefused } from './hop-loop.js';
import { csvText, jsonText, reportText, xmlText, type HopRow, type RunInfo } from './mtr-formats.js';
import { hopStatistics, newHop, recordReply, recordSend, type HopStats } from './mtr-stats.js';

/** Long options: name -> the short option it stands for. */
const LONG_FLAGS: Readonly<Record<string, string>> = {
  report: 'r', 'report-wide': 'w', xml: 'x', curses: 't', gtk: 'g', raw: 'l', csv: 'C', json: 'j', split: 'p', 'no-dns': 'n',
  'show-ips': 'b', mpls: 'e', udp: 'u', tcp: 'T', sctp: 'S', aslookup: 'z', help: 'h', version: 'v', inet: '4', inet6: '6',
};
const LONG_VALUES: Readonly<Record<string, string>> = {
  order: 'o', ipinfo: 'y', interval: 'i', 'report-cycles': 'c', psize: 's', bitpattern: 'B', tos: 'Q', address: 'a',
  'first-ttl': 'f', 'max-ttl': 'm', 'max-unknown': 'U', port: 'P', localport: 'L', timeout: 'Z', gracetime: 'G', mark: 'M',
  interface: 'I', displaymode: 'd', filename: 'F',
};
const LONG_TABLE = Object.fromEntries([
  ...Object.keys(LONG_FLAGS).map((name) => [name, null] as const),
  ...Object.keys(LONG_VALUES).map((name) => [name, 'arg'] as const),
]);

const SHORT = 'hvrwxtglCjpnbo:y:zi:c:s:B:Q:ea:f:m:U:uTSP:L:Z:G:M:I:F:46';

/** `mtr --help` (stdout, exit 0); after an option error it goes to stderr (exit 1). */
const USAGE = "\nUsage:\n mtr [options] hostname\n\n -F, --filename FILE        read hostname(s) from a file\n -4                         use IPv4 only\n -6                         use IPv6 only\n -u, --udp                  use UDP instead of ICMP echo\n -T, --tcp                  use TCP instead of ICMP echo\n -I, --interface NAME       use named network interface\n -a, --address ADDRESS      bind the outgoing socket to ADDRESS\n -f, --first-ttl NUMBER     set what TTL to start\n -m, --max-ttl NUMBER       maximum number of hops\n -U, --max-unknown NUMBER   maximum unknown host\n -P, --port PORT            target port number for TCP, SCTP, or UDP\n -L, --localport LOCALPORT  source port number for UDP\n -s, --psize PACKETSIZE     set the packet size used for probing\n -B, --bitpattern NUMBER    set bit pattern to use in payload\n -i, --interval SECONDS     ICMP echo request interval\n -G, --gracetime SECONDS    number of seconds to wait for responses\n -Q, --tos NUMBER           type of service field in IP header\n -e, --mpls                 display information from ICMP extensions\n -Z, --timeout SECONDS      seconds to keep probe sockets open\n -M, --mark MARK            mark each sent packet\n -r, --report               output using report mode\n -w, --report-wide          output wide report\n -c, --report-cycles COUNT  set the number of pings sent\n -j, --json                 output json\n -x, --xml                  output xml\n -C, --csv                  output comma separated values\n -l, --raw                  output raw format\n -p, --split                split output\n -t, --curses               use curses terminal interface\n     --displaymode MODE     select initial display mode\n -n, --no-dns               do not resolve host names\n -b, --show-ips             show IP numbers and host names\n -o, --order FIELDS         select output fields\n -y, --ipinfo NUMBER        select IP information in output\n -z, --aslookup             display AS number\n -h, --help                 display this help and exit\n -v, --version              output version information and exit\n\nSee the 'man 8 mtr' for details.\n";
const MAX_HOST = 256;
/** mtr's probe sequence numbers (ICMP sequence, UDP/TCP source port) run from 33000 and wrap at 65536. */
const MIN_SEQUENCE = 33000;
const MAX_SEQUENCE = 65536;
/** After the last round mtr waits this long for late replies (default of --gracetime). */
const GRACE_MS = 5000;

/** The end-of-run outputs; curses, gtk, raw and split print the report too (a simulator has no terminal). */
type DisplayMode = 'report' | 'json' | 'csv' | 'xml';

interface Options {
  readonly target: string;
  readonly display: DisplayMode;
  readonly tos: number;
  readonly bitpattern: number;
  readonly dns: boolean;
  readonly showIps: boolean;
  readonly wide: boolean;
  readonly cycles: number;
  readonly intervalMs: number;
  readonly protocol: 'icmp' | 'udp' | 'tcp';
  readonly port?: number;
  readonly firstTtl: number;
  readonly maxTtl: number;
  readonly maxUnknown: number;
  readonly packetSize: number;
  readonly graceMs: number;
}

const failure = (stderr: string): CommandResult => ({ stdout: '', stderr, exitCode: 1 });

function parse(args: readonly string[]): Options | CommandResult {
  const opts = getopt(args, SHORT, LONG_TABLE, { ...LONG_FLAGS, ...LONG_VALUES });
  if (!opts.ok) return failure(`mtr: ${opts.message}\n${USAGE}`);
  let dns = true;
  let showIps = false;
  let wide = false;
  let cycles = 10;
  let intervalMs = 1000;
  let protocol: Options['protocol'] = 'icmp';
  let port: number | undefined;
  let firstTtl = 1;
  let maxTtl = 30;
  let maxUnknown = 12;
  let packetSize = 64;
  let graceMs = GRACE_MS;
  let display: DisplayMode = 'report';
  let tos = 0;
  let bitpattern = 0;
  for (const o of opts.options) {
    const v = o.value ?? '';
    const int = /^\s*[+-]?\d+$/.test(v) ? Number(v) : undefined;
    const needsInt = 'csfmUPLGQB'.includes(o.key);
    if (needsInt && int === undefined) return failure(`mtr: invalid argument: '${v}'\n`);
    switch (o.key) {
      case 'n': dns = false; break;
      case 'b': showIps = true; break;
      case 'w': wide = true; display = 'report'; break;
      case 'r': display = 'report'; break;
      case 'j': display = 'json'; break;
      case 'C': display = 'csv'; break;
      case 'x': display = 'xml'; break;
      case 'Q': tos = Math.min(Math.max(int!, 0), 255); break;
      case 'B': bitpattern = Math.min(Math.max(int!, 0), 255); break;
      case 'c': cycles = int!; break;
      case 'i': {
        const seconds = Number(v);
        if (!Number.isFinite(seconds)) return failure(`mtr: invalid argument: '${v}'\n`);
        if (seconds <= 0) return failure('mtr: wait time must be positive\n');
        intervalMs = seconds * 1000;
        break;
      }
      case 'u': protocol = 'udp'; break;
      case 'T': protocol = 'tcp'; break;
      case 'P':
        if (int! < 1 || int! > 65535) return failure(`mtr: Illegal port number: ${int}\n`);
        port = int;
        break;
      case 'f': firstTtl = Math.min(Math.max(int!, 1), MAX_HOST - 1); break;
      case 'm': maxTtl = Math.min(Math.max(int!, 1), MAX_HOST - 1); break;
      case 'U': maxUnknown = Math.max(int!, 1); break;
      case 's': packetSize = int!; break;
      case 'G': graceMs = Math.max(int!, 0) * 1000; break;
      case 'v': return { stdout: 'mtr 0.95\n', stderr: '', exitCode: 0 };
      case 'h': return { stdout: USAGE, stderr: '', exitCode: 0 };
      default: break;
    }
  }
  if (firstTtl > maxTtl) return failure(`mtr: first ttl(${firstTtl}) > max ttl(${maxTtl})\n`);
  return { target: opts.operands[0] ?? 'localhost', display, tos, bitpattern, dns, showIps, wide, cycles, intervalMs, protocol, port, firstTtl, maxTtl, maxUnknown, packetSize, graceMs };
}

/** `Start:` as strftime("%Y-%m-%dT%H:%M:%S%z") in UTC. */
function isoTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}+0000`;
}

/** A reply as mtr-packet reports it: `reply`/`ttl-expired` (err 0) or `no-route` (any other unreachable). */
function replyOf(r: ProbeResult): { from: number; err: boolean } | undefined {
  const reply = r.reply;
  // A send that failed at the source (no usable route) comes back from mtr-packet without an address: ignored.
  if (!reply || (reply.local && reply.from === 0)) return undefined;
  if (reply.kind === 'unreachable') return { from: reply.from, err: reply.code !== 3 };
  return { from: reply.from, err: false };
}

/** The rounds of probes (net_send_batch) until `cycles` rounds were sent, then the grace period. */
function probeRounds(ctx: ToolContext, o: Options, dst: number, hops: HopStats[], results: Map<number, ProbeResult[]>): void {
  const pending: { at: number; index: number; result: ProbeResult }[] = [];
  const deliver = (until: number) => {
    pending.sort((a, b) => a.at - b.at);
    while (pending.length > 0 && pending[0]!.at <= until) {
      const p = pending.shift()!;
      const reply = replyOf(p.result);
      if (reply) recordReply(hops[p.index]!, reply.from, reply.err, Math.round(p.result.reply!.rttMs * 1000));
    }
  };
  let batchAt = o.firstTtl - 1;
  let numHosts = 10;
  let now = 0;
  let clock = 0;
  // The simulator's clock follows mtr's: rate limits refill (and controllers act) while it runs.
  const advanceTo = (t: number) => {
    if (t > clock) ctx.wait(t - clock);
    clock = Math.max(clock, t);
  };
  let rounds = 0;
  let sent = 0;
  while (rounds < o.cycles) {
    advanceTo(now);
    deliver(now);
    const hop = hops[batchAt]!;
    const mySeq = MIN_SEQUENCE + (sent++ % (MAX_SEQUENCE - MIN_SEQUENCE));
    recordSend(hop);
    const result = ctx.probe({
      protocol: o.protocol, dst, ttl: batchAt + 1, length: o.packetSize, df: false, seq: sent,
      dport: o.port ?? (o.protocol === 'tcp' ? 80 : 33434), sport: mySeq, icmpSeq: mySeq,
    });
    const list = results.get(batchAt + 1) ?? [];
    list.push(result);
    results.set(batchAt + 1, list);
    if (result.reply) pending.push({ at: now + result.reply.rttMs, index: batchAt, result });
    let restart = false;
    let unknown = 0;
    for (let i = o.firstTtl - 1; i < batchAt; i++) {
      if (hops[i]!.addr === undefined) unknown++;
      if (hops[i]!.addr === dst) {
        restart = true;
        numHosts = i + 1;
        break;
      }
    }
    if (hop.addr === dst || unknown > o.maxUnknown || batchAt >= o.maxTtl - 1) {
      restart = true;
      numHosts = batchAt + 1;
    }
    if (restart) {
      batchAt = o.firstTtl - 1;
      rounds++;
    } else batchAt++;
    now += o.intervalMs / numHosts;
  }
  deliver(now + o.graceMs);
  advanceTo(now + o.graceMs);
}

/** net_max(): hops shown end at the destination, at the first hop that sent an error, or one past the last known. */
function shownHops(hops: readonly HopStats[], o: Options, dst: number): number {
  let max = 0;
  for (let at = 0; at < o.maxTtl; at++) {
    const h = hops[at]!;
    if (h.addr === dst || h.err) return at + 1;
    if (h.addr !== undefined) max = at + 2;
  }
  return Math.min(max, o.maxTtl);
}

/** The shown hops (net_min .. net_max) with their printed names, in the chosen format. */
function output(ctx: ToolContext, o: Options, hops: readonly HopStats[], dst: number, startMs: number): string {
  const name = (addr: number | undefined): string => {
    if (addr === undefined) return '???';
    const host = o.dns ? ctx.reverse(addr) : undefined;
    if (!host) return formatIp(addr);
    return o.showIps ? `${host} (${formatIp(addr)})` : host;
  };
  const rows: HopRow[] = [];
  for (let at = o.firstTtl - 1; at < shownHops(hops, o, dst); at++) rows.push({ at, name: name(hops[at]!.addr), figures: hopStatistics(hops[at]!) });
  const info: RunInfo = {
    localHostname: ctx.hostname, target: o.target, tos: o.tos, cycles: o.cycles, packetSize: o.packetSize, bitpattern: o.bitpattern,
    startMs, wide: o.wide,
  };
  if (o.display === 'json') return jsonText(info, rows);
  if (o.display === 'csv') return csvText(info, rows);
  if (o.display === 'xml') return xmlText(info, rows);
  return `Start: ${isoTime(startMs)}\n${reportText(info, rows)}`;
}

/** mtr: --report (also for curses, gtk, raw and split: a simulator has no terminal), --json, --csv or --xml. */
export function mtr(args: readonly string[], ctx: ToolContext): CommandResult {
  const o = parse(args);
  if ('exitCode' in o) return o;
  const found = ctx.lookup(o.target);
  if (!found.ok) return { stdout: '', stderr: `mtr: Failed to resolve host: ${o.target}: ${found.message}\n`, exitCode: 0 };
  const dst = found.ip;
  const route = ctx.sourceRoute(dst);
  if (!route.ok && route.error !== 'EHOSTUNREACH') {
    const text = route.error === 'ENETUNREACH' ? 'Network is unreachable' : route.error === 'EACCES' ? 'Permission denied' : 'Invalid argument';
    return failure(`mtr: udp socket connect failed: ${text}\n`);
  }
  const start = ctx.nowMs();
  const hops = Array.from({ length: MAX_HOST }, () => newHop());
  const results = new Map<number, ProbeResult[]>();
  probeRounds(ctx, o, dst, hops, results);
  const stdout = output(ctx, o, hops, dst, start);
  // The first probe refused by our own OUTPUT chain: mtr prints its header and gives up (kernel-checked).
  const first = results.get(Math.min(...results.keys()))?.[0];
  if (first && sendRefused(first, ctx.device)) return { stdout, stderr: 'mtr: Permission denied\n', exitCode: 1 };
  const ttls = [...results.keys()].sort((a, b) => a - b);
  const record: TraceRecord = {
    tool: 'mtr',
    target: { name: o.target, ip: dst },
    protocol: o.protocol,
    firstHop: o.firstTtl,
    maxHops: o.maxTtl,
    probesPerHop: o.cycles,
    packetLength: o.packetSize,
    hops: ttls.map((ttl) => ({ ttl, probes: results.get(ttl)! })),
    reached: hops.some((h) => h.addr === dst),
  };
  return { stdout, stderr: '', exitCode: 0, traces: [record] };
}
