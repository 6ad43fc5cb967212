// Linux traceroute 2.1.x (Debian's `traceroute`): its options and errors, the probe loop (16 probes in flight,
// -w MAX,HERE,NEAR), and its output, formatted from the TraceRecord.
import { formatIp } from '../../topology/address.js';
import { mix } from '../packet.js';
import type { CommandResult, TracedProbe, TraceRecord } from '../../topology/trace.js';
import type { ToolContext } from '../tool-context.js';
import { connectErrorText, firstSendRefused, traceHops } from './hop-loop.js';
import { formatG, parseCFloat, parseCInteger, scanArgs, toFixed3, type ScanSpec } from './traceroute-args.js';
import { LINUX_TRACEROUTE_USAGE, LINUX_TRACEROUTE_VERSION } from './usage-texts.js';

const SPEC: ScanSpec = {
  short: {
    '4': null, '6': null, d: null, F: null, I: null, T: null, n: null, r: null, e: null, A: null, U: null, V: null,
    f: 'first_ttl', g: 'gate,...', i: 'device', m: 'max_ttl', N: 'squeries', p: 'port', t: 'tos', l: 'flow_label',
    w: 'MAX,HERE,NEAR', q: 'nqueries', s: 'src_addr', z: 'sendwait', M: 'name', O: 'OPTS,...', P: 'prot',
  },
  long: {
    debug: null, 'dont-fragment': null, icmp: null, tcp: null, udp: null, extensions: null, 'as-path-lookups': null,
    mtu: null, back: null, version: null, help: null,
    first: 'first_ttl', gateway: 'gate,...', interface: 'device', 'max-hops': 'max_ttl', 'sim-queries': 'squeries',
    port: 'port', tos: 'tos', flowlabel: 'flow_label', wait: 'MAX,HERE,NEAR', queries: 'nqueries', source: 'src_addr',
    sendwait: 'sendwait', module: 'name', options: 'OPTS,...', sport: 'num', fwmark: 'num', protocol: 'prot',
  },
  valueOnlyFirstInGroup: true,
};

/** Long option -> the short option it stands for (same handling). */
const LONG_AS_SHORT: Readonly<Record<string, string>> = {
  debug: 'd', 'dont-fragment': 'F', icmp: 'I', tcp: 'T', udp: 'U', extensions: 'e', 'as-path-lookups': 'A', version: 'V',
  first: 'f', gateway: 'g', interface: 'i', 'max-hops': 'm', 'sim-queries': 'N', port: 'p', tos: 't', flowlabel: 'l',
  wait: 'w', queries: 'q', source: 's', sendwait: 'z', module: 'M', options: 'O', protocol: 'P',
};

type Method = 'default' | 'udp' | 'icmp' | 'tcp';
const METHODS: Readonly<Record<string, Method>> = { default: 'default', udp: 'udp', icmp: 'icmp', tcp: 'tcp' };
/** Smallest probe each method can send (a smaller packetlen is raised to it). */
const MIN_LENGTH: Readonly<Record<Method, number>> = { default: 28, udp: 28, icmp: 28, tcp: 60 };
const DEFAULT_LENGTH = 60;
const MAX_PACKET_LEN = 65000;

interface Options {
  method: Method;
  numeric: boolean;
  df: boolean;
  mtu: boolean;
  firstHop: number;
  maxHops: number;
  probes: number;
  inFlight: number;
  port?: number;
  wait: { max: number; here: number; near: number };
  sendWaitMs: number;
  host?: { arg: string; ip: number };
  packetLength?: number;
}

type Parsed = { ok: true; opts: Options } | { ok: false; result: CommandResult };

const fail = (message: string, exitCode = 2): Parsed => ({ ok: false, result: { stdout: '', stderr: `${message}\n`, exitCode } });

function setOption(o: Options, name: string, value: string | undefined, argc: number, shown: string): Parsed | undefined {
  const bad = () => fail(`Cannot handle \`${shown}' option with arg \`${value}' (argc ${argc})`);
  const int = () => (value === undefined ? undefined : parseCInteger(value));
  switch (name) {
    case 'n': o.numeric = true; break;
    case 'F': o.df = true; break;
    case 'I': o.method = 'icmp'; break;
    case 'T': o.method = 'tcp'; break;
    case 'U': o.method = 'udp'; break;
    case 'mtu': o.mtu = true; o.df = true; o.inFlight = 1; break;
    case 'f': case 'm': case 'N': case 'p': case 'q': case 't': case 'l': case 'sport': case 'fwmark': {
      const v = int();
      if (v === undefined) return bad();
      if (name === 'f') o.firstHop = v;
      else if (name === 'm') o.maxHops = v;
      else if (name === 'N') o.inFlight = Math.max(1, v);
      else if (name === 'p') o.port = v;
      else if (name === 'q') o.probes = v;
      else if (name === 'sport') o.inFlight = 1;
      break;
    }
    case 'w': {
      const parts = (value ?? '').split(',').map(parseCFloat);
      if (parts.length > 3 || parts.some((p) => p === undefined)) return bad();
      o.wait = { max: parts[0]!, here: parts[1] ?? 0, near: parts[2] ?? 0 };
      break;
    }
    case 'z': {
      const v = value === undefined ? undefined : parseCFloat(value);
      if (v === undefined) return bad();
      o.sendWaitMs = v > 10 ? v : v * 1000;
      break;
    }
    case 'M': {
      const m = METHODS[value ?? ''];
      if (!m) return fail(`Unknown traceroute module ${value}`);
      o.method = m;
      break;
    }
    default: break; // accepted and without effect in the lab: -4 -6 -d -r -e -A -g -i -s -t -l -O -P --back --fwmark
  }
  return undefined;
}

