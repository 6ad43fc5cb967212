// tcptraceroute 1.5beta7: its options and errors, one SYN at a time from one source port, and its output
// (hop lines on stdout; the device line, the target line and "Destination not reached" on stderr).
import { formatIp } from '../../topology/address.js';
import { mix } from '../packet.js';
import type { CommandResult, TracedProbe, TraceRecord } from '../../topology/trace.js';
import type { ToolContext } from '../tool-context.js';
import { connectErrorText, firstSendRefused, traceHops } from './hop-loop.js';
import { tcpServiceName, tcpServicePort } from './tcp-services.js';
import { parseCInteger, scanArgs, toFixed3, type ScanSpec } from './traceroute-args.js';
import { TCPTRACEROUTE_BANNER, TCPTRACEROUTE_USAGE } from './usage-texts.js';

const SPEC: ScanSpec = {
  short: {
    h: null, v: null, d: null, n: null, N: null, F: null, S: null, A: null, E: null,
    i: 'interface', l: 'packet length', f: 'first ttl', m: 'max ttl', P: 'source port', p: 'source port',
    q: 'number of queries', w: 'wait time', s: 'source address', t: 'tos',
  },
};

/** IP + TCP headers: the smallest (and default) probe. */
const MIN_LENGTH = 40;

interface Options {
  numeric: boolean;
  df: boolean;
  firstHop: number;
  maxHops: number;
  probes: number;
  waitSec: number;
  sourcePort?: number;
  length?: number;
}

const failure = (stderr: string, stdout = ''): CommandResult => ({ stdout, stderr, exitCode: 1 });
const usage = (first = '') => failure(`${first}${TCPTRACEROUTE_USAGE}`, TCPTRACEROUTE_BANNER);

function isPrivate(ip: number): boolean {
  return ip >>> 24 === 10 || ip >>> 20 === ((172 << 4) | 1) || ip >>> 16 === ((192 << 8) | 168);
}

function parsePort(text: string): number | undefined {
  const n = parseCInteger(text);
  if (n !== undefined) return n & 0xffff;
  return tcpServicePort(text);
}

type Parsed = { ok: true; opts: Options; operands: string[] } | { ok: false; result: CommandResult };

function parse(args: readonly string[]): Parsed {
  const opts: Options = { numeric: false, df: false, firstHop: 1, maxHops: 30, probes: 3, waitSec: 3 };
  const operands: string[] = [];
  for (const item of scanArgs(args, SPEC)) {
    if (item.kind === 'unknown') return { ok: false, result: usage(`Unknown command line argument: -${item.name}\n`) };
    if (item.kind === 'missing-value') return { ok: false, result: failure(`Argument required for -${item.name}\n`) };
    if (item.kind === 'operand') {
      operands.push(item.value);
      continue;
    }
    if (item.value === undefined) {
      if (item.name === 'n') opts.numeric = true;
      else if (item.name === 'F') opts.df = true;
      continue;
    }
    if ('lfmPpqwt'.includes(item.name)) {
      const n = parseCInteger(item.value);
      if (n === undefined) return { ok: false, result: failure('Numeric argument required for - \n') };
      if (item.name === 'l') opts.length = n;
      else if (item.name === 'f') opts.firstHop = n;
      else if (item.name === 'm') opts.maxHops = n;
      else if (item.name === 'P' || item.name === 'p') opts.sourcePort = n & 0xffff;
      else if (item.name === 'q') opts.probes = n;
      else if (item.name === 'w') opts.waitSec = n;
    }
  }
  if (operands.length === 0) return { ok: false, result: usage() };
  if (opts.probes < 1) return { ok: false, result: failure('Number of queries must be at least 1\n') };
  for (const ttl of [opts.firstHop, opts.maxHops]) {
    if (ttl < 1) return { ok: false, result: failure('TTL must be greater than 0\n') };
    if (ttl > 255) return { ok: false, result: failure('TTL must be less than 256\n') };
  }
  if (opts.firstHop > opts.maxHops) return { ok: false, result: failure(`Minimum TTL (${opts.firstHop}) must be less than maximum TTL (${opts.maxHops})\n`) };
  if (opts.waitSec < 1) return { ok: false, result: failure('Timeout must be at least 1\n') };
  return { ok: true, opts, operands };
}

/** tcptraceroute's annotation for an ICMP destination-unreachable code. */
function annotation(p: TracedProbe): string {
  const r = p.reply!;
  if (r.kind !== 'unreachable') return '';
  const named: Record<number, string> = {
    0: '!N', 1: '!H', 2: '!P', 3: '!p', 4: '!F', 5: '!S', 6: '!U', 7: '!U', 8: '!I', 9: '!A', 10: '!C', 11: '!T', 12: '!T', 13: '!A',
  };
  return ` ${named[r.code ?? 0] ?? `!<${r.code}>`}`;
}

