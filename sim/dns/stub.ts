// The building blocks of every stub resolver and DNS client: send queries to a nameserver from one socket, wait for
// the replies or the timeout in simulated time (the dataplane's clock moves), and the search-list candidates.
import type { Packet as DnsMessage, RecordType } from 'dns-packet';
import type { Dataplane } from '../dataplane.js';
import { exchange, newSocket } from './exchange.js';
import { buildQuery } from './wire.js';

/** How one send on a socket ended when no answer came (`no-route`: the sender has no route, connect() failed). */
export type Failure = 'timeout' | 'refused' | 'unreachable' | 'no-route';

/** The replies to a batch of queries sent together from one socket, or why they did not come. */
export type BatchResult =
  | { readonly ok: true; readonly replies: readonly DnsMessage[] }
  | { readonly ok: false; readonly failure: Failure };

/** Deterministic DNS ids: a per-dataplane sequence (the real ones are random; FACTS-L4 §1 masks them). */
const ids = new WeakMap<Dataplane, number>();
export function nextId(dp: Dataplane): number {
  const id = ((ids.get(dp) ?? 0x1f2e) * 75 + 74) % 65537 & 0xffff;
  ids.set(dp, id);
  return id;
}

/**
 * Which ICMP errors a client's socket reads: `all` (a connected socket with IP_RECVERR: glibc's send_dg enables it,
 * resolv/res_enable_icmp.c),
 * `fatal` (a connected socket without it: BIND's dig/nslookup/host, busybox nslookup; __udp4_lib_err drops net and host
 * unreachable), `none` (musl's unconnected socket).
 */
export type IcmpReporting = 'all' | 'fatal' | 'none';

/** The time between two queries sent back to back (glibc's A then AAAA: each crosses the stack before the next leaves). */
const BATCH_SEND_GAP_MS = 0.1;

/**
 * Sends QUERIES to SERVER:53 from one new socket at the same time and waits for all their replies up to TIMEOUTMS.
 * An ICMP error the socket reads (`icmp`) ends the wait at once; one it does not read leaves it waiting out the
 * timeout. The clock moves by the time it took.
 */
export function sendBatch(dp: Dataplane, device: string, server: number, queries: readonly DnsMessage[], timeoutMs: number, icmp: IcmpReporting = 'all'): BatchResult {
  const socket = newSocket(dp);
  const start = dp.nowMs;
  const replies: DnsMessage[] = [];
  let slowest = 0;
  for (const [k, q] of queries.entries()) {
    const sentAt = k * BATCH_SEND_GAP_MS;
    dp.nowMs = start + sentAt;
    const got = exchange(dp, device, server, q, socket.sport, socket.seq);
    if (got.kind === 'answer') {
      replies.push(got.reply);
      slowest = Math.max(slowest, sentAt + got.rttMs);
      continue;
    }
    const seen = got.kind === 'refused' ? icmp !== 'none' : got.kind === 'unreachable' && (icmp === 'all' || (icmp === 'fatal' && got.fatal));
    if (got.kind !== 'silence' && seen) {
      dp.nowMs = start + sentAt + got.rttMs;
      return { ok: false, failure: got.kind === 'unreachable' && got.noRoute ? 'no-route' : got.kind };
    }
    dp.nowMs = start + timeoutMs;
    return { ok: false, failure: 'timeout' };
  }
  dp.nowMs = start + slowest;
  return { ok: true, replies };
}

/** One query of NAME/TYPE with a fresh id and RD set. */
export function stubQuery(dp: Dataplane, name: string, type: RecordType): DnsMessage {
  return buildQuery(name, type, { id: nextId(dp) });
}

/** A reply's rcode as dns-packet names it (NOERROR, NXDOMAIN, SERVFAIL, ...). */
export function rcodeOf(m: DnsMessage): string {
  const codes = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED'];
  return codes[(m.flags ?? 0) & 0xf] ?? `RCODE${(m.flags ?? 0) & 0xf}`;
}

/** Addresses of TYPE in a reply's answer section. */
export function addressesIn(m: DnsMessage, type: 'A' | 'AAAA' = 'A'): string[] {
  return (m.answers ?? []).filter((a) => a.type === type).map((a) => String((a as { data: unknown }).data));
}

/**
 * The names a resolver tries for NAME, in order (glibc res_search / musl name_from_dns_search / bind's lookup): with a
 * trailing dot only the name; with at least NDOTS dots the name first, then (glibc, bind) the search list; with fewer,
 * the search list first and the name itself last. musl skips the search list when ndots is reached.
 */
export function searchCandidates(name: string, search: readonly string[], ndots: number, searchAfterAbsolute = true): string[] {
  if (name.endsWith('.')) return [name.slice(0, -1)];
  const dots = name.split('.').length - 1;
  const expanded = search.map((s) => `${name}.${s}`);
  if (dots >= ndots) return searchAfterAbsolute ? [name, ...expanded] : [name];
  return [...expanded, name];
}
