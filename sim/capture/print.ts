// tcpdump 4.99.3's one-line decode of a frame (print-ether/arp/ip/icmp/udp/tcp): `IP a > b: ...`, `-e` link
// headers, `-v` IP headers and quoted datagrams, `-q`, `-t`, and `-i any`'s interface and direction columns.
import { formatIp } from '../../topology/address.js';
import { decodeFrame, quotedIp, type Decoded, type IpFields } from './decode.js';
import { inetChecksum } from './frame.js';
import { dnsText } from './print-dns.js';
import { httpText } from './print-http.js';
import { dumpText, type DumpOptions } from './print-dump.js';
import { LINKTYPE_LINUX_SLL2 } from './pcap.js';

export interface PrintOptions {
  /** -n: no address names (and -nn no port names: tcpdump 4.99 names ports only without any -n). */
  readonly numeric: boolean;
  readonly ether: boolean;
  /** Number of -v. */
  readonly verbose: number;
  readonly quiet: boolean;
  /** -t: no time; -tttt: date and time. */
  readonly time: 'clock' | 'none' | 'date';
  /** -A, -X or -x: the frame's bytes after its line. */
  readonly dump?: DumpOptions;
  /** Name of an address (without -n): /etc/hosts then PTR, as the place resolves it. */
  readonly name?: (ip: number) => string | undefined;
}

/** Port names tcpdump takes from /etc/services for the ports the lab uses (printed without -n). */
const PORT_NAMES: Readonly<Record<number, string>> = { 22: 'ssh', 53: 'domain', 80: 'http', 443: 'https', 8080: 'http-alt' };
const DNS_PORT = 53;
/** HTTP_PORT and HTTP_PORT_ALT: tcp_print hands their payload to http_print. */
const HTTP_PORTS = new Set([80, 8080]);
const PROTO_NAMES: Readonly<Record<number, string>> = { 1: 'ICMP', 6: 'TCP', 17: 'UDP' };
const UNREACH_HOST_TEXT: Readonly<Record<number, string>> = {
  0: 'net %s unreachable', 1: 'host %s unreachable', 5: '%s unreachable - source route failed', 6: 'net %s unreachable - unknown',
  7: 'host %s unreachable - unknown', 8: '%s unreachable - source host isolated', 9: 'net %s unreachable - admin prohibited',
  10: 'host %s unreachable - admin prohibited', 11: 'net %s unreachable - tos prohibited', 12: 'host %s unreachable - tos prohibited',
  13: 'host %s unreachable - admin prohibited filter', 14: 'host %s unreachable - host precedence violation', 15: 'host %s unreachable - precedence cutoff',
};

/** TCP connections seen so far (tcpdump's tcp_seq_hash): relative sequence numbers after the first ACK-bearing segment. */
export type TcpSeqState = Map<string, { seq: number; ack: number }>;

/** `HH:MM:SS.uuuuuu` (UTC, as in a pod), or with -tttt `YYYY-MM-DD HH:MM:SS.uuuuuu`. */
export function timeText(tsUs: number, mode: PrintOptions['time']): string {
  if (mode === 'none') return '';
  const d = new Date(Math.floor(tsUs / 1000));
  const clock = `${d.toISOString().slice(11, 19)}.${String(tsUs % 1_000_000).padStart(6, '0')}`;
  return mode === 'date' ? `${d.toISOString().slice(0, 10)} ${clock} ` : `${clock} `;
}

function addr(ip: number, o: PrintOptions): string {
  return (!o.numeric && o.name?.(ip)) || formatIp(ip);
}

function port(p: number, o: PrintOptions): string {
  return !o.numeric && PORT_NAMES[p] ? PORT_NAMES[p]! : String(p);
}

function view(d: Decoded): DataView {
  return new DataView(d.bytes.buffer, d.bytes.byteOffset, d.bytes.byteLength);
}

