// BIND's client core (dighost.c), shared by dig, nslookup and host: one query sent up to `tries` times (a new
// socket each time, the same id), `;; communications error` per failed try, and the search-list walk.
import type { Packet as DnsMessage } from 'dns-packet';
import { formatIp, parseIp } from '../../topology/address.js';
import { rcodeOf, type Failure } from '../dns/stub.js';
import type { ToolContext } from '../tool-context.js';

/** BIND's defaults: +tries=3, +timeout=5 (dig and nslookup). */
export const BIND_TRIES = 3;
export const BIND_TIMEOUT_S = 5;

/** The words dighost.c prints for a failed try (isc_result_totext of the socket's result). */
const FAILURE_TEXT: Readonly<Record<Failure, string>> = {
  timeout: 'timed out', refused: 'connection refused', unreachable: 'host unreachable', 'no-route': 'network unreachable',
};

export type BindAnswer =
  | { readonly ok: true; readonly reply: DnsMessage; readonly rttMs: number; readonly errors: readonly string[] }
  | { readonly ok: false; readonly errors: readonly string[] };

/** `;; communications error to SERVER#53: WHY` lines, one per failed try. */
export function commError(server: number, failure: Failure): string {
  return `;; communications error to ${formatIp(server)}#53: ${FAILURE_TEXT[failure]}\n`;
}

/**
 * A try whose socket could not be set up (connect() failed: no route at the sender) ends that lookup's query list, so
 * dighost.c says so at once; the next try starts over (kernel-recorded: scenarios/generated/dns-soft-icmp-errors.yaml).
 */
function setupError(server: number, query: DnsMessage, failure: Failure): string {
  const s = formatIp(server);
  const name = (query.questions?.[0]?.name ?? '').replace(/\.$/, '');
  return `;; UDP setup with ${s}#53(${s}) for ${name} failed: ${FAILURE_TEXT[failure]}.\n`;
}

/** The server a DNS client asks: the one named on its command line (an address, or a name it resolves), else the
 * first nameserver of the place's resolv.conf. Undefined when the name does not resolve. */
export function clientServer(ctx: ToolContext, named: string | undefined): number | undefined {
  if (named === undefined) return ctx.dns.conf().nameservers[0];
  return parseIp(named) ?? ctx.resolve(named);
}

/** QUERY to SERVER, tried up to TRIES times with TIMEOUTS seconds each; the errors of the failed tries in order. */
export function bindSend(ctx: ToolContext, server: number, query: DnsMessage, tries: number, timeoutS: number): BindAnswer {
  const errors: string[] = [];
  for (let t = 0; t < tries; t++) {
    const start = ctx.nowMs();
    const got = ctx.dns.send(server, [query], timeoutS * 1000);
    if (got.ok) {
      recordAnswer(ctx, server, got.replies[0]!);
      return { ok: true, reply: got.replies[0]!, rttMs: ctx.nowMs() - start, errors };
    }
    if (got.failure !== 'no-route') errors.push(commError(server, got.failure));
    else errors.push(setupError(server, query, got.failure), ...(t < tries - 1 ? [';; no servers could be reached\n'] : []));
  }
  return { ok: false, errors };
}

/** A reply as data for the library (CommandResult.l4.dns): its question, rcode and answer records. */
export function recordAnswer(ctx: ToolContext, server: number, reply: DnsMessage): void {
  const q = reply.questions?.[0];
  const answers = (reply.answers ?? []).map((a) => ({ name: a.name, type: a.type, ttl: (a as { ttl?: number }).ttl ?? 0, data: String((a as { data: unknown }).data) }));
  ctx.l4.dns.push({ server, name: q?.name ?? '', type: q?.type ?? '', rcode: rcodeOf(reply), answers });
}
