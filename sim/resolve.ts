// Host names to addresses at a place, as its programs' libc does it (getaddrinfo / getnameinfo): the numeric form,
// /etc/hosts, then DNS with the place's resolver walk (glibc or musl) and its timeouts in simulated time.
import { formatIp, parseIp } from '../topology/address.js';
import type { Dataplane } from './dataplane.js';
import { hostsTable, resolvConf, resolverOf, usesDns, type ResolvConf } from './dns/lab-dns.js';
import { addressesIn, rcodeOf, searchCandidates, sendBatch, stubQuery, type BatchResult } from './dns/stub.js';

export type ResolveError = 'NXDOMAIN' | 'NODATA' | 'TIMEOUT' | 'REFUSED';

/** What a name lookup gave; the dataplane's clock has moved by elapsedMs when it returns. */
export type Resolution =
  | { readonly ok: true; readonly ip: number; readonly canonical: string; readonly elapsedMs: number }
  /** `message`: what gai_strerror says about it at this place (tools print it). */
  | { readonly ok: false; readonly error: ResolveError; readonly message: string; readonly elapsedMs: number };

/** gai_strerror's text per failure: glibc's, and musl's (src/network/gai_strerror.c) where the place links musl. */
const GAI_MESSAGES: Readonly<Record<'glibc' | 'musl', Readonly<Record<ResolveError, string>>>> = {
  glibc: {
    NXDOMAIN: 'Name or service not known',
    NODATA: 'Name or service not known',
    TIMEOUT: 'Temporary failure in name resolution',
    REFUSED: 'Temporary failure in name resolution',
  },
  musl: { NXDOMAIN: 'Name does not resolve', NODATA: 'Name does not resolve', TIMEOUT: 'Try again', REFUSED: 'Try again' },
};

/** How one candidate name ended: an address, a definite "no" that moves the walk on, or a failure that stops it. */
type CandidateResult = { readonly kind: 'found'; readonly ip: number } | { readonly kind: 'next'; readonly nodata: boolean } | { readonly kind: 'stop'; readonly error: ResolveError };

/** Turns HOST into an IPv4 address at DEVICE: numeric, /etc/hosts (`hosts: files dns`), then DNS. */
export function resolveHost(dp: Dataplane, device: string, host: string): Resolution {
  const r = lookupHost(dp, device, host);
  if (r.ok) return r;
  const libc = resolverOf(dp.state(device).device) === 'musl' ? 'musl' : 'glibc';
  return { ...r, message: GAI_MESSAGES[libc][r.error] };
}

type Lookup = { readonly ok: true; readonly ip: number; readonly canonical: string; readonly elapsedMs: number } | { readonly ok: false; readonly error: ResolveError; readonly elapsedMs: number };

function lookupHost(dp: Dataplane, device: string, host: string): Lookup {
  const literal = parseIp(host);
  if (literal !== undefined) return { ok: true, ip: literal, canonical: host, elapsedMs: 0 };
  const d = dp.state(device).device;
  const fromFile = hostsTable(dp.model, d).byName.get(host.toLowerCase().replace(/\.$/, ''));
  if (fromFile !== undefined) return { ok: true, ip: fromFile.ip, canonical: fromFile.canonical, elapsedMs: 0 };
  if (!usesDns(d)) return { ok: false, error: 'NXDOMAIN', elapsedMs: 0 };
  const start = dp.nowMs;
  const conf = resolvConf(d);
  const musl = resolverOf(d) === 'musl';
  let nodata = false;
  for (const candidate of searchCandidates(host, conf.search, conf.ndots, !musl)) {
    const r = musl ? muslCandidate(dp, device, conf, candidate) : glibcCandidate(dp, device, conf, candidate);
    if (r.kind === 'found') return { ok: true, ip: r.ip, canonical: candidate, elapsedMs: dp.nowMs - start };
    if (r.kind === 'stop') return { ok: false, error: r.error, elapsedMs: dp.nowMs - start };
    nodata ||= r.nodata;
  }
  return { ok: false, error: nodata ? 'NODATA' : 'NXDOMAIN', elapsedMs: dp.nowMs - start };
}

/** The result of one A+AAAA batch that was answered. */
function judge(replies: BatchResult & { ok: true }): CandidateResult {
  const a = replies.replies[0]!;
  const ip = addressesIn(a, 'A')[0];
  if (ip !== undefined) return { kind: 'found', ip: parseIp(ip)! };
  const rcode = rcodeOf(a);
  if (rcode === 'NXDOMAIN') return { kind: 'next', nodata: false };
  if (rcode === 'NOERROR') return { kind: 'next', nodata: true };
  return { kind: 'stop', error: 'TIMEOUT' };
}

