// pcap-filter expressions people type at tcpdump (host/src/dst/net, port/portrange, tcp/udp/icmp/arp/ip,
// tcp[tcpflags] tests, and/or/not, parentheses), parsed into a predicate over a decoded frame, with libpcap's errors.
import { parseCidr, parseIp } from '../../topology/address.js';
import type { Decoded } from './decode.js';

export type FrameTest = (d: Decoded) => boolean;

/** libpcap's message for an expression it cannot compile (tcpdump prints it after `tcpdump: `). */
export class FilterError extends Error {}

const SYNTAX = "can't parse filter expression: syntax error";

const PROTO_NUM: Readonly<Record<string, number>> = { icmp: 1, tcp: 6, udp: 17 };
const TCP_FLAG_NAMES: Readonly<Record<string, number>> = {
  'tcp-fin': 0x01, 'tcp-syn': 0x02, 'tcp-rst': 0x04, 'tcp-push': 0x08, 'tcp-ack': 0x10, 'tcp-urg': 0x20, 'tcp-ece': 0x40, 'tcp-cwr': 0x80,
};
const PORT_NAMES: Readonly<Record<string, number>> = { domain: 53, http: 80, https: 443, ssh: 22 };

function tokens(expr: string): string[] {
  return expr.match(/\(|\)|!=|==|&&|\|\||[!&|=<>]|[^\s()!&|=<>]+/g) ?? [];
}

type Dir = 'src' | 'dst' | 'either';

function ipEnds(d: Decoded): [number, number] | undefined {
  if (d.ip) return [d.ip.src, d.ip.dst];
  if (d.arp) return [d.arp.senderIp, d.arp.targetIp];
  return undefined;
}

function matchDir(dir: Dir, ends: [number, number] | undefined, test: (v: number) => boolean): boolean {
  if (!ends) return false;
  return dir === 'src' ? test(ends[0]) : dir === 'dst' ? test(ends[1]) : test(ends[0]) || test(ends[1]);
}

class Parser {
  private k = 0;
  constructor(private readonly toks: string[]) {}

  private peek(): string | undefined { return this.toks[this.k]; }
  private next(): string {
    const t = this.toks[this.k++];
    if (t === undefined) throw new FilterError(SYNTAX);
    return t;
  }

  parse(): FrameTest {
    const t = this.or();
    if (this.k < this.toks.length) throw new FilterError(SYNTAX);
    return t;
  }

  private or(): FrameTest {
    return this.chain(['or', '||'], () => this.and(), (l, r) => (d) => l(d) || r(d));
  }

  private and(): FrameTest {
    return this.chain(['and', '&&'], () => this.not(), (l, r) => (d) => l(d) && r(d));
  }

  /** Operands joined left to right by one of WORDS. */
  private chain(words: readonly string[], operand: () => FrameTest, join: (l: FrameTest, r: FrameTest) => FrameTest): FrameTest {
    let left = operand();
    while (words.includes(this.peek() ?? '')) {
      this.k++;
      left = join(left, operand());
    }
    return left;
  }

  private not(): FrameTest {
    if (this.peek() === 'not' || this.peek() === '!') {
      this.k++;
      const inner = this.not();
      return (d) => !inner(d);
    }
    if (this.peek() === '(') {
      this.k++;
      const inner = this.or();
      if (this.next() !== ')') throw new FilterError(SYNTAX);
      return inner;
    }
    return this.primitive();
  }

  private primitive(): FrameTest {
    const t = this.next();
    if (t.startsWith('tcp[')) return this.tcpFlags(t);
    if (t === 'tcp' || t === 'udp') {
      const proto = PROTO_NUM[t]!;
      const isProto: FrameTest = (d) => d.ip?.proto === proto;
      if (this.peek() === 'port' || this.peek() === 'src' || this.peek() === 'dst' || this.peek() === 'portrange') {
        const ports = this.primitive();
        return (d) => isProto(d) && ports(d);
      }
      return isProto;
    }
    if (t === 'icmp') return (d) => d.ip?.proto === 1;
    if (t === 'arp') return (d) => d.arp !== undefined;
    if (t === 'ip') return (d) => d.ip !== undefined;
    if (t === 'src' || t === 'dst') {
      if (this.peek() === 'and' || this.peek() === 'or') throw new FilterError(SYNTAX);
      return this.qualified(t);
    }
    if (t === 'host' || t === 'net' || t === 'port' || t === 'portrange') { this.k--; return this.qualified('either'); }
    if (parseIp(t) !== undefined) return this.hostTest('either', t);
    throw new FilterError(SYNTAX);
  }

