// IPv4 addresses and prefixes as uint32 numbers: parsing, formatting, masks and containment.

/** An IPv4 prefix: network address (host bits zero) and length. */
export interface Cidr {
  readonly addr: number;
  readonly len: number;
}

/** An address assigned to an interface, with its prefix length (10.244.1.1/24). */
export interface IfAddr {
  readonly ip: number;
  readonly len: number;
}

const DOTTED = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** Parses a dotted quad into a uint32, or returns undefined when it is not one. */
export function parseIp(text: string): number | undefined {
  const m = DOTTED.exec(text);
  if (!m) return undefined;
  let value = 0;
  for (let i = 1; i <= 4; i++) {
    const octet = Number(m[i]);
    if (octet > 255 || (m[i]!.length > 1 && m[i]!.startsWith('0'))) return undefined;
    value = value * 256 + octet;
  }
  return value >>> 0;
}

/** Parses a dotted quad, throwing a message-only Error when it is not one. */
export function ip(text: string): number {
  const value = parseIp(text);
  if (value === undefined) throw new Error(`invalid IPv4 address "${text}"`);
  return value;
}

export function formatIp(value: number): string {
  return `${value >>> 24}.${(value >>> 16) & 255}.${(value >>> 8) & 255}.${value & 255}`;
}

export function maskOf(len: number): number {
  return len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
}

export function networkOf(value: number, len: number): number {
  return (value & maskOf(len)) >>> 0;
}

export function contains(prefix: Cidr, value: number): boolean {
  return networkOf(value, prefix.len) === prefix.addr;
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  const len = Math.min(a.len, b.len);
  return networkOf(a.addr, len) === networkOf(b.addr, len);
}

/** Parses "A.B.C.D/N" (or a bare address as /32). `strict` rejects host bits set. */
export function parseCidr(text: string, strict = true): Cidr | undefined {
  const slash = text.indexOf('/');
  const addr = parseIp(slash < 0 ? text : text.slice(0, slash));
  if (addr === undefined) return undefined;
  if (slash < 0) return { addr, len: 32 };
  const lenText = text.slice(slash + 1);
  if (!/^\d{1,2}$/.test(lenText)) return undefined;
  const len = Number(lenText);
  if (len > 32) return undefined;
  if (strict && networkOf(addr, len) !== addr) return undefined;
  return { addr: networkOf(addr, len), len };
}

export function cidr(text: string): Cidr {
  const value = parseCidr(text);
  if (!value) throw new Error(`invalid IPv4 prefix "${text}"`);
  return value;
}

/** Parses "A.B.C.D/N" as an interface address (host bits kept). */
export function parseIfAddr(text: string): IfAddr | undefined {
  const slash = text.indexOf('/');
  if (slash < 0) return undefined;
  const value = parseIp(text.slice(0, slash));
  const lenText = text.slice(slash + 1);
  if (value === undefined || !/^\d{1,2}$/.test(lenText) || Number(lenText) > 32) return undefined;
  return { ip: value, len: Number(lenText) };
}

export function formatCidr(prefix: Cidr): string {
  return `${formatIp(prefix.addr)}/${prefix.len}`;
}

/** iproute2 prints a /32 destination without its length and 0.0.0.0/0 as "default". */
export function formatRouteDst(prefix: Cidr): string {
  if (prefix.len === 0) return 'default';
  return prefix.len === 32 ? formatIp(prefix.addr) : formatCidr(prefix);
}

export function formatIfAddr(a: IfAddr): string {
  return `${formatIp(a.ip)}/${a.len}`;
}

export function subnetOf(a: IfAddr): Cidr {
  return { addr: networkOf(a.ip, a.len), len: a.len };
}

export function broadcastOf(prefix: Cidr): number {
  return (prefix.addr | (~maskOf(prefix.len) >>> 0)) >>> 0;
}

export function sameCidr(a: Cidr, b: Cidr): boolean {
  return a.addr === b.addr && a.len === b.len;
}

/** True for RFC 1918 private addresses (tcptraceroute never resolves these). */
export function isPrivate(value: number): boolean {
  return (value >>> 24) === 10 || (value >>> 20) === 0xac1 || (value >>> 16) === 0xc0a8;
}

/** True for the documentation ranges external lab hosts must use (RFC 5737). */
export function isDocumentationRange(value: number): boolean {
  const net24 = value >>> 8;
  return net24 === 0xc00002 || net24 === 0xc63364 || net24 === 0xcb0071;
}