function icmpText(d: Decoded, ip: IpFields, o: PrintOptions): string {
  const v = view(d);
  const type = v.getUint8(ip.l4);
  const code = v.getUint8(ip.l4 + 1);
  const plen = ip.length - (ip.l4 - ip.at);
  const inner = quotedIp(d);
  const innerDst = inner ? addr(inner.dst, o) : '?';
  let text: string;
  if (type === 0 || type === 8) text = `echo ${type === 8 ? 'request' : 'reply'}, id ${v.getUint16(ip.l4 + 4)}, seq ${v.getUint16(ip.l4 + 6)}`;
  else if (type === 11) text = code === 0 ? 'time exceeded in-transit' : code === 1 ? 'ip reassembly time exceeded' : `time exceeded-#${code}`;
  else if (type === 3 && code === 3 && inner) {
    const dport = v.getUint16(inner.l4 + 2);
    text = inner.proto === 6 || inner.proto === 17 ? `${innerDst} ${inner.proto === 6 ? 'tcp' : 'udp'} port ${port(dport, o)} unreachable` : `${innerDst} protocol ${inner.proto} port ${dport} unreachable`;
  } else if (type === 3 && code === 2) text = `${innerDst} protocol ${inner?.proto ?? 0} unreachable`;
  else if (type === 3 && code === 4) {
    const mtu = v.getUint16(ip.l4 + 6);
    text = mtu ? `${innerDst} unreachable - need to frag (mtu ${mtu})` : `${innerDst} unreachable - need to frag`;
  } else if (type === 3) text = (UNREACH_HOST_TEXT[code] ?? `%s unreachable - #${code}`).replace('%s', innerDst);
  else text = `type-#${type}`;
  let out = `ICMP ${text}, length ${plen}`;
  if (o.verbose > 0 && type !== 0 && type !== 8 && inner) out += `\n\t${ipText(d, inner, o, true)}`;
  return out;
}

function tcpOptions(v: DataView, from: number, to: number): string {
  const parts: string[] = [];
  for (let k = from; k < to;) {
    const kind = v.getUint8(k);
    if (kind === 0) { parts.push('eol'); break; }
    if (kind === 1) { parts.push('nop'); k++; continue; }
    const len = v.getUint8(k + 1);
    if (kind === 2) parts.push(`mss ${v.getUint16(k + 2)}`);
    else if (kind === 3) parts.push(`wscale ${v.getUint8(k + 2)}`);
    else if (kind === 4) parts.push('sackOK');
    else if (kind === 8) parts.push(`TS val ${v.getUint32(k + 2)} ecr ${v.getUint32(k + 6)}`);
    else parts.push(`opt-${kind}`);
    k += Math.max(len, 2);
  }
  return parts.join(',');
}

const TCP_FLAGS: readonly (readonly [number, string])[] = [[0x02, 'S'], [0x01, 'F'], [0x08, 'P'], [0x04, 'R'], [0x20, 'U'], [0x40, 'E'], [0x80, 'W'], [0x10, '.']];

