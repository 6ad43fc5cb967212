// DNS records as BIND's tools print them: master-file lines with lib/dns/masterdump.c's column indent (dig), rdata
// text, names with their trailing dot, and the header's flag words.
import type { Answer, Packet as DnsMessage } from 'dns-packet';

/** A name as BIND prints it: absolute, with the trailing dot (the root is "."). */
export function absolute(name: string): string {
  return name === '.' || name === '' ? '.' : `${name.replace(/\.$/, '')}.`;
}

/**
 * masterdump.c indent(): from column FROM to column TO with tabs (width 8) and spaces; at least one blank. Returns
 * the blanks and the new column.
 */
function indent(from: number, to: number): { text: string; col: number } {
  const target = Math.max(to, from + 1);
  const tabs = Math.floor(target / 8) - Math.floor(from / 8);
  let col = tabs > 0 ? target - (target % 8) : from;
  const text = '\t'.repeat(tabs) + ' '.repeat(target - col);
  col = target;
  return { text, col };
}

/** Fields laid out at BIND's columns (TTL 24, class 32, type 40, rdata 48); FIRST_COL lets the question skip its ';'. */
function columns(fields: readonly string[], stops: readonly number[]): string {
  let out = fields[0]!;
  let col = out.length;
  for (let i = 1; i < fields.length; i++) {
    const gap = indent(col, stops[i - 1]!);
    out += gap.text + fields[i]!;
    col = gap.col + fields[i]!.length;
  }
  return out;
}

/** A record's rdata in presentation format. */
export function rdataText(a: Answer): string {
  const data = (a as { data?: unknown }).data;
  if (a.type === 'SOA') {
    const s = data as { mname: string; rname: string; serial: number; refresh: number; retry: number; expire: number; minimum: number };
    return `${absolute(s.mname)} ${absolute(s.rname)} ${s.serial} ${s.refresh} ${s.retry} ${s.expire} ${s.minimum}`;
  }
  if (a.type === 'PTR' || a.type === 'NS' || a.type === 'CNAME') return absolute(String(data));
  return String(data);
}

/** `NAME TTL IN TYPE RDATA` at BIND's columns. */
export function recordLine(a: Answer): string {
  const ttl = String((a as { ttl?: number }).ttl ?? 0);
  return columns([absolute(a.name), ttl, 'IN', a.type, rdataText(a)], [24, 32, 40, 48]);
}

/** `;NAME IN TYPE` of the question section (columns counted without the ';'). */
export function questionLine(name: string, type: string): string {
  return `;${columns([absolute(name), 'IN', type], [32, 40])}`;
}

/** The header's flags as dig names them, in BIND's order. */
export function flagWords(m: DnsMessage): string {
  const f = m.flags ?? 0;
  const words: string[] = [];
  if (m.type === 'response') words.push('qr');
  for (const [bit, word] of [[10, 'aa'], [9, 'tc'], [8, 'rd'], [7, 'ra'], [5, 'ad'], [4, 'cd']] as const) if ((f >> bit) & 1) words.push(word);
  return words.join(' ');
}

/** Whether the reply offers recursion (RA). */
export const recursionAvailable = (m: DnsMessage): boolean => (((m.flags ?? 0) >> 7) & 1) === 1;
/** Whether the reply is authoritative (AA). */
export const authoritative = (m: DnsMessage): boolean => (((m.flags ?? 0) >> 10) & 1) === 1;

/** The in-addr.arpa name of a dotted IPv4 address. */
export function reverseName(dotted: string): string {
  return `${dotted.split('.').reverse().join('.')}.in-addr.arpa`;
}