function parse(args: readonly string[], ctx: ToolContext): Parsed | { ok: true; help: CommandResult } {
  const o: Options = {
    method: 'default', numeric: false, df: false, mtu: false, firstHop: 1, maxHops: 30, probes: 3, inFlight: 16,
    wait: { max: 5, here: 3, near: 10 }, sendWaitMs: 0,
  };
  if (args.length === 0) return { ok: true, help: { stdout: '', stderr: LINUX_TRACEROUTE_USAGE, exitCode: 0 } };
  let position = 0;
  for (const item of scanArgs(args, SPEC)) {
    if (item.kind === 'unknown') return fail(`Bad option \`${item.long ? `--${item.name}` : `-${item.name}`}' (argc ${item.argc})`);
    if (item.kind === 'missing-value') {
      const shown = item.long ? `--${item.name}` : `-${item.name}`;
      return fail(`Option \`${shown}' (argc ${item.argc}) requires an argument: \`${item.long ? `--${item.name}=${item.valueName}` : `${shown} ${item.valueName}`}'`);
    }
    if (item.kind === 'option') {
      if (item.name === 'help') return { ok: true, help: { stdout: '', stderr: LINUX_TRACEROUTE_USAGE, exitCode: 0 } };
      if (item.name === 'V' || item.name === 'version') return { ok: true, help: { stdout: '', stderr: LINUX_TRACEROUTE_VERSION, exitCode: 0 } };
      const name = item.long ? LONG_AS_SHORT[item.name] ?? item.name : item.name;
      const error = setOption(o, name, item.value, item.argc, item.long ? `--${item.name}` : `-${item.name}`);
      if (error) return error;
      continue;
    }
    position++;
    if (position === 1) {
      const found = ctx.lookup(item.value);
      if (!found.ok) {
        return fail(`${item.value}: ${found.message}\nCannot handle "host" cmdline arg \`${item.value}' on position 1 (argc ${item.argc})`);
      }
      o.host = { arg: item.value, ip: found.ip };
    } else if (position === 2) {
      const len = parseCInteger(item.value);
      if (len === undefined) return fail(`Cannot handle "packetlen" cmdline arg \`${item.value}' on position 2 (argc ${item.argc})`);
      o.packetLength = len;
    } else {
      return fail(`Extra arg \`${item.value}' (position ${position}, argc ${item.argc})`);
    }
  }
  if (!o.host) return fail('Specify "host" missing argument.');
  if (o.maxHops > 255) return fail('max hops cannot be more than 255');
  if (o.firstHop < 1 || o.firstHop > o.maxHops) return fail('first hop out of range');
  if (o.probes < 1 || o.probes > 10) return fail('no more than 10 probes per hop');
  if (o.wait.max < 0 || o.wait.here < 0 || o.wait.near < 0) return fail(`bad wait specifications \`${formatG(o.wait.max)},${formatG(o.wait.here)},${formatG(o.wait.near)}' used`);
  if (o.packetLength !== undefined && o.packetLength > MAX_PACKET_LEN) return fail(`too big packetlen ${o.packetLength} specified`);
  return { ok: true, opts: o };
}

const PROTOCOL = { default: 'udp', udp: 'udp', icmp: 'icmp', tcp: 'tcp' } as const;

/** The packet length traceroute uses and prints: packetlen (or 65000 with --mtu, else 60), raised to the method's minimum. */
function probeLength(o: Options): number {
  return Math.max(o.packetLength ?? (o.mtu ? MAX_PACKET_LEN : DEFAULT_LENGTH), MIN_LENGTH[o.method]);
}

/** Whether a hop is the last: one of its probes got an answer other than time exceeded. */
function answeredBeyond(probes: readonly TracedProbe[]): boolean {
  for (const p of probes) if (p.reply !== undefined && p.reply.kind !== 'time-exceeded') return true;
  return false;
}

