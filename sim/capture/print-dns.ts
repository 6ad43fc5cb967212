// tcpdump 4.99.3's DNS decode of a datagram to or from port 53 (print-domain.c domain_print): the id and flags
// (`+` RD, `*` AA, `-` no RA, `|` TC, `$` AD, rcode names), the counts, the question or the answers, and with -vv the
// question, authority and additional sections of a reply and the rest of a query; `(N)` is the message's length.
import { formatIp } from '../../topology/address.js';

const OPCODES = ['', ' inv_q', ' stat', ' op3', ' notify', ' update', ' op6', ' op7', ' op8', ' updateA', ' updateD', ' updateDA', ' updateM', ' updateMA', ' zoneInit', ' zoneRef'];
const RCODES = [
  '', ' FormErr', ' ServFail', ' NXDomain', ' NotImp', ' Refused', ' YXDomain', ' YXRRSet', ' NXRRSet', ' NotAuth', ' NotZone', ' Resp11',
  ' Resp12', ' Resp13', ' Resp14', ' NoChange', ' BadVers', 'Resp17', ' Resp18', ' Resp19', ' Resp20', 'Resp21', ' Resp22', ' BadCookie',
];
/** ns_type2str for the types a lab's DNS traffic carries (others print as `TypeN`, as tcpdump does for unknown ones). */
const TYPES: Readonly<Record<number, string>> = {
  1: 'A', 2: 'NS', 5: 'CNAME', 6: 'SOA', 12: 'PTR', 13: 'HINFO', 15: 'MX', 16: 'TXT', 28: 'AAAA', 33: 'SRV', 35: 'NAPTR', 39: 'DNAME',
  41: 'OPT', 43: 'DS', 46: 'RRSIG', 47: 'NSEC', 48: 'DNSKEY', 65: 'HTTPS', 252: 'AXFR', 255: 'ANY', 256: 'URI',
};
const CLASSES: Readonly<Record<number, string>> = { 1: 'IN', 3: 'CHAOS', 4: 'HS', 255: 'ANY' };
const EDNS_OPTIONS: Readonly<Record<number, string>> = {
  1: 'LLQ', 2: 'UL', 3: 'NSID', 5: 'DAU', 6: 'DHU', 7: 'N3U', 8: 'ECS', 9: 'EXPIRE', 10: 'COOKIE', 11: 'KEEPALIVE', 12: 'PADDING', 13: 'CHAIN', 14: 'KEY-TAG',
};
const TYPE_A = 1, TYPE_SOA = 6, TYPE_OPT = 41, TYPE_AAAA = 28;

/** Thrown where tcpdump gives up on a message cut short (`[|domain]`). */
class Truncated extends Error {}

/** The message's bytes from its first header byte, cut at the captured end. */
class Message {
  constructor(private readonly b: Uint8Array, private readonly base: number, readonly end: number) {}
  u8(at: number): number {
    if (this.base + at >= this.end) throw new Truncated();
    return this.b[this.base + at]!;
  }
  u16(at: number): number {
    return (this.u8(at) << 8) | this.u8(at + 1);
  }
  u32(at: number): number {
    return this.u16(at) * 65536 + this.u16(at + 2);
  }
  has(at: number): boolean {
    return this.base + at < this.end;
  }
}

/** ns_nskip: the offset after a name (a compression pointer ends it). */
function skipName(m: Message, at: number): number {
  let len = m.u8(at++);
  while (len) {
    if ((len & 0xc0) === 0xc0) return at + 1;
    if ((len & 0xc0) !== 0) throw new Truncated();
    at += len;
    len = m.u8(at++);
  }
  return at;
}

/** A label's bytes as nd_printn prints them (non-printing bytes as `M-` and `^` escapes). */
function labelText(m: Message, at: number, len: number): string {
  let out = '';
  for (let k = 0; k < len; k++) {
    let c = m.u8(at + k);
    if (c & 0x80) { out += 'M-'; c &= 0x7f; }
    out += c < 0x20 || c === 0x7f ? `^${String.fromCharCode(c ^ 0x40)}` : String.fromCharCode(c);
  }
  return out;
}

/** fqdn_print: the name at AT with its trailing dot (`.` for the root), following compression pointers backwards. */
function nameText(m: Message, at: number): string {
  let len = m.u8(at);
  if (len === 0) return '.';
  let out = '';
  let limit = at;
  while (len) {
    if ((len & 0xc0) === 0xc0) {
      const to = ((len << 8) | m.u8(at + 1)) & 0x3fff;
      if (to >= limit) return `${out}<BAD PTR>`;
      limit = to;
      at = to;
    } else {
      out += `${labelText(m, at + 1, len)}.`;
      at += len + 1;
    }
    len = m.u8(at);
  }
  return out;
}

