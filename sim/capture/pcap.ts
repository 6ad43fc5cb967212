// Classic pcap files as tcpdump -w writes them (little-endian, microseconds, snaplen 262144): Ethernet (linktype 1)
// for one interface, Linux cooked v2 (linktype 276) for `-i any`; and reading them back for `tcpdump -r`.

export const LINKTYPE_ETHERNET = 1;
export const LINKTYPE_LINUX_SLL2 = 276;
export const SNAPLEN = 262144;
const MAGIC_US = 0xa1b2c3d4;
const MAGIC_NS = 0xa1b23c4d;

/** One captured frame: when (µs since the epoch) and its link-layer bytes. */
export interface PcapRecord {
  readonly tsUs: number;
  readonly data: Uint8Array;
}

export interface PcapFile {
  readonly linktype: number;
  readonly snaplen: number;
  readonly records: readonly PcapRecord[];
}

/** The file's bytes: the 24-byte global header, then per record ts_sec, ts_usec, incl_len, orig_len and the frame. */
export function writePcap(linktype: number, records: readonly PcapRecord[]): Uint8Array {
  const size = 24 + records.reduce((n, r) => n + 16 + r.data.length, 0);
  const buf = new Uint8Array(size);
  const view = new DataView(buf.buffer);
  view.setUint32(0, MAGIC_US, true);
  view.setUint16(4, 2, true);
  view.setUint16(6, 4, true);
  view.setUint32(16, SNAPLEN, true);
  view.setUint32(20, linktype, true);
  let at = 24;
  for (const r of records) {
    view.setUint32(at, Math.floor(r.tsUs / 1e6), true);
    view.setUint32(at + 4, r.tsUs % 1e6, true);
    view.setUint32(at + 8, r.data.length, true);
    view.setUint32(at + 12, r.data.length, true);
    buf.set(r.data, at + 16);
    at += 16 + r.data.length;
  }
  return buf;
}

/** Reads a classic pcap file; the error is libpcap's text as tcpdump prints it after `tcpdump: `. */
export function readPcap(bytes: Uint8Array): { ok: true; file: PcapFile; truncated?: string } | { ok: false; error: string } {
  if (bytes.length < 24) {
    const got = bytes.length < 4 ? bytes.length : bytes.length - 4;
    return { ok: false, error: bytes.length < 4 ? `truncated dump file; tried to read 4 file header bytes, only got ${got}` : `truncated dump file; tried to read 24 file header bytes, only got ${got}` };
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magicLe = view.getUint32(0, true);
  const magicBe = view.getUint32(0, false);
  const le = magicLe === MAGIC_US || magicLe === MAGIC_NS;
  if (!le && magicBe !== MAGIC_US && magicBe !== MAGIC_NS) return { ok: false, error: 'unknown file format' };
  const nano = (le ? magicLe : magicBe) === MAGIC_NS;
  const snaplen = view.getUint32(16, le) || SNAPLEN;
  const linktype = view.getUint32(20, le);
  const records: PcapRecord[] = [];
  let at = 24;
  while (at < bytes.length) {
    if (at + 16 > bytes.length) return { ok: true, file: { linktype, snaplen, records }, truncated: `truncated dump file; tried to read 16 header bytes, only got ${bytes.length - at}` };
    const sec = view.getUint32(at, le);
    const frac = view.getUint32(at + 4, le);
    const incl = view.getUint32(at + 8, le);
    if (at + 16 + incl > bytes.length) return { ok: true, file: { linktype, snaplen, records }, truncated: `truncated dump file; tried to read ${incl} captured bytes, only got ${bytes.length - at - 16}` };
    records.push({ tsUs: sec * 1e6 + (nano ? Math.floor(frac / 1000) : frac), data: bytes.subarray(at + 16, at + 16 + incl) });
    at += 16 + incl;
  }
  return { ok: true, file: { linktype, snaplen, records } };
}

/** Linux cooked v2 header (20 bytes) in front of an Ethernet frame's payload, as `-i any` captures it. */
export function sll2Frame(ether: Uint8Array, ifindex: number, outgoing: boolean): Uint8Array {
  const out = new Uint8Array(20 + ether.length - 14);
  const view = new DataView(out.buffer);
  view.setUint16(0, (ether[12]! << 8) | ether[13]!, false);
  view.setUint32(4, ifindex, false);
  view.setUint16(8, 1, false); // ARPHRD_ETHER
  out[10] = outgoing ? 4 : 0; // PACKET_OUTGOING / PACKET_HOST
  out[11] = 6;
  out.set(ether.subarray(6, 12), 12);
  out.set(ether.subarray(14), 20);
  return out;
}
