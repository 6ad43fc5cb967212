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
import { countIcmp } from './snmp.js';

export class IpMib {
  inReceives = 0;
  inHdrErrors = 0;
  inAddrErrors = 0;
  inDelivers = 0;
  outRequests = 0;
  outDiscards = 0;
  outNoRoutes = 0;
  outTransmits = 0;
  inNoRoutes = 0;
  /** A packet to forward bigger than the route's MTU with DF set (ip_forward: frag needed). */
  fragFails = 0;
  inOctets = 0;
  outOctets = 0;
  outMcastPkts = 0;
  outMcastOctets = 0;
  udpInDatagrams = 0;
  udpNoPorts = 0;
  udpOutDatagrams = 0;
  /** TCP segments in or out: the Tcp counters are not modelled, so `netstat -s` refuses a place that saw TCP. */
  tcpSeen = false;
}

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
    m = s.ipMib = new IpMib();
    for (const i of s.ifaces.values()) {
      if (i.kind !== 'bridge') continue;
      m.outRequests += IGMP_REPORTS;
      m.outTransmits += IGMP_REPORTS;
      m.outMcastPkts += IGMP_REPORTS;
      m.outOctets += IGMP_REPORTS * IGMP_REPORT_LEN;
      m.outMcastOctets += IGMP_REPORTS * IGMP_REPORT_LEN;
    }
  }
  return m;
}

/** ip_rcv: a packet of LEN bytes came in (also through lo). */
export function countIpIn(s: DeviceState, len: number, tcp: boolean): void {
  const m = ipMib(s);
  m.inReceives++;
  m.inOctets += len;
  if (tcp) m.tcpSeen = true;
}

/** ip_output: a packet of LEN bytes goes out (sent or forwarded), before POSTROUTING and the neighbour. */
export function countIpTransmit(s: DeviceState, len: number, tcp: boolean): void {
  const m = ipMib(s);
  m.outTransmits++;
  m.outOctets += len;
  if (tcp) m.tcpSeen = true;
}

export type IpEvent = 'inHdrErrors' | 'inAddrErrors' | 'fragFails' | 'inDelivers' | 'outRequests' | 'outDiscards' | 'outNoRoutes' | 'inNoRoutes'
  | 'udpInDatagrams' | 'udpNoPorts' | 'udpOutDatagrams';

/** One more of counter WHAT at S. */
export function countIp(s: DeviceState, what: IpEvent): void {
  ipMib(s)[what]++;
}

/**
 * A UDP datagram the place's socket sent: udp_sendmsg counts it once ip_send_skb took it, so not when the route
 * lookup or filter OUTPUT refused it, but also when the neighbour then never answers.
 */
export function countUdpSend(s: DeviceState, outcome: Outcome): void {
  if (outcome.kind !== 'local-error' || outcome.disposition === 'neighbour-unreachable') ipMib(s).udpOutDatagrams++;
}

/**
 * Filter OUTPUT's REJECT of a packet S sends: the ICMP error goes to S itself through lo (kernel-checked: one more
 * OutRequest, OutTransmit, InReceive and InDeliver, an Icmp Out and In Destination Unreachable).
 */
export function countRejectToSelf(s: DeviceState, offending: Packet): void {
  const len = icmpErrorLength(offending);
  const error: Packet = { ...offending, icmp: { type: 3, code: 3 } };
  const m = ipMib(s);
  m.outRequests++;
  countIpTransmit(s, len, false);
  countLoopback(s, len);
  countIpIn(s, len, false);
  m.inDelivers++;
  countIcmp(s, error, 'out');
  countIcmp(s, error, 'in');
}
