// tcpdump 4.99.3's raw dumps after a packet's line (print.c pretty_print_packet over print-ascii.c): -X hex and
// ASCII, -x hex, -A ASCII, each of the bytes after the link-layer header (doubled, -XX/-xx/-AA: the whole frame).

/** Which dump, and how many times its flag was given (2: with the link-layer header). */
export interface DumpOptions {
  readonly kind: 'X' | 'x' | 'A';
  readonly count: number;
}

const BYTES_PER_LINE = 16;
const HEX_WIDTH = 40;
const graphic = (c: number) => c > 0x20 && c < 0x7f;

/** hex_and_ascii_print: `\n\t0x0000:  4500 0054 ...  E..T` lines, 16 bytes each. */
function hexAndAscii(b: Uint8Array): string {
  let out = '';
  for (let at = 0; at < b.length; at += BYTES_PER_LINE) {
    const row = b.subarray(at, at + BYTES_PER_LINE);
    let hex = '';
    for (let k = 0; k < row.length; k += 2) hex += k + 1 < row.length ? ` ${hx(row[k]!)}${hx(row[k + 1]!)}` : ` ${hx(row[k]!)}`;
    const text = Array.from(row, (c) => (graphic(c) ? String.fromCharCode(c) : '.')).join('');
    out += `\n\t0x${at.toString(16).padStart(4, '0')}: ${hex.padEnd(HEX_WIDTH)}  ${text}`;
  }
  return out;
}

function hx(c: number): string {
  return c.toString(16).padStart(2, '0');
}

/** hex_print: `\n\t0x0000:  4500 0054 ...` lines of 8 shorts. */
function hexOnly(b: Uint8Array): string {
  let out = '';
  for (let k = 0; k < b.length; k += 2) {
    if (k % BYTES_PER_LINE === 0) out += `\n\t0x${k.toString(16).padStart(4, '0')}: `;
    out += k + 1 < b.length ? ` ${hx(b[k]!)}${hx(b[k + 1]!)}` : ` ${hx(b[k]!)}`;
  }
  return out;
}

/** ascii_print: a newline, then each byte as itself (graphic, blank, tab, newline) or `.`; CR before LF left out. */
function asciiOnly(b: Uint8Array): string {
  let out = '\n';
  for (let k = 0; k < b.length; k++) {
    const c = b[k]!;
    const left = b.length - k - 1;
    if (c === 0x0d) {
      if (left > 1 && b[k + 1] !== 0x0a) out += '.';
    } else out += graphic(c) || c === 0x09 || c === 0x20 || c === 0x0a ? String.fromCharCode(c) : '.';
  }
  return out;
}

/** The dump that follows a packet's line, for a frame whose link-layer header is LINKHEADER bytes. */
export function dumpText(frame: Uint8Array, linkHeader: number, o: DumpOptions): string {
  const bytes = o.count > 1 ? frame : frame.subarray(linkHeader);
  if (bytes.length === 0) return '';
  if (o.kind === 'X') return hexAndAscii(bytes);
  if (o.kind === 'x') return hexOnly(bytes);
  return asciiOnly(bytes);
}
