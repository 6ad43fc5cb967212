// tcpdump 4.99.3's HTTP decode of a TCP payload to or from port 80/8080 (print-http.c over util-print.c's
// txtproto_print): `HTTP` and, for a request or response, its first line, or with -v `, length: N` and every text line.

/** print-http.c's httpcmds: the request methods (WebDAV's included). */
const HTTP_COMMANDS = new Set([
  'GET', 'PUT', 'COPY', 'HEAD', 'LOCK', 'MOVE', 'POLL', 'POST', 'BCOPY', 'BMOVE', 'MKCOL', 'TRACE', 'LABEL', 'MERGE', 'DELETE', 'SEARCH',
  'UNLOCK', 'REPORT', 'UPDATE', 'NOTIFY', 'BDELETE', 'CONNECT', 'OPTIONS', 'PROPFIND', 'PROPPATCH', 'SUBSCRIBE', 'UNSUBSCRIBE', 'ORDERPATCH',
]);
const MAX_TOKEN = 128;

const printable = (c: number) => c >= 0x20 && c < 0x7f;

/** fetch_token: the token at IDX and the index after it and the blanks behind it (undefined: none). */
function fetchToken(b: Uint8Array, idx: number, end: number): { token: string; next: number } | undefined {
  let token = '';
  for (; idx < end; idx++) {
    const c = b[idx]!;
    if (c >= 0x80) return undefined;
    if (c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a) break;
    if (!printable(c) || token.length + 2 > MAX_TOKEN) return undefined;
    token += String.fromCharCode(c);
  }
  if (token === '') return undefined;
  for (; idx < end; idx++) {
    const c = b[idx]!;
    if (c === 0x0d || c === 0x0a || !printable(c) || (c !== 0x20 && c !== 0x09)) break;
  }
  return { token, next: idx };
}

/** print_txt_line: the line at IDX behind PREFIX and the index after its end of line (0: stop). */
function textLine(b: Uint8Array, idx: number, end: number, prefix: string): { text: string; next: number } {
  const start = idx;
  const line = (to: number, next: number) => ({ text: `${prefix}${String.fromCharCode(...b.subarray(start, to))}`, next });
  for (; idx < end; idx++) {
    const c = b[idx]!;
    if (c === 0x0a) return line(idx, idx + 1);
    if (c === 0x0d) {
      if (idx + 1 >= end) return { text: '', next: 0 };
      if (b[idx + 1] === 0x0a) return line(idx, idx + 2);
      return { text: '', next: 0 };
    }
    if (!printable(c) && c !== 0x09) return { text: '', next: 0 };
  }
  return { text: `${line(idx, 0).text} [|http]`, next: 0 };
}

/** Whether the payload starts as a request (a method) or a response (a 3-digit status as its second token). */
function isRequestOrResponse(b: Uint8Array, at: number, end: number): boolean {
  const first = fetchToken(b, at, end);
  if (!first) return false;
  if (HTTP_COMMANDS.has(first.token.toUpperCase())) return true;
  const second = fetchToken(b, first.next, end);
  return second !== undefined && /^\d{3}$/.test(second.token);
}

/** http_print for the LENGTH payload bytes at AT in B (the frame), VERBOSE as -v. */
export function httpText(b: Uint8Array, at: number, length: number, verbose: number): string {
  const end = Math.min(b.length, at + length);
  if (!isRequestOrResponse(b, at, end)) return 'HTTP';
  if (verbose === 0) return `HTTP${textLine(b, at, end, ': ').text}`;
  let out = `HTTP, length: ${length}`;
  for (let idx = at; idx < end;) {
    const l = textLine(b, idx, end, '\n\t');
    out += l.text;
    if (l.next === 0) break;
    idx = l.next;
  }
  return out;
}