/** unsigned_relts_print: 3600 as `1h`, 90 as `1m30s`. */
function relativeTime(secs: number): string {
  if (secs === 0) return '0s';
  const units: readonly (readonly [number, string])[] = [[31536000, 'y'], [604800, 'w'], [86400, 'd'], [3600, 'h'], [60, 'm'], [1, 's']];
  let out = '';
  for (const [size, unit] of units) {
    if (secs >= size) { out += `${Math.floor(secs / size)}${unit}`; secs %= size; }
  }
  return out;
}

function typeName(t: number): string {
  return TYPES[t] ?? `Type${t}`;
}

/** ns_qprint: ` A? name.`; the offset after the question. */
function question(m: Message, at: number): { text: string; next: number } {
  const after = skipName(m, at);
  const type = m.u16(after);
  const cls = m.u16(after + 2);
  const classText = cls === 1 ? '' : ` ${CLASSES[cls] ?? `(Class ${cls})`}`;
  return { text: ` ${typeName(type)}${classText}? ${nameText(m, at)}`, next: after + 4 };
}

/** eopt_print: one EDNS option (`COOKIE 2642ee5d2991984b`). */
function ednsOption(m: Message, at: number): { text: string; next: number } {
  const code = m.u16(at);
  const len = m.u16(at + 2);
  const data = at + 4;
  if (!m.has(data + len - 1) && len > 0) throw new Truncated();
  let text = EDNS_OPTIONS[code] ?? `Opt${code}`;
  if (len > 0) {
    const hex = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => m.u8(data + from + k).toString(16).padStart(2, '0')).join('');
    if (code === 10) text += len < 8 || (len > 8 && len < 16) || len > 40 ? ' (invalid)' : ` ${hex(0, Math.min(len, 8))}${len > 8 ? ` ${hex(8, len)}` : ''}`;
    else if (code === 12) text += ` (${len})`;
    else if (code === 9 && len === 4) text += ` ${m.u32(data)} sec`;
    else if (code === 11 && len === 2) text += ` ${(m.u16(data) / 10).toFixed(1)} sec`;
    else text += ` ${hex(0, len)}`;
  }
  return { text, next: data + len };
}

/** ns_rprint: one resource record (the owner name only with -v); the offset after it. */
function record(m: Message, at: number, verbose: number): { text: string; next: number } {
  let text = verbose > 0 ? ` ${nameText(m, at)}` : '';
  const p = skipName(m, at);
  const type = m.u16(p);
  const cls = m.u16(p + 2);
  if (cls !== 1 && type !== TYPE_OPT) text += ` ${CLASSES[cls] ?? `(Class ${cls})`}`;
  if (type !== TYPE_OPT && verbose > 2) text += ` [${relativeTime(m.u32(p + 4))}]`;
  const len = m.u16(p + 8);
  const data = p + 10;
  const next = data + len;
  text += ` ${typeName(type)}`;
  if (type === TYPE_A) text += ` ${formatIp(m.u32(data))}`;
  else if (type === 2 || type === 5 || type === 12 || type === 39) text += ` ${nameText(m, data)}`;
  else if (type === TYPE_AAAA) text += ` ${ipv6Text(m, data)}`;
  else if (type === TYPE_SOA && verbose > 0) {
    const rname = skipName(m, data);
    const nums = skipName(m, rname);
    text += ` ${nameText(m, data)} ${nameText(m, rname)}`;
    for (let k = 0; k < 5; k++) text += ` ${m.u32(nums + 4 * k)}`;
  } else if (type === TYPE_OPT) {
    text += ` UDPsize=${cls}${m.u16(p + 6) & 0x8000 ? ' DO' : ''}`;
    if (data < next) {
      const opts: string[] = [];
      for (let o = data; o < next;) { const e = ednsOption(m, o); opts.push(e.text); o = e.next; }
      text += ` [${opts.join(',')}]`;
    }
  }
  return { text, next };
}

/** An IPv6 address as inet_ntop writes it (the longest run of zero groups as `::`). */
function ipv6Text(m: Message, at: number): string {
  const groups = Array.from({ length: 8 }, (_, k) => m.u16(at + 2 * k));
  let best = -1, bestLen = 0;
  for (let k = 0; k < 8;) {
    if (groups[k] !== 0) { k++; continue; }
    let e = k;
    while (e < 8 && groups[e] === 0) e++;
    if (e - k > bestLen && e - k > 1) { best = k; bestLen = e - k; }
    k = e;
  }
  const hex = (g: readonly number[]) => g.map((x) => x.toString(16)).join(':');
  return best < 0 ? hex(groups) : `${hex(groups.slice(0, best))}::${hex(groups.slice(best + bestLen))}`;
}

