// HTTP/1.1 as the lab's servers speak it: the bytes of a modelled response, and the request a client sends.
import type { HttpResponse } from '../topology/model.js';

/** The status line and headers, each ending in CRLF, and the empty line: what a HEAD request gets. */
export function httpResponseHead(r: HttpResponse): string {
  return `HTTP/1.1 ${r.status} ${r.reason}\r\n${r.headers.map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`;
}

/** The whole response on the wire (latin1 text: one character per byte). */
export function httpResponseBytes(r: HttpResponse): string {
  return httpResponseHead(r) + r.body;
}

/** The value of a response header (case-insensitive name), if present. */
export function headerValue(r: HttpResponse, name: string): string | undefined {
  const lower = name.toLowerCase();
  return r.headers.find(([k]) => k.toLowerCase() === lower)?.[1];
}