/** The hop lines. */
export function formatTcptracerouteHops(record: TraceRecord, numeric: boolean, reverse: (ip: number) => string | undefined): string {
  const host = (ip: number) => {
    const addr = formatIp(ip);
    const name = numeric || isPrivate(ip) ? undefined : reverse(ip);
    return name ? `${name} (${addr})` : addr;
  };
  let out = '';
  for (const hop of record.hops) {
    out += `${String(hop.ttl).padStart(2)}  `;
    hop.probes.forEach((p, i) => {
      const sep = i === 0 ? '' : ' ';
      if (!p.reply) {
        out += `${sep}*`;
        return;
      }
      const previous = hop.probes.slice(0, i).reverse().find((q) => q.reply);
      if (!previous || previous.reply!.from !== p.reply.from) {
        const state = p.reply.kind === 'tcp-synack' ? ' [open]' : p.reply.kind === 'tcp-rst' ? ' [closed]' : '';
        out += `${sep}${host(p.reply.from)}${state}`;
      }
      out += `  ${toFixed3(p.reply.rttMs)} ms${annotation(p)}`;
    });
    out += '\n';
  }
  return out;
}

export function tcptraceroute(args: readonly string[], ctx: ToolContext): CommandResult {
  const parsed = parse(args);
  if (!parsed.ok) return parsed.result;
  const { opts, operands } = parsed;
  const [hostArg, portArg, lengthArg] = operands as [string, string?, string?];
  const ip = ctx.resolve(hostArg);
  if (ip === undefined) return failure(`Bad destination address: ${hostArg}\n`);
  const dport = portArg === undefined ? 80 : parsePort(portArg);
  if (dport === undefined) return failure(`Unknown port: ${portArg}\n`);
  let stderr = '';
  let length = opts.length ?? MIN_LENGTH;
  if (lengthArg !== undefined) length = parseCInteger(lengthArg) ?? 0;
  if (length < MIN_LENGTH) {
    stderr += `Warning: Increasing packet length to ${MIN_LENGTH} bytes\n`;
    length = MIN_LENGTH;
  }
  const route = ctx.sourceRoute(ip);
  if (!route.ok) return failure(`connect: ${connectErrorText(route.error)}\n`);
  const sport = opts.sourcePort ?? 32768 + (mix(ip, dport, ctx.nowMs()) % 28232);
  const target = hostArg === formatIp(ip) ? hostArg : `${hostArg} (${formatIp(ip)})`;
  const name = tcpServiceName(dport);
  const service = name ? `${dport} (${name})` : String(dport);
  stderr += `Selected device ${route.src === ip ? 'lo' : route.dev}, address ${formatIp(route.src)}, port ${sport} for outgoing packets\n`;
  stderr += `Tracing the path to ${target} on TCP port ${service}, ${opts.maxHops} hops max${length > MIN_LENGTH ? `, ${length} byte packets` : ''}\n`;
  // libnet writes the whole packet itself: with DF and over the route's MTU the raw write fails.
  if (opts.df && length > Math.min(route.mtu, route.pmtu ?? Infinity)) return failure(`${stderr}libnet_write failed?  Attempted to write ${length} bytes, only wrote -1\n`);
  // The two lines above go to stderr before the first hop is printed.
  const stderrLead = stderr.length;
  const record = traceHops(ctx, {
    tool: 'tcptraceroute',
    target: { name: hostArg, ip },
    protocol: 'tcp',
    firstHop: opts.firstHop,
    maxHops: opts.maxHops,
    probesPerHop: opts.probes,
    packetLength: length,
    df: opts.df,
    ports: () => ({ sport, dport }),
    waitMs: opts.waitSec * 1000,
    inFlight: 1,
    capture: true,
    lastHop: (probes) => probes.some((p) => p.reply !== undefined && p.reply.kind !== 'time-exceeded'),
  });
  if (firstSendRefused(record, ctx.device)) return failure(`${stderr}libnet_write failed?  Attempted to write ${length} bytes, only wrote -1\n`);
  const done = record.hops.at(-1)?.probes.some((p) => p.reply !== undefined && p.reply.kind !== 'time-exceeded') ?? false;
  if (!done) stderr += 'Destination not reached\n';
  return { stdout: formatTcptracerouteHops(record, opts.numeric, ctx.reverse), stderr, exitCode: done ? 0 : 1, traces: [record], stderrLead };
}
