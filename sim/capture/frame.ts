// A tapped frame's bytes: Ethernet, ARP or IPv4 with ICMP/UDP/TCP as the kernel builds them (header fields, TCP
// options, quoted datagrams, checksums), with IP ids, TCP sequence numbers and timestamps drawn from the lab's seed.
import { ICMP_ECHO, ICMP_ECHO_REPLY, ICMP_UNREACH, mix, type Packet } from '../packet.js';
import type { FrameEvent } from './tap.js';
import type { TcpSegment } from './conversation.js';

const ETH_IP = 0x0800;
const ETH_ARP = 0x0806;
const PROTO: Readonly<Record<Packet['protocol'], number>> = { icmp: 1, tcp: 6, udp: 17 };
/** icmp_send() marks its errors IPTOS_PREC_INTERNETCONTROL. */
const TOS_ICMP_ERROR = 0xc0;

/** Bytes of a MAC address text. */
function macBytes(mac: string): number[] {
  return mac.split(':').map((h) => parseInt(h, 16));
}

function u16(out: number[], v: number): void {
  out.push((v >>> 8) & 0xff, v & 0xff);
}

function u32(out: number[], v: number): void {
  out.push((v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff);
}

/** The Internet checksum of BYTES (RFC 1071). */
export function inetChecksum(bytes: ArrayLike<number>, start = 0, end = bytes.length, initial = 0): number {
  let sum = initial;
  for (let k = start; k < end; k += 2) sum += (bytes[k]! << 8) | (k + 1 < end ? bytes[k + 1]! : 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** The client's ephemeral port of a TCP segment (its identity across NAT): the SYN's source, the answers' destination. */
function clientPort(p: Packet): number {
  return p.tcp === 'syn' ? p.sport : p.dport;
}

function isn(seed: number, port: number, side: 1 | 2): number {
  return mix(seed, port, side);
}

/** Windows after the handshake, scaled by wscale 10 (FACTS-L4 §8): the client's 63, the server's 64. */
const CLIENT_WIN = 63, SERVER_WIN = 64;

/** TCP header and options of a segment (the SYN and SYN-ACK carry Linux's mss,sackOK,TS,nop,wscale). */
function tcpSegment(p: Packet, seed: number, atMs: number, seg?: TcpSegment): number[] {
  const port = clientPort(p);
  const client = isn(seed, port, 1);
  const server = isn(seed, port, 2);
  const tsClient = (mix(seed, port, 3) + Math.floor(atMs)) >>> 0;
  const tsServer = (mix(seed, port, 4) + Math.floor(atMs)) >>> 0;
  const h: number[] = [];
  u16(h, p.sport); u16(h, p.dport);
  const opts: number[] = [];
  let seq = 0, ack = 0, flags = 0, win = 0;
  if (seg) {
    const [own, peer] = seg.fromClient ? [client, server] : [server, client];
    [seq, ack, flags, win] = [(own + 1 + seg.seq) >>> 0, (peer + 1 + seg.ack) >>> 0, seg.flags, seg.fromClient ? CLIENT_WIN : SERVER_WIN];
    opts.push(1, 1, 8, 10); u32(opts, seg.fromClient ? tsClient : tsServer); u32(opts, seg.fromClient ? tsServer : tsClient);
  } else if (p.tcp === 'syn' || p.tcp === 'synack') {
    const synack = p.tcp === 'synack';
    [seq, ack, flags, win] = synack ? [server, (client + 1) >>> 0, 0x12, 65160] : [client, 0, 0x02, 64240];
    opts.push(2, 4, 0x05, 0xb4, 4, 2, 8, 10);
    u32(opts, synack ? tsServer : tsClient); u32(opts, synack ? tsClient : 0);
    opts.push(1, 3, 3, 10);
  } else if (p.tcp === 'rst') {
    [seq, ack, flags, win] = [0, (client + 1) >>> 0, 0x14, 0];
  } else {
    [seq, ack, flags, win] = [(server + 1) >>> 0, (client + 1) >>> 0, 0x18, 64];
    opts.push(1, 1, 8, 10); u32(opts, tsServer); u32(opts, tsClient);
  }
  u32(h, seq); u32(h, ack);
  h.push(((20 + opts.length) / 4) << 4, flags);
  u16(h, win); u16(h, 0); u16(h, 0);
  h.push(...opts);
  return h;
}

/** The L4 bytes (header and payload) of P, PAYLOAD bytes long after its header for UDP/ICMP. */
function transport(p: Packet, seed: number, atMs: number, flow: number, segment?: TcpSegment): number[] {
  const payload = Math.max(0, p.length - 28);
  if (segment) return [...tcpSegment(p, seed, atMs, segment), ...(segment.payload ?? [])];
  if (p.protocol === 'tcp') {
    const seg = tcpSegment(p, seed, atMs);
    const data = p.tcp === 'data' ? Math.max(0, p.length - 20 - seg.length) : 0;
    for (let k = 0; k < data; k++) seg.push(0x41 + (k % 26));
    return seg;
  }
  const out: number[] = [];
  if (p.protocol === 'udp') {
    u16(out, p.sport); u16(out, p.dport); u16(out, 8 + payload); u16(out, 0);
    if (p.payload) for (let k = 0; k < payload; k++) out.push(p.payload[k] ?? 0);
    else for (let k = 0; k < payload; k++) out.push(0x40 + (k % 32));
    return out;
  }
  const icmp = p.icmp!;
  out.push(icmp.type, icmp.code, 0, 0);
  if (icmp.type === ICMP_ECHO || icmp.type === ICMP_ECHO_REPLY) {
    u16(out, p.sport); u16(out, p.dport);
    for (let k = 0; k < payload; k++) out.push((k + 0x10) & 0xff);
  } else {
    u16(out, 0); u16(out, icmp.type === ICMP_UNREACH && icmp.code === 4 ? (icmp.mtu ?? 0) : 0);
    // The quoted datagram as it was when the error was made, cut to what the error's length holds.
    if (icmp.inner) out.push(...ipDatagram(icmp.inner, seed, atMs, flow ^ 1).slice(0, payload));
  }
  return out;
}

/** An IPv4 datagram with its header checksum and its transport checksum (UDP/TCP over the pseudo-header). */
export function ipDatagram(p: Packet, seed: number, atMs: number, flow: number, segment?: TcpSegment): number[] {
  const l4 = transport(p, seed, atMs, flow, segment);
  const total = 20 + l4.length;
  const errorTos = p.protocol === 'icmp' && p.icmp !== undefined && p.icmp.type !== ICMP_ECHO && p.icmp.type !== ICMP_ECHO_REPLY;
  const synack = !segment && (p.tcp === 'synack' || p.tcp === 'rst');
  // After the handshake each side's IP ids count on from a seeded start (the SYN-ACK's and RST's id is 0).
  const id = synack ? 0 : (mix(seed, flow, p.protocol === 'icmp' ? p.icmp!.type : p.sport) + (segment ? segment.index + 1 : 0)) & 0xffff;
  const h: number[] = [0x45, errorTos ? TOS_ICMP_ERROR : 0];
  u16(h, total); u16(h, id); u16(h, p.df ? 0x4000 : 0);
  h.push(p.ttl & 0xff, PROTO[p.protocol]); u16(h, 0);
  u32(h, p.src); u32(h, p.dst);
  const ck = inetChecksum(h);
  h[10] = ck >>> 8; h[11] = ck & 0xff;
  if (p.protocol === 'icmp') {
    const c = inetChecksum(l4);
    l4[2] = c >>> 8; l4[3] = c & 0xff;
  } else {
    const pseudo: number[] = [];
    u32(pseudo, p.src); u32(pseudo, p.dst); u16(pseudo, PROTO[p.protocol]); u16(pseudo, l4.length);
    const partial = ~inetChecksum(pseudo) & 0xffff;
    let c = inetChecksum(l4, 0, l4.length, partial);
    if (p.protocol === 'udp' && c === 0) c = 0xffff;
    const at = p.protocol === 'udp' ? 6 : 16;
    l4[at] = c >>> 8; l4[at + 1] = c & 0xff;
  }
  return [...h, ...l4];
}

function arpBody(ev: FrameEvent): number[] {
  const a = ev.arp!;
  const out: number[] = [];
  u16(out, 1); u16(out, ETH_IP); out.push(6, 4); u16(out, a.op === 'request' ? 1 : 2);
  out.push(...macBytes(a.senderMac)); u32(out, a.senderIp);
  out.push(...macBytes(a.targetMac)); u32(out, a.targetIp);
  return out;
}

/** The Ethernet frame of a tap event (without FCS; ARP frames unpadded, as the sender's tap sees them). */
export function frameBytes(ev: FrameEvent, seed: number): Uint8Array {
  const eth: number[] = [...macBytes(ev.dstMac), ...macBytes(ev.srcMac)];
  u16(eth, ev.arp ? ETH_ARP : ETH_IP);
  const body = ev.arp ? arpBody(ev) : ipDatagram(ev.packet!, seed, ev.atMs, ev.flow, ev.segment);
  return Uint8Array.from([...eth, ...body]);
}
