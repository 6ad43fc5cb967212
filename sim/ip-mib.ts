// The IPv4 and UDP MIB counters of a device (/proc/net/snmp's Ip and Udp lines, /proc/net/netstat's IpExt), moved by
// the simulated traffic where the kernel moves them (kernel 6.18, the namespace lab's, checked with nstat in
// namespaces: docs/training-shell.md): ip_rcv counts every packet in (InReceives, InOctets, InNoECTPkts), a TTL that
// expires while forwarding is an InHdrError, a packet to forward without a route IpExt InNoRoutes, local delivery
// InDelivers; a locally sent packet with a route is an OutRequest (also when filter OUTPUT drops it: OutDiscards),
// without one an OutNoRoute; every packet ip_output sends, forwarded ones included, an OutTransmit (OutOctets).
// One-line hooks in engine.ts and probe.ts; the ICMP counters and IpForwDatagrams stay in snmp.ts.
import type { DeviceState } from './dataplane.js';
import type { Outcome } from './journey.js';
import type { Packet } from './packet.js';
import { icmpErrorLength } from './icmp-error.js';
import { countLoopback } from './link-stats.js';
import { ICMP_SLOTS, countIcmp } from './snmp.js';

/** The counters' slots in a place's IpMib (a const enum: the call sites compile to numbers). */
export const enum Mib {
  InReceives, InHdrErrors, InAddrErrors, InDelivers, OutRequests, OutDiscards, OutNoRoutes, OutTransmits,
  /** IpExt: a packet to forward without a route. */
  InNoRoutes,
  /** A packet to forward bigger than the route's MTU with DF set (ip_forward: frag needed). */
  FragFails,
  InOctets, OutOctets, OutMcastPkts, OutMcastOctets, UdpInDatagrams, UdpNoPorts, UdpOutDatagrams,
  /** TCP segments in or out: the Tcp counters are not modelled, so `netstat -s` refuses a place that saw TCP. */
  TcpSeen,
  /** Ip line: a routed packet counted by ip_forward (kernel 6.18: after the TTL check, before MTU and filter FORWARD). */
  ForwDatagrams,
  Size,
}

/** A place's counters, by Mib slot, then its ICMP counters (snmp.ts, from Mib.Size). */
export type IpMib = Float64Array;

/** An IGMPv3 report for one group (IP header with router alert, 8-byte report, one 8-byte record). */
const IGMP_REPORT_LEN = 40;
/** The reports a group join sends (igmp_qrv, the robustness variable). */
const IGMP_REPORTS = 2;

/**
 * S's counters, made on first use. A device with a Linux bridge (a node's cni0) starts with the IGMP reports its
 * bridge sent when it came up: multicast snooping joins the all-snoopers group 224.0.0.106 (br_multicast_join_snoopers),
 * which the namespace lab's nodes show as 2 OutRequests of 40 bytes before any probe.
 */
export function ipMib(s: DeviceState): IpMib {
  let m = s.ipMib;
  if (m === undefined) {
    m = s.ipMib = new Float64Array(Mib.Size + ICMP_SLOTS);
    for (const i of s.ifaces.values()) {
      if (i.kind !== 'bridge') continue;
      m[Mib.OutRequests] += IGMP_REPORTS;
      m[Mib.OutTransmits] += IGMP_REPORTS;
      m[Mib.OutMcastPkts] += IGMP_REPORTS;
      m[Mib.OutOctets] += IGMP_REPORTS * IGMP_REPORT_LEN;
      m[Mib.OutMcastOctets] += IGMP_REPORTS * IGMP_REPORT_LEN;
    }
  }
  return m;
}

/** ip_rcv: a packet of LEN bytes came in (also through lo). */
export function countIpIn(s: DeviceState, len: number, tcp: boolean): void {
  const m = ipMib(s);
  m[Mib.InReceives]++;
  m[Mib.InOctets] += len;
  if (tcp) m[Mib.TcpSeen] = 1;
}

/** ip_output: a packet of LEN bytes goes out (sent or forwarded), before POSTROUTING and the neighbour. */
export function countIpTransmit(s: DeviceState, len: number, tcp: boolean): void {
  const m = ipMib(s);
  m[Mib.OutTransmits]++;
  m[Mib.OutOctets] += len;
  if (tcp) m[Mib.TcpSeen] = 1;
}

/** A packet S routes on: IpForwDatagrams (in the Ip line's slots, which every crossing touches anyway). */
export function countForwarded(s: DeviceState): void {
  ipMib(s)[Mib.ForwDatagrams]++;
}

/** One more of counter WHAT at S. */
export function countIp(s: DeviceState, what: Mib): void {
  ipMib(s)[what]++;
}

/** Whether S saw TCP (whose counters the simulator does not keep). */
export function sawTcp(s: DeviceState): boolean {
  return ipMib(s)[Mib.TcpSeen] !== 0;
}

/**
 * A UDP datagram the place's socket sent: udp_sendmsg counts it once ip_send_skb took it, so not when the route
 * lookup or filter OUTPUT refused it, but also when the neighbour then never answers.
 */
export function countUdpSend(s: DeviceState, outcome: Outcome): void {
  if (outcome.kind !== 'local-error' || outcome.disposition === 'neighbour-unreachable') ipMib(s)[Mib.UdpOutDatagrams]++;
}

/**
 * An ICMP Destination Unreachable S's stack sends itself through lo about a packet it sent: filter OUTPUT's REJECT
 * of it, or a neighbour that never answered ARP (arp_error_report). Kernel-checked: one more OutRequest, OutTransmit,
 * InReceive and InDeliver, an Icmp Out and In Destination Unreachable, and lo's frame.
 */
export function countErrorToSelf(s: DeviceState, offending: Packet): void {
  const len = icmpErrorLength(offending);
  const error: Packet = { ...offending, icmp: { type: 3, code: 3 } };
  const m = ipMib(s);
  m[Mib.OutRequests]++;
  countIpTransmit(s, len, false);
  countLoopback(s, len);
  countIpIn(s, len, false);
  m[Mib.InDelivers]++;
  countIcmp(s, error, 'out');
  countIcmp(s, error, 'in');
}