function tcpText(d: Decoded, ip: IpFields, o: PrintOptions, seqs: TcpSeqState): string {
  const v = view(d);
  const at = ip.l4;
  const off = (v.getUint8(at + 12) >> 4) * 4;
  const flags = v.getUint8(at + 13);
  const payload = ip.length - (at - ip.at) - off;
  if (o.quiet) return `tcp ${payload}`;
  const flagText = TCP_FLAGS.filter(([bit]) => flags & bit).map(([, c]) => c).join('') || 'none';
  let seq = v.getUint32(at + 4);
  let ack = v.getUint32(at + 8);
  const fwd = `${ip.src}.${d.sport}>${ip.dst}.${d.dport}`;
  const rev = `${ip.dst}.${d.dport}>${ip.src}.${d.sport}`;
  if (flags & 0x10) {
    const known = seqs.get(fwd);
    const back = seqs.get(rev);
    if ((known === undefined && back === undefined) || flags & 0x02) {
      seqs.set(fwd, { seq, ack: (ack - 1) >>> 0 });
      seqs.set(rev, { seq: (ack - 1) >>> 0, ack: seq });
    } else {
      const base = known ?? { seq: back!.ack, ack: back!.seq };
      seq = (seq - base.seq) >>> 0;
      ack = (ack - base.ack) >>> 0;
    }
  }
  let out = `Flags [${flagText}]`;
  if (o.verbose > 0) {
    const sum = l4Checksum(d, ip);
    const stored = v.getUint16(at + 16);
    out += sum === 0 ? `, cksum 0x${stored.toString(16).padStart(4, '0')} (correct)` : `, cksum 0x${stored.toString(16).padStart(4, '0')} (incorrect)`;
  }
  if (o.verbose > 1 || payload > 0 || flags & 0x07) out += payload > 0 ? `, seq ${seq}:${(seq + payload) >>> 0}` : `, seq ${seq}`;
  if (flags & 0x10) out += `, ack ${ack}`;
  out += `, win ${v.getUint16(at + 14)}`;
  if (off > 20) out += `, options [${tcpOptions(v, at + 20, at + off)}]`;
  const http = payload > 0 && (HTTP_PORTS.has(d.sport!) || HTTP_PORTS.has(d.dport!));
  return `${out}, length ${payload}${http ? `: ${httpText(d.bytes, at + off, payload, o.verbose)}` : ''}`;
}

/** -vv's `[udp sum ok] ` for a whole datagram whose checksum verifies (-v says nothing then). */
function udpSum(d: Decoded, ip: IpFields, o: PrintOptions): string {
  const len = ip.length - (ip.l4 - ip.at);
  if (o.verbose < 2 || ip.l4 + len > d.bytes.length || new DataView(d.bytes.buffer, d.bytes.byteOffset).getUint16(ip.l4 + 6) === 0) return '';
  return l4Checksum(d, ip) === 0 ? '[udp sum ok] ' : '';
}

/** The TCP or UDP checksum over the pseudo-header: 0 when the stored one is right. */
function l4Checksum(d: Decoded, ip: IpFields): number {
  const len = ip.length - (ip.l4 - ip.at);
  const pseudo = [ip.src >>> 24, (ip.src >>> 16) & 0xff, (ip.src >>> 8) & 0xff, ip.src & 0xff, ip.dst >>> 24, (ip.dst >>> 16) & 0xff, (ip.dst >>> 8) & 0xff, ip.dst & 0xff, 0, ip.proto, len >>> 8, len & 0xff];
  return inetChecksum(d.bytes, ip.l4, ip.l4 + len, ~inetChecksum(pseudo) & 0xffff);
}

/** What udp_print prints after the addresses: the DNS decode for port 53 (not with -q), else `UDP, length N`. */
function udpBody(d: Decoded, ip: IpFields, o: PrintOptions, sport: number, dport: number): string {
  const ulen = view(d).getUint16(ip.l4 + 4) - 8;
  if (o.quiet || (sport !== DNS_PORT && dport !== DNS_PORT)) return `UDP, length ${ulen}`;
  return dnsText(d.bytes, ip.l4 + 8, Math.min(ulen, ip.length - (ip.l4 - ip.at) - 8), o.verbose);
}

function l4Text(d: Decoded, ip: IpFields, o: PrintOptions, seqs: TcpSeqState, quoted: boolean): string {
  const v = view(d);
  const ends = (a: string, b: string) => `${a} > ${b}: `;
  if (ip.proto === 1 && !quoted) return `${ends(addr(ip.src, o), addr(ip.dst, o))}${icmpText(d, ip, o)}`;
  if (ip.proto === 17 || ip.proto === 6) {
    const sport = v.getUint16(ip.l4), dport = v.getUint16(ip.l4 + 2);
    const head = ends(`${addr(ip.src, o)}.${port(sport, o)}`, `${addr(ip.dst, o)}.${port(dport, o)}`);
    if (ip.proto === 17) return `${head}${udpSum(d, ip, o)}${udpBody(d, ip, o, sport, dport)}`;
    if (quoted) return `${head}Flags [${TCP_FLAGS.filter(([b]) => v.getUint8(ip.l4 + 13) & b).map(([, c]) => c).join('')}], seq ${v.getUint32(ip.l4 + 4)}, win ${v.getUint16(ip.l4 + 14)}, length 0`;
    return `${head}${tcpText(d, ip, o, seqs)}`;
  }
  if (ip.proto === 1) {
    const type = v.getUint8(ip.l4);
    const head = ends(addr(ip.src, o), addr(ip.dst, o));
    return type === 0 || type === 8 ? `${head}ICMP echo ${type === 8 ? 'request' : 'reply'}, id ${v.getUint16(ip.l4 + 4)}, seq ${v.getUint16(ip.l4 + 6)}, length ${ip.length - 20}` : `${head}ICMP type-#${type}, length ${ip.length - 20}`;
  }
  return `${ends(addr(ip.src, o), addr(ip.dst, o))}ip-proto-${ip.proto} ${ip.length - 20}`;
}

