// What a probe tool asks of the dataplane it runs on: one packet at a time, the source route, names, the clock.
import type { Listener } from '../topology/model.js';
import type { ConnectionRecord, DnsAnswerRecord, LookupRecord, ProbeResult } from '../topology/trace.js';
import type { Resolution, ReverseResolution } from './resolve.js';
import type { Packet as DnsMessage } from 'dns-packet';
import type { ResolvConf } from './dns/lab-dns.js';
import type { ResolverKind } from '../topology/model.js';
import type { BatchResult } from './dns/stub.js';
import type { SocketView } from './tools/ss-connections.js';

/** What a DNS client asks of the dataplane: its resolv.conf, fresh query ids, and queries sent from one socket. */
export interface DnsAccess {
  conf(): ResolvConf;
  /** The resolver library the place's programs link (it also tells which build of a client the image carries). */
  resolver(): ResolverKind;
  /** The place's image short name (topology/images.ts; `node` for the VMs): which build of a client it carries. */
  image(): string;
  nextId(): number;
  /**
   * QUERIES to SERVER:53/udp from one new connected socket without IP_RECVERR (BIND's clients, busybox nslookup), waiting
   * up to TIMEOUTMS (the clock moves; see dns/stub.ts sendBatch).
   */
  send(server: number, queries: readonly DnsMessage[], timeoutMs: number): BatchResult;
  /** The reply of the DNS server a TCP connection reached at DEVICE (DNS over TCP: the connection is the tool's). */
  replyAt(device: string, query: DnsMessage): DnsMessage;
}

/** What a tool asks the dataplane for: one packet. */
/** A DNS query's bytes on the wire, and the reply's bytes the server at a device sends back. */
export interface DnsDatagram {
  readonly message: Uint8Array;
  reply(at: string): Uint8Array;
}

export interface ProbeSpec {
  readonly protocol: 'udp' | 'tcp' | 'icmp';
  readonly dst: number;
  readonly dport: number;
  readonly sport: number;
  readonly ttl: number;
  /** Total IP packet length in bytes. */
  readonly length: number;
  readonly df: boolean;
  /** Sequence number of this probe within the tool run (drives the seeded RTT jitter). */
  readonly seq: number;
  /** ICMP echo identifier/sequence for -I and ping. */
  readonly icmpSeq?: number;
  /** The tool reads answers off the wire (pcap, as tcptraceroute does), before conntrack undoes the prober's own SNAT. */
  readonly capture?: boolean;
  /** The datagram is this DNS query: a DNS server at the destination port answers it with REPLY(its device) (sim/dns/exchange.ts). */
  readonly dnsQuery?: DnsDatagram;
  /** TCP: after a SYN-ACK, the listener's HTTP app sends its response (`head`: to a HEAD request) back as data (ProbeResult.responseArrived). */
  readonly appResponse?: 'full' | 'head';
  /** TCP: the request (latin1) the client sends after the handshake: a capture shows the conversation (sim/capture/conversation.ts). */
  readonly appRequest?: string;
  /** A socket's connect (not a traceroute probe): a SYN-ACK's result carries the flow's path and NAT (ProbeResult.flow). */
  readonly track?: boolean;
}

/** How the source would send a packet: the route lookup at the prober (`pmtu`: a path MTU the route cache learned). */
export type SourceRoute =
  | { readonly ok: true; readonly src: number; readonly dev: string; readonly mtu: number; readonly pmtu?: number }
  | { readonly ok: false; readonly error: 'ENETUNREACH' | 'EHOSTUNREACH' | 'EACCES' | 'EINVAL'; readonly broadcast?: boolean };

/** What a probe tool gets from whichever dataplane runs it. */
export interface ToolContext {
  readonly hostname: string;
  /** The device id the tool runs on. */
  readonly device: string;
  /** Send one probe and see what comes back. */
  probe(spec: ProbeSpec): ProbeResult;
  /** Route lookup at the source, as connect() would do it. */
  sourceRoute(dst: number): SourceRoute;
  /** Name -> address as the place's libc does it (numeric, /etc/hosts, DNS; sim/resolve.ts), with why it failed. */
  lookup(name: string): Resolution;
  /** DNS on the wire, for DNS clients (dig, nslookup, host). */
  readonly dns: DnsAccess;
  /** Forward name resolution (lookup's address); undefined when it fails. */
  resolve(name: string): number | undefined;
  /** Reverse resolution (/etc/hosts, then DNS PTR); undefined when the lookup fails (the address is printed instead). */
  reverse(address: number): string | undefined;
  /** The reverse lookup with why it failed (getnameinfo tells a temporary failure from "no name"). */
  reverseLookup(address: number): ReverseResolution;
  /** Simulated wall-clock time in milliseconds since the epoch (for mtr's Start: line). */
  nowMs(): number;
  /** Lets simulated time pass while the tool waits (between probes, for replies): rate limits refill. */
  wait(ms: number): void;
  /** The socket listening on `device` (where a probe was delivered) for PROTOCOL/PORT, with the app behind it. */
  listener(device: string, protocol: 'tcp' | 'udp', port: number): Listener | undefined;
  /** A sysctl of the place the tool runs on (FALLBACK when never set). */
  sysctl(key: string, fallback: string): string;
  /** Where the tool puts its L4 results as data (CommandResult.l4). */
  readonly l4: L4Collector;
  /** The place's own sockets (listeners, closed connections in TIME-WAIT) for `ss`; clients record their connections. */
  readonly sockets: SocketView;
  /** Whether the tool's stdout is a terminal (the training shell); false: a pipe, as a harness or script sees it. */
  readonly tty: boolean;
}

/** The L4 results of one command as its tools report them (sim/simulator.ts attaches them to the CommandResult). */
export interface L4Collector {
  readonly connections: ConnectionRecord[];
  readonly lookups: LookupRecord[];
  readonly dns: DnsAnswerRecord[];
}