/** Probes the path as traceroute would and returns the record. */
function probePath(o: Options, host: { arg: string; ip: number }, ctx: ToolContext): TraceRecord {
  const base = o.port ?? (o.method === 'default' ? 33434 : o.method === 'udp' ? 53 : o.method === 'icmp' ? 1 : 80);
  const ident = 0x8000 | (mix(host.ip, ctx.nowMs()) & 0x7fff);
  return traceHops(ctx, {
    tool: 'traceroute',
    target: { name: host.arg, ip: host.ip },
    protocol: PROTOCOL[o.method],
    firstHop: o.firstHop,
    maxHops: o.maxHops,
    probesPerHop: o.probes,
    packetLength: probeLength(o),
    df: o.df,
    ports: (n) => {
      const sport = o.method === 'icmp' ? ident : 32768 + ((ident + n * 7) % 28000);
      if (o.method === 'icmp') return { sport, dport: 0, icmpSeq: base + n };
      return { sport, dport: o.method === 'default' ? base + n : base };
    },
    waitMs: o.wait.max * 1000,
    adaptiveWait: { here: o.wait.here, near: o.wait.near },
    inFlight: o.inFlight,
    sendGapMs: o.sendWaitMs,
    lastHop: answeredBeyond,
    discoverMtu: o.mtu,
    // An echo reply from another address (a directed broadcast answered by the router) is not taken (kernel-checked).
    echoFromTargetOnly: true,
  });
}

/** traceroute's annotation per ICMP destination-unreachable code (4, frag needed, carries the MTU: see annotation). */
const UNREACHABLE_NOTES: readonly string[] = ['!N', '!H', '!P', '', '!F-', '!S', '!N', '!H', '!N', '!X', '!X', '!N', '!H', '!X', '!V', '!C'];

/** traceroute's annotation for an ICMP destination-unreachable code. */
function annotation(p: TracedProbe): string {
  const r = p.reply!;
  if (r.kind !== 'unreachable') return '';
  const code = r.code ?? 0;
  if (code === 4) return `!F-${r.mtu ?? 0}`;
  return UNREACHABLE_NOTES[code] ?? `!<${code}>`;
}

/** The start of each hop line by TTL, made on first use (a table, not a template per line). */
const hopStarts: string[] = [];
const hopStart = (ttl: number): string => (hopStarts[ttl] ??= `\n${String(ttl).padStart(2)} `);

/** The hop lines (each starting with a newline, as traceroute prints them). */
export function formatTracerouteHops(record: TraceRecord, numeric: boolean, reverse: (ip: number) => string | undefined): string {
  let out = '';
  for (const hop of record.hops) {
    out += hopStart(hop.ttl);
    // The address printed last in this line: a probe answered from the same one prints only its time.
    let shown: number | undefined;
    for (const p of hop.probes) {
      if (!p.reply) {
        out += ' *';
        continue;
      }
      const from = p.reply.from;
      // A local error without an offender (EMSGSIZE) prints like a timeout with a time and an annotation.
      if (from === 0) out += ' *';
      else if (shown !== from) {
        const addr = formatIp(from);
        out += numeric ? ` ${addr}` : ` ${reverse(from) ?? addr} (${addr})`;
        shown = from;
      }
      out += `  ${toFixed3(p.reply.rttMs)} ms`;
      const note = annotation(p) || (p.mtu !== undefined ? `F=${p.mtu}` : '');
      if (note) out += ` ${note}`;
    }
  }
  return out;
}

export function traceroute(args: readonly string[], ctx: ToolContext): CommandResult {
  const parsed = parse(args, ctx);
  if ('help' in parsed) return parsed.help;
  if (!parsed.ok) return parsed.result;
  const o = parsed.opts;
  const host = o.host!;
  const header = `traceroute to ${host.arg} (${formatIp(host.ip)}), ${o.maxHops} hops max, ${probeLength(o)} byte packets`;
  const route = ctx.sourceRoute(host.ip);
  if (!route.ok) {
    // The ICMP and TCP methods connect before the header; the default UDP method connects at its first probe.
    const stdout = o.method === 'icmp' || o.method === 'tcp' ? '' : header;
    return { stdout, stderr: `\nconnect: ${connectErrorText(route.error)}\n`, exitCode: 1 };
  }
  const record = probePath(o, host, ctx);
  // Every method prints the header first here; the failed send ends the run (kernel-checked).
  if (firstSendRefused(record, ctx.device)) return { stdout: header, stderr: '\nsend: Operation not permitted\n', exitCode: 1, traces: [record] };
  return { stdout: `${header}${formatTracerouteHops(record, o.numeric, ctx.reverse)}\n`, stderr: '', exitCode: 0, traces: [record] };
}