  private qualified(dir: Dir): FrameTest {
    const kind = this.peek() === 'host' || this.peek() === 'net' || this.peek() === 'port' || this.peek() === 'portrange' ? this.next() : 'host';
    const value = this.next();
    if (kind === 'host') return this.hostTest(dir, value);
    if (kind === 'net') {
      let text = value;
      if (this.peek() === 'mask') { this.k++; text = `${value}/${maskLength(this.next())}`; }
      const [addrText, lenText] = (text.includes('/') ? text : fullNet(text)).split('/') as [string, string];
      const net = { addr: parseIp(addrText), len: Number(lenText) };
      if (net.addr === undefined || !Number.isInteger(net.len)) throw new FilterError(`unknown network '${text}'`);
      if (net.len > 32) throw new FilterError('mask length must be <= 32');
      if (net.len < 32 && ((net.addr << net.len) >>> 0) !== 0) throw new FilterError(`non-network bits set in "${text}"`);
      const mask = net.len === 0 ? 0 : (0xffffffff << (32 - net.len)) >>> 0;
      const base = net.addr;
      return (d) => matchDir(dir, ipEnds(d), (v) => ((v & mask) >>> 0) === base);
    }
    const range = kind === 'portrange' ? value.split('-') : [value, value];
    if (range.length !== 2 || range.some((r) => r === '')) throw new FilterError(SYNTAX);
    const [a, b] = range.map(portNumber) as [number, number];
    const [lo, hi] = a <= b ? [a, b] : [b, a];
    return (d) => d.sport !== undefined && matchDir(dir, [d.sport, d.dport!], (v) => v >= lo && v <= hi);
  }

  private hostTest(dir: Dir, value: string): FrameTest {
    // libpcap reads a host written with fewer than four octets as the network they make (`host 10.244.1`).
    const octets = value.split('.');
    if (/^\d+(\.\d+){0,2}$/.test(value)) {
      const net = parseCidr(fullNet(value))!;
      const mask = (0xffffffff << (32 - 8 * octets.length)) >>> 0;
      return (d) => matchDir(dir, ipEnds(d), (v) => ((v & mask) >>> 0) === net.addr);
    }
    const ip = parseIp(value);
    if (ip === undefined) throw new FilterError(`unknown host '${value}'`);
    return (d) => matchDir(dir, ipEnds(d), (v) => v === ip);
  }

  /** `tcp[tcpflags] & (tcp-syn|tcp-rst) != 0`, `tcp[13] & 2 != 0`, `tcp[tcpflags] == tcp-syn`. */
  private tcpFlags(first: string): FrameTest {
    const index = /^tcp\[(tcpflags|13)\]$/.exec(first);
    if (!index) throw new FilterError(SYNTAX);
    let mask = 0xff;
    if (this.peek() === '&') { this.k++; mask = this.flagValue(); }
    const op = this.next();
    const value = this.flagValue();
    const cmp: (a: number) => boolean = op === '!=' ? (a) => a !== value : op === '=' || op === '==' ? (a) => a === value : op === '>' ? (a) => a > value : op === '<' ? (a) => a < value : (() => { throw new FilterError(SYNTAX); })();
    return (d) => d.ip?.proto === 6 && cmp(d.bytes[d.ip.l4 + 13]! & mask);
  }

  private flagValue(): number {
    const t = this.next();
    if (t === '(') {
      let v = this.flagValue();
      while (this.peek() === '|') { this.k++; v |= this.flagValue(); }
      if (this.next() !== ')') throw new FilterError(SYNTAX);
      return v;
    }
    if (Object.hasOwn(TCP_FLAG_NAMES, t)) return TCP_FLAG_NAMES[t]!;
    const n = Number(t);
    if (!Number.isInteger(n)) throw new FilterError(SYNTAX);
    return n;
  }
}

function portNumber(t: string): number {
  const n = Object.hasOwn(PORT_NAMES, t) ? PORT_NAMES[t]! : /^\d+$/.test(t) ? Number(t) : NaN;
  if (Number.isNaN(n)) throw new FilterError(`unknown port '${t}'`);
  if (n > 65535) throw new FilterError(`illegal port number ${n} > 65535`);
  return n;
}

function maskLength(mask: string): number {
  const m = parseIp(mask);
  if (m === undefined) throw new FilterError('invalid net mask');
  let len = 0;
  while (len < 32 && ((m << len) & 0x80000000) !== 0) len++;
  return len;
}

/** A net given without a length: as many octets as written (`net 10.244` is 10.244.0.0/16). */
function fullNet(text: string): string {
  const octets = text.split('.');
  return `${[...octets, '0', '0', '0'].slice(0, 4).join('.')}/${8 * octets.length}`;
}

/** The predicate of EXPR (empty: every frame); throws FilterError with libpcap's words. */
export function compileFilter(expr: string): FrameTest {
  const toks = tokens(expr);
  if (toks.length === 0) return () => true;
  return new Parser(toks).parse();
}