/**
 * glibc (res_search over send_dg): a new socket per candidate sends A and AAAA together; each try of each
 * nameserver waits `timeout` s, twice when nothing at all came back; `attempts` rounds. NXDOMAIN and NODATA move on to the next candidate; no answer at
 * all stops the search (TRY_AGAIN), as does ECONNREFUSED from every server.
 */
function glibcCandidate(dp: Dataplane, device: string, conf: ResolvConf, name: string): CandidateResult {
  let refusedOnly = true;
  for (let attempt = 0; attempt < conf.attempts; attempt++) {
    for (const server of conf.nameservers) {
      const got = sendBatch(dp, device, server, [stubQuery(dp, name, 'A'), stubQuery(dp, name, 'AAAA')], conf.timeout * 1000);
      if (got.ok) {
        const verdict = judge(got);
        if (verdict.kind !== 'stop') return verdict;
        continue; // SERVFAIL: try the next server
      }
      if (got.failure !== 'refused') refusedOnly = false;
      // Neither A nor AAAA answered: glibc 2.36 waits a second `timeout` for this server before the next attempt
      // (kernel-measured: 20 s in all for one silent nameserver, timeout 5, attempts 2).
      if (got.failure === 'timeout') dp.nowMs += conf.timeout * 1000;
    }
  }
  return { kind: 'stop', error: refusedOnly && conf.nameservers.length > 0 ? 'REFUSED' : 'TIMEOUT' };
}

/**
 * musl (res_msend): A and AAAA from one unconnected socket to every nameserver at once, resent every
 * timeout/attempts s until `timeout` s in all; ICMP errors never reach it. NXDOMAIN moves on; NODATA and SERVFAIL
 * stop the search (FACTS-L4 §12).
 */
function muslCandidate(dp: Dataplane, device: string, conf: ResolvConf, name: string): CandidateResult {
  const start = dp.nowMs;
  for (const server of conf.nameservers) {
    dp.nowMs = start;
    const got = sendBatch(dp, device, server, [stubQuery(dp, name, 'A'), stubQuery(dp, name, 'AAAA')], conf.timeout * 1000, 'none');
    if (!got.ok) continue;
    const verdict = judge(got);
    if (verdict.kind === 'next' && verdict.nodata) return { kind: 'stop', error: 'NODATA' };
    return verdict;
  }
  dp.nowMs = start + conf.timeout * 1000;
  return { kind: 'stop', error: 'TIMEOUT' };
}

/** What an address's reverse lookup gave (getnameinfo with NI_NAMEREQD semantics: undefined when there is no name). */
export interface ReverseResolution {
  readonly name?: string;
  readonly elapsedMs: number;
  /** No server gave an answer (silence, ICMP refused, SERVFAIL): glibc's TRY_AGAIN, getnameinfo's EAI_AGAIN. */
  readonly again?: boolean;
}

/** IP -> name at DEVICE as getnameinfo does it: /etc/hosts, then a PTR query walked like a forward lookup's servers. */
export function reverseHost(dp: Dataplane, device: string, ip: number): ReverseResolution {
  const d = dp.state(device).device;
  const fromFile = hostsTable(dp.model, d).byIp.get(ip);
  if (fromFile !== undefined) return { name: fromFile, elapsedMs: 0 };
  if (!usesDns(d)) return { elapsedMs: 0 };
  const start = dp.nowMs;
  const conf = resolvConf(d);
  const ptrName = `${formatIp(ip).split('.').reverse().join('.')}.in-addr.arpa`;
  for (let attempt = 0; attempt < conf.attempts; attempt++) {
    for (const server of conf.nameservers) {
      const got = sendBatch(dp, device, server, [stubQuery(dp, ptrName, 'PTR')], conf.timeout * 1000);
      if (!got.ok || rcodeOf(got.replies[0]!) === 'SERVFAIL') continue; // res_send tries the next server
      const ptr = (got.replies[0]!.answers ?? []).find((a) => a.type === 'PTR');
      return { ...(ptr ? { name: String((ptr as { data: unknown }).data) } : {}), elapsedMs: dp.nowMs - start };
    }
  }
  return { elapsedMs: dp.nowMs - start, again: true };
}