/** COUNT records from AT joined by commas, behind LEAD when there is any. */
function section(m: Message, at: number, count: number, verbose: number, lead: string): { text: string; next: number } {
  let text = '';
  for (let k = 0; k < count; k++) {
    if (k > 0 && !m.has(at)) throw new Truncated();
    const r = record(m, at, verbose);
    text += `${k === 0 ? lead : ','}${r.text}`;
    at = r.next;
  }
  return { text, next: at };
}

/** The rcode with the OPT record's extended bits (domain_print's first pass over the sections). */
function fullRcode(m: Message, flags: number, counts: readonly number[]): number {
  let rcode = flags & 0xf;
  try {
    let at = 12;
    for (let k = 0; k < counts[0]!; k++) at = skipName(m, at) + 4;
    for (let k = 0; k < counts[1]! + counts[2]!; k++) { at = skipName(m, at) + 8; at += 2 + m.u16(at); }
    for (let k = 0; k < counts[3]!; k++) {
      at = skipName(m, at);
      const type = m.u16(at);
      at += 4;
      if (type === TYPE_OPT) return rcode | (m.u8(at) << 4);
      at += 4;
      at += 2 + m.u16(at);
    }
  } catch (e) {
    if (!(e instanceof Truncated)) throw e;
  }
  return rcode;
}

function replyText(m: Message, flags: number, counts: readonly number[], verbose: number): string {
  const [qd, an, ns, ar] = counts as [number, number, number, number];
  const rcode = fullRcode(m, flags, counts);
  let out = `${m.u16(0)}${OPCODES[(flags >> 11) & 0xf]}${RCODES[rcode] ?? ` Resp${rcode & 0xfff}`}${flags & 0x400 ? '*' : ''}${flags & 0x80 ? '' : '-'}${flags & 0x200 ? '|' : ''}${flags & 0x20 ? '$' : ''}`;
  if (qd !== 1) out += ` [${qd}q]`;
  let at = 12;
  for (let k = 0; k < qd; k++) {
    if (k > 0) out += ',';
    if (verbose > 1) { const q = question(m, at); out += ` q:${q.text}`; at = q.next; } else at = skipName(m, at) + 4;
  }
  out += ` ${an}/${ns}/${ar}`;
  const answers = section(m, at, an, verbose, '');
  out += answers.text;
  if (verbose > 1) {
    const auth = section(m, answers.next, ns, verbose, ' ns:');
    out += auth.text + section(m, auth.next, ar, verbose, ' ar:').text;
  }
  return out;
}

function queryText(m: Message, flags: number, counts: readonly number[], verbose: number): string {
  const [qd, an, ns, ar] = counts as [number, number, number, number];
  const opcode = (flags >> 11) & 0xf;
  let out = `${m.u16(0)}${OPCODES[opcode]}${flags & 0x100 ? '+' : ''}${flags & 0x10 ? '%' : ''}`;
  if (flags & 0x6cf) out += ` [b2&3=0x${flags.toString(16)}]`;
  if (opcode === 1) out += `${qd ? ` [${qd}q]` : ''}${an !== 1 ? ` [${an}a]` : ''}`;
  else out += `${an ? ` [${an}a]` : ''}${qd !== 1 ? ` [${qd}q]` : ''}`;
  if (ns) out += ` [${ns}n]`;
  if (ar) out += ` [${ar}au]`;
  let at = 12;
  for (let k = 0; k < qd; k++) {
    if (k > 0 && !m.has(at)) throw new Truncated();
    const q = question(m, at);
    out += q.text;
    at = q.next;
  }
  if (verbose > 1) {
    const answers = section(m, at, an, verbose, '');
    const auth = section(m, answers.next, ns, verbose, ' ns:');
    out += answers.text + auth.text + section(m, auth.next, ar, verbose, ' ar:').text;
  }
  return out;
}

/** domain_print over UDP: the DNS message of LENGTH bytes at AT in BYTES (the frame, cut where it was captured). */
export function dnsText(bytes: Uint8Array, at: number, length: number, verbose: number): string {
  if (length < 12) return `domain [length ${length} < 12] (invalid)`;
  const m = new Message(bytes, at, Math.min(bytes.length, at + length));
  let body: string;
  try {
    const flags = m.u16(2);
    const counts = [m.u16(4), m.u16(6), m.u16(8), m.u16(10)];
    body = flags & 0x8000 ? replyText(m, flags, counts, verbose) : queryText(m, flags, counts, verbose);
  } catch (e) {
    if (!(e instanceof Truncated)) throw e;
    return ' [|domain]';
  }
  return `${body} (${length})`;
}
