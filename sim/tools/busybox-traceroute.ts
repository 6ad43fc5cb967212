// busybox traceroute (1.35): its getopt options and errors, the one-probe-at-a-time loop, and its output,
// formatted from the TraceRecord.
import { formatIp } from '../../topology/address.js';
import { mix } from '../packet.js';
import type { CommandResult, TracedProbe, TraceRecord } from '../../topology/trace.js';
import type { ToolContext } from '../tool-context.js';
import { connectErrorText, firstSendRefused, traceHops } from './hop-loop.js';
import { scanArgs, threeDigits, type ScanSpec } from './traceroute-args.js';
import { BUSYBOX_TRACEROUTE_USAGE } from './usage-texts.js';

const SPEC: ScanSpec = {
  short: {
    F: null, I: null, l: null, n: null, r: null, d: null, v: null, '4': null, '6': null,
    t: 'TOS', i: 'IFACE', m: 'MAXTTL', p: 'PORT', q: 'PROBES', s: 'SRC_IP', w: 'WAIT_SEC', z: 'PAUSE_MSEC', f: '1ST_TTL',
  },
};

/** 20 IP + 8 UDP (or ICMP) + 18 bytes of busybox's outdata. */
const DEFAULT_LENGTH = 46;
const MAX_LENGTH = 32 * 1024;

interface Options {
  numeric: boolean;
  icmp: boolean;
  showTtl: boolean;
  maxHops: number;
  port: number;
  probes: number;
  waitSec: number;
  pauseMs: number;
  firstHop: number;
}

type Result<T> = { ok: true; value: T } | { ok: false; result: CommandResult };

/** bb_error_msg_and_die: `traceroute: MESSAGE`, exit 1 (with the usage after getopt errors). */
const failure = (message: string, usage = false): CommandResult => ({
  stdout: '', stderr: `traceroute: ${message}\n${usage ? BUSYBOX_TRACEROUTE_USAGE : ''}`, exitCode: 1,
});
const die = (message: string, usage = false): Result<never> => ({ ok: false, result: failure(message, usage) });

/** busybox's xatou_range: a decimal number within [lo, hi]. */
function numberIn(text: string, lo: number, hi: number): Result<number> {
  if (!/^\d+$/.test(text)) return die(`invalid number '${text}'`);
  const v = Number(text);
  if (v < lo || v > hi) return die(`number ${text} is not in ${lo}..${hi} range`);
  return { ok: true, value: v };
}

/** The numeric options, in the order busybox checks them: flag, option, lowest and highest value (-f's is -m's value). */
const RANGES: readonly (readonly [string, keyof Options, number, (o: Options) => number])[] = [
  ['m', 'maxHops', 1, () => 255],
  ['p', 'port', 0, () => 65535],
  ['q', 'probes', 1, () => 2147483647],
  ['w', 'waitSec', 1, () => 24 * 60 * 60],
  ['z', 'pauseMs', 0, () => 60 * 60 * 1000],
  ['f', 'firstHop', 1, (o) => o.maxHops],
];

function parse(args: readonly string[]): Result<{ opts: Options; operands: string[] }> {
  const items = scanArgs(args, SPEC);
  const values = new Map<string, string>();
  const opts: Options = { numeric: false, icmp: false, showTtl: false, maxHops: 30, port: 33434, probes: 3, waitSec: 5, pauseMs: 0, firstHop: 1 };
  const operands: string[] = [];
  for (const item of items) {
    if (item.kind === 'unknown') return die(`invalid option -- '${item.name}'`, true);
    if (item.kind === 'missing-value') return die(`option requires an argument -- '${item.name}'`, true);
    if (item.kind === 'operand') operands.push(item.value);
    else if (item.value !== undefined) values.set(item.name, item.value);
    else if (item.name === 'n') opts.numeric = true;
    else if (item.name === 'I') opts.icmp = true;
    else if (item.name === 'l') opts.showTtl = true;
  }
  if (operands.length === 0) return { ok: false, result: { stdout: '', stderr: BUSYBOX_TRACEROUTE_USAGE, exitCode: 1 } };
  for (const [flag, key, lo, hi] of RANGES) {
    const text = values.get(flag);
    if (text === undefined) continue;
    const n = numberIn(text, lo, hi(opts));
    if (!n.ok) return n;
    (opts as unknown as Record<string, number>)[key] = n.value;
  }
  return { ok: true, value: { opts, operands } };
}

