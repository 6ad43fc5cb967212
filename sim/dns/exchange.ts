// One DNS query over UDP through the simulated dataplane: the datagram's fate (answered, ICMP port unreachable,
// silence) comes from the packet walk; the answer's content from the lab's DNS servers (responder.ts).
import type { Packet as DnsMessage } from 'dns-packet';
import type { Dataplane } from '../dataplane.js';
import { runProbe } from '../probe.js';
import { ICMP_UNREACH_ERRNO } from '../socket.js';
import { noteForwardFailure } from './coredns-errors.js';
import { corednsAnswer, dnsZone, relayedReply, servfail, upstreamAnswer } from './responder.js';
import { resolvConf } from './lab-dns.js';
import { encode } from './wire.js';
import { SOCKET_SEQ_BASE } from '../capture/tap.js';

/** What one datagram to a nameserver brought back. */
export type ExchangeOutcome =
  | { readonly kind: 'answer'; readonly reply: DnsMessage; readonly rttMs: number }
  /** ICMP port unreachable (REJECT, nothing listening): the socket reads ECONNREFUSED. */
  | { readonly kind: 'refused'; readonly rttMs: number }
  /**
   * Another ICMP error, or a local routing error at the sender (EHOSTUNREACH, ENETUNREACH). `fatal`: icmp_err_convert's
   * flag (sim/socket.ts), which decides whether a connected UDP socket without IP_RECVERR reads it; a failed route
   * lookup fails the send itself (fatal).
   */
  | { readonly kind: 'unreachable'; readonly rttMs: number; readonly fatal: boolean; readonly noRoute: boolean }
  /** Nothing came back: the caller's timeout decides how long that took. */
  | { readonly kind: 'silence' };

/** Per-dataplane counters for source ports (from 32768, as the ephemeral range starts) and probe sequence numbers. */
const sockets = new WeakMap<Dataplane, { port: number; seq: number }>();

/** A fresh ephemeral source port and probe sequence number for a new query socket. */
export function newSocket(dp: Dataplane): { readonly sport: number; readonly seq: number } {
  let c = sockets.get(dp);
  if (!c) sockets.set(dp, (c = { port: 32767, seq: 0 }));
  c.port = c.port >= 60999 ? 32768 : c.port + 1;
  c.seq += 1;
  return { sport: c.port, seq: SOCKET_SEQ_BASE + c.seq };
}

/**
 * Whether the error reaches a connected UDP socket without IP_RECVERR: icmp_err_convert's flag (__udp4_lib_err). A
 * failed route lookup at the sender fails the send itself; a failed ARP comes back as a host-unreachable ICMP error
 * like any other (arp_error_report -> icmp_send), so it is soft.
 */
function unreachableIsFatal(disposition: string, code: number, local: boolean): boolean {
  if (local && disposition !== 'neighbour-unreachable') return true;
  return ICMP_UNREACH_ERRNO[code]?.fatal ?? false;
}

/** How deep forwarding may go (CoreDNS -> upstream); a loop in the lab's resolv.conf files ends here as SERVFAIL. */
const MAX_FORWARDS = 2;

/** Sends QUERY from DEVICE to SERVER:53/udp and sees what comes back. */
export function exchange(dp: Dataplane, device: string, server: number, query: DnsMessage, sport: number, seq: number, depth = 0): ExchangeOutcome {
  const message = encode(query);
  // The server's reply is made when the query reaches it (its bytes cross the wire back), and kept for the client.
  let reply: DnsMessage | undefined;
  const dnsQuery = { message, reply: (at: string) => encode((reply = serverReply(dp, at, query, depth))) };
  const result = runProbe(dp, device, { protocol: 'udp', dst: server, dport: 53, sport, ttl: 64, length: 28 + message.length, df: false, seq, dnsQuery });
  const r = result.reply;
  if (!r) return { kind: 'silence' };
  if (r.kind === 'unreachable' && r.code === 3) return { kind: 'refused', rttMs: r.rttMs };
  if (r.kind === 'unreachable') {
    const local = r.local === true;
    return { kind: 'unreachable', rttMs: r.rttMs, fatal: unreachableIsFatal(result.disposition, r.code ?? 0, local), noRoute: local && result.disposition === 'no-route' };
  }
  if (r.kind !== 'udp') return { kind: 'silence' };
  // Only a DNS server answers a query datagram (probe.ts): the NAT engine's DNS, or CoreDNS.
  return { kind: 'answer', reply: reply ?? serverReply(dp, result.at, query, depth), rttMs: r.rttMs };
}

/** The reply of the DNS server at AT (the NAT engine's upstream DNS, or CoreDNS forwarding what is not its own). */
export function serverReply(dp: Dataplane, at: string, query: DnsMessage, depth = 0): DnsMessage {
  if (dp.state(at).device.kind === 'nat') return upstreamAnswer(dnsZone(dp.model), query);
  const decision = corednsAnswer(dnsZone(dp.model), query);
  return decision.kind === 'answer' ? decision.reply : forward(dp, at, query, depth).reply;
}

/**
 * CoreDNS's `forward . /etc/resolv.conf`: the query goes on from the CoreDNS pod to the first nameserver of its
 * resolv.conf (dnsPolicy Default: the node's, the NAT DNS) and the upstream's reply is relayed; an upstream that
 * does not answer makes it SERVFAIL.
 */
function forward(dp: Dataplane, coredns: string, query: DnsMessage, depth: number): { kind: 'answer'; reply: DnsMessage } {
  const upstream = resolvConf(dp.state(coredns).device).nameservers[0];
  if (upstream === undefined || depth >= MAX_FORWARDS) return { kind: 'answer', reply: servfail(query) };
  const socket = newSocket(dp);
  const got = exchange(dp, coredns, upstream, query, socket.sport, socket.seq, depth + 1);
  const src = dp.state(coredns).device.interfaces.find((i) => i.name === 'eth0')?.addrs[0]?.ip;
  if ((got.kind === 'silence' || got.kind === 'refused') && src !== undefined) noteForwardFailure(dp, coredns, query, src, socket.sport, upstream, got.kind === 'silence' ? 'timeout' : 'refused');
  return { kind: 'answer', reply: got.kind === 'answer' ? relayedReply(query, got.reply) : servfail(query) };
}