/** `IP ...` (or with -v `IP (tos ...)\n    ...`); QUOTED: the datagram an ICMP error carries. */
function ipText(d: Decoded, ip: IpFields, o: PrintOptions, quoted: boolean, seqs: TcpSeqState = new Map()): string {
  const body = l4Text(d, ip, o, seqs, quoted);
  if (o.verbose === 0) return `IP ${body}`;
  const flags = ip.df ? 'DF' : 'none';
  const head = `IP (tos 0x${ip.tos.toString(16)}, ttl ${ip.ttl}, id ${ip.id}, offset ${ip.offset}, flags [${flags}], proto ${PROTO_NAMES[ip.proto] ?? 'unknown'} (${ip.proto}), length ${ip.length})`;
  return `${head}\n    ${body}`;
}

function arpText(d: Decoded, o: PrintOptions): string {
  const a = d.arp!;
  const head = o.verbose > 0 ? 'ARP, Ethernet (len 6), IPv4 (len 4), ' : 'ARP, ';
  return a.op === 1
    ? `${head}Request who-has ${addr(a.targetIp, o)} tell ${addr(a.senderIp, o)}, length ${a.length}`
    : `${head}Reply ${addr(a.senderIp, o)} is-at ${a.senderMac}, length ${a.length}`;
}

/** -i any's columns: the interface (`%-5s `) and the packet type (`%-3s `: In, Out, P for another host's frame, B, M). */
export interface AnyColumns {
  readonly ifname: string;
  readonly pkttype: 'In' | 'Out' | 'P' | 'B' | 'M';
}

/** One frame as tcpdump prints it (without the trailing newline): its line, then any -A/-X/-x dump. */
export function printFrame(bytes: Uint8Array, linktype: number, tsUs: number, o: PrintOptions, seqs: TcpSeqState, any?: AnyColumns): string {
  const line = frameLine(bytes, linktype, tsUs, o, seqs, any);
  return o.dump ? `${line}${dumpText(bytes, linktype === LINKTYPE_LINUX_SLL2 ? 20 : 14, o.dump)}` : line;
}

function frameLine(bytes: Uint8Array, linktype: number, tsUs: number, o: PrintOptions, seqs: TcpSeqState, any?: AnyColumns): string {
  const d = decodeFrame(bytes, linktype);
  const time = timeText(tsUs, o.time);
  const cols = any ? `${any.ifname.padEnd(5)} ${any.pkttype.padEnd(3)} ` : '';
  const body = d.arp ? arpText(d, o) : d.ip ? ipText(d, d.ip, o, false, seqs) : `ethertype Unknown (0x${d.ethertype.toString(16).padStart(4, '0')}), length ${d.frameLength}`;
  if (!o.ether || any) return `${time}${cols}${body}`;
  const type = d.arp ? 'ARP (0x0806)' : 'IPv4 (0x0800)';
  const rest = d.arp ? body.replace(/^ARP, /, '') : body.replace(/^IP /, '');
  return `${time}${d.srcMac} > ${d.dstMac}, ethertype ${type}, length ${d.frameLength}: ${rest}`;
}
