// A captured frame's bytes read back into fields (Ethernet or Linux cooked v2, ARP, IPv4, ICMP, UDP, TCP): what
// tcpdump's printers and the pcap-filter evaluator look at, whether the frame came from the tap or from a file.
import { LINKTYPE_LINUX_SLL2 } from './pcap.js';

export interface IpFields {
  readonly tos: number;
  readonly length: number;
  readonly id: number;
  readonly df: boolean;
  readonly offset: number;
  readonly ttl: number;
  readonly proto: number;
  readonly src: number;
  readonly dst: number;
  readonly checksum: number;
  /** Byte offset of the IP header in the frame, and of its payload. */
  readonly at: number;
  readonly l4: number;
}

export interface Decoded {
  readonly bytes: Uint8Array;
  readonly srcMac?: string;
  readonly dstMac?: string;
  /** -i any: the interface index and packet type of the cooked header. */
  readonly sll?: { readonly ifindex: number; readonly outgoing: boolean };
  readonly ethertype: number;
  /** Bytes on the wire from the link-layer header on. */
  readonly frameLength: number;
  readonly ip?: IpFields;
  readonly arp?: { readonly op: number; readonly senderMac: string; readonly senderIp: number; readonly targetIp: number; readonly length: number };
  readonly sport?: number;
  readonly dport?: number;
}

export function macText(b: Uint8Array, at: number): string {
  return Array.from(b.subarray(at, at + 6), (x) => x.toString(16).padStart(2, '0')).join(':');
}

function ipAt(v: DataView, at: number): IpFields | undefined {
  if (v.byteLength < at + 20 || v.getUint8(at) >> 4 !== 4) return undefined;
  const ihl = (v.getUint8(at) & 0xf) * 4;
  const fl = v.getUint16(at + 6);
  return {
    tos: v.getUint8(at + 1), length: v.getUint16(at + 2), id: v.getUint16(at + 4), df: (fl & 0x4000) !== 0, offset: (fl & 0x1fff) * 8,
    ttl: v.getUint8(at + 8), proto: v.getUint8(at + 9), checksum: v.getUint16(at + 10), src: v.getUint32(at + 12), dst: v.getUint32(at + 16),
    at, l4: at + ihl,
  };
}

/** The fields of a frame of LINKTYPE (1: Ethernet, 276: Linux cooked v2). */
export function decodeFrame(bytes: Uint8Array, linktype: number): Decoded {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const cooked = linktype === LINKTYPE_LINUX_SLL2;
  const ethertype = v.getUint16(cooked ? 0 : 12);
  const at = cooked ? 20 : 14;
  const link = cooked
    ? { sll: { ifindex: v.getUint32(4), outgoing: v.getUint8(10) === 4 }, srcMac: macText(bytes, 12) }
    : { srcMac: macText(bytes, 6), dstMac: macText(bytes, 0) };
  const base = { bytes, ethertype, frameLength: bytes.length, ...link };
  if (ethertype === 0x0806 && v.byteLength >= at + 28) {
    return { ...base, arp: { op: v.getUint16(at + 6), senderMac: macText(bytes, at + 8), senderIp: v.getUint32(at + 14), targetIp: v.getUint32(at + 24), length: 28 } };
  }
  const ip = ethertype === 0x0800 ? ipAt(v, at) : undefined;
  if (!ip) return base;
  const ports = (ip.proto === 6 || ip.proto === 17) && v.byteLength >= ip.l4 + 4 ? { sport: v.getUint16(ip.l4), dport: v.getUint16(ip.l4 + 2) } : {};
  return { ...base, ip, ...ports };
}

/** The IPv4 datagram an ICMP error quotes (its header and first bytes), decoded as a frame's IP part. */
export function quotedIp(d: Decoded): IpFields | undefined {
  if (!d.ip || d.ip.proto !== 1) return undefined;
  const v = new DataView(d.bytes.buffer, d.bytes.byteOffset, d.bytes.byteLength);
  return ipAt(v, d.ip.l4 + 8);
}