function probePath(o: Options, target: { name: string; ip: number }, length: number, routeMtu: number, ctx: ToolContext): TraceRecord {
  const ident = mix(target.ip, ctx.nowMs()) & 0xffff;
  return traceHops(ctx, {
    tool: 'busybox traceroute',
    target,
    protocol: o.icmp ? 'icmp' : 'udp',
    firstHop: o.firstHop,
    maxHops: o.maxHops,
    probesPerHop: o.probes,
    packetLength: length,
    // The sockets' default path-MTU discovery (IP_PMTUDISC_WANT) sets DF on every probe that fits the route's MTU
    // and fragments bigger ones locally (-F adds nothing on Linux).
    df: length <= routeMtu,
    ports: (n) => (o.icmp ? { sport: ident, dport: 0, icmpSeq: n + 1 } : { sport: 32768 + (ident % 28000), dport: o.port + n + 1 }),
    waitMs: o.waitSec * 1000,
    inFlight: 1,
    sendGapMs: o.pauseMs,
    lastHop: (probes) => busyboxLastHop(probes, o.probes),
  });
}

/** Whether busybox stops after this hop: the target answered, or all probes but one (at least one) came back unreachable. */
function busyboxLastHop(probes: readonly TracedProbe[], perHop: number): boolean {
  let unreachable = 0;
  for (const p of probes) {
    const r = p.reply;
    if (!r) continue;
    const targetCode = r.kind === 'unreachable' && (r.code === 3 || r.code === 2);
    if (r.kind === 'echo-reply' || targetCode) return true;
    if (r.kind === 'unreachable') unreachable++;
  }
  return unreachable > 0 && unreachable >= perHop - 1;
}

/** busybox's annotation for a final or unreachable reply. */
function annotation(p: TracedProbe): string {
  const r = p.reply!;
  if (r.kind === 'echo-reply' || (r.kind === 'unreachable' && r.code === 3)) return r.ttl <= 1 ? ' !' : '';
  if (r.kind !== 'unreachable') return '';
  const code = r.code ?? 0;
  const named: Record<number, string> = {
    0: '!N', 1: '!H', 2: '!P', 4: `!F-${r.mtu ?? 0}`, 5: '!S', 6: '!U', 7: '!U', 8: '!I', 9: '!A', 10: '!C', 11: '!T', 12: '!T',
    13: '!A', 14: '!V', 15: '!C',
  };
  return ` ${named[code] ?? `!<${code}>`}`;
}


/** `%u.%03u ms` of whole microseconds. */
function deltaMs(ms: number): string {
  const us = Math.round(ms * 1000);
  return `${Math.floor(us / 1000)}.${threeDigits(us % 1000)} ms`;
}

/** The hop lines; the last address printed carries over hops, as in busybox. */
export function formatBusyboxHops(record: TraceRecord, numeric: boolean, showTtl: boolean, reverse: (ip: number) => string | undefined): string {
  let out = '';
  let lastAddr: number | undefined;
  for (const hop of record.hops) {
    out += String(hop.ttl).padStart(2);
    for (let i = 0; i < hop.probes.length; i++) {
      const reply = hop.probes[i]!.reply;
      if (!reply) {
        out += '  *';
        continue;
      }
      if (i === 0 || reply.from !== lastAddr) {
        const addr = formatIp(reply.from);
        out += numeric ? `  ${addr}` : `  ${reverse(reply.from) ?? addr} (${addr})`;
        lastAddr = reply.from;
      }
      out += `  ${deltaMs(reply.rttMs)}`;
      if (showTtl) out += ` (${reply.ttl})`;
      out += annotation(hop.probes[i]!);
    }
    out += '\n';
  }
  return out;
}

export function busyboxTraceroute(args: readonly string[], ctx: ToolContext): CommandResult {
  const parsed = parse(args);
  if (!parsed.ok) return parsed.result;
  const { opts, operands } = parsed.value;
  const host = operands[0]!;
  const ip = ctx.resolve(host);
  if (ip === undefined) return failure(`bad address '${host}'`);
  let length = DEFAULT_LENGTH;
  if (operands[1] !== undefined) {
    const n = numberIn(operands[1], DEFAULT_LENGTH, MAX_LENGTH);
    if (!n.ok) return n.result;
    length = n.value;
  }
  const route = ctx.sourceRoute(ip);
  if (!route.ok) return failure(`can't connect to remote host (${formatIp(ip)}): ${connectErrorText(route.error)}`);
  const header = `traceroute to ${host} (${formatIp(ip)}), ${opts.maxHops} hops max, ${length} byte packets\n`;
  const record = probePath(opts, { name: host, ip }, length, route.mtu, ctx);
  // The hop number is out before sendto() fails (kernel-checked: ` 1` and no newline).
  if (firstSendRefused(record, ctx.device)) {
    return { stdout: `${header}${String(record.hops[0]!.ttl).padStart(2)}`, stderr: 'traceroute: sendto: Operation not permitted\n', exitCode: 1, traces: [record] };
  }
  return { stdout: header + formatBusyboxHops(record, opts.numeric, opts.showTtl, ctx.reverse), stderr: '', exitCode: 0, traces: [record] };
}
