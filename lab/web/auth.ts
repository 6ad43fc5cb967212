// The trainer's token on a request: in the URL (?token=), an `Authorization: Bearer` header or X-Tracelab-Token.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** Whether the request carries the trainer's token (?token=, `Authorization: Bearer`, or X-Tracelab-Token). */
export function hasToken(req: IncomingMessage, token: string): boolean {
  const url = new URL(req.url ?? '/', 'http://x');
  const auth = req.headers.authorization;
  const given = url.searchParams.get('token') ?? (auth?.startsWith('Bearer ') ? auth.slice(7) : undefined) ?? header(req, 'x-tracelab-token');
  if (given === undefined) return false;
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(given), digest(token));
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}
