// The trace data model every layer shares: what a probe did, hop by hop, and a command's result (sim, lab, svg, cli).

/** Why a probe's forward journey ended. A fixed set, as in Batfish's traceroute engine. */
export type Disposition =
  | 'reached' // delivered to the target's stack (which answered, or not)
  | 'time-exceeded' // TTL ran out at a router
  | 'no-route' // no route while forwarding (ICMP net unreachable) or at the source
  | 'route-unreachable' // an `unreachable` or `prohibit` route answered
  | 'blackhole' // a `blackhole` route swallowed it
  | 'dropped-by-rule' // netfilter DROP
  | 'rejected' // netfilter REJECT
  | 'forwarding-off' // net.ipv4.ip_forward=0 on a router
  | 'rp-filter' // reverse-path filter dropped it
  | 'martian-source' // arrived with one of the receiving device's own addresses as its source
  | 'neighbour-unreachable' // ARP got no answer (or the peer's carrier is down)
  | 'frag-needed' // DF set and bigger than the egress MTU
  | 'too-big' // silently dropped: bigger than the receiving interface's MTU
  | 'hairpin-off' // a bridge would send the frame back out of the port it came in by, and that port's hairpin mode is off
  | 'loop' // went round the same devices until the TTL ran out
  | 'no-answer'; // beyond what the lab models (the NAT engine's outside world) or a reply lost on the way back

/** One decision on the path: where, through which interfaces, and the route, rule or sysctl that decided. */
export interface Step {
  readonly direction: 'out' | 'back';
  readonly device: string;
  readonly in?: string;
  readonly out?: string;
  /** Human-readable: "route 10.244.1.0/24 via 192.168.56.11 dev eth1", "sysctl net.ipv4.ip_forward=0", ... */
  readonly decision: string;
}

export type ReplyKind =
  | 'time-exceeded'
  | 'unreachable' // ICMP destination unreachable (code says which)
  | 'echo-reply'
  | 'tcp-synack'
  | 'tcp-rst'
  | 'udp'; // a UDP answer (a listening service replied)

/** What came back to the prober for one probe. */
export interface Reply {
  /** Source address of the reply as the prober sees it (after any NAT reverse translation); 0 when a local error names no offender. */
  readonly from: number;
  readonly kind: ReplyKind;
  /** ICMP code for 'unreachable' (3 = port unreachable, 4 = frag needed, 13 = admin prohibited, ...). */
  readonly code?: number;
  /** Next-hop MTU carried by a frag-needed error. */
  readonly mtu?: number;
  /** TTL left in the reply when it arrived (mtr and tracepath use it). */
  readonly ttl: number;
  /** Round-trip time in milliseconds from the seeded link model. */
  readonly rttMs: number;
  /** Whether the error was produced at the prober itself (a local neighbour failure or a local error). */
  readonly local?: boolean;
}

export interface ProbeResult {
  readonly ttl: number;
  /** Undefined: nothing came back (`*`). */
  readonly reply?: Reply;
  readonly disposition: Disposition;
  /** Device where the forward journey ended. */
  readonly at: string;
  /** TCP/UDP probes that reached a stack: the port they were delivered to there (after any DNAT). */
  readonly port?: number;
  /** With ProbeSpec.responseBytes: whether the response's first (largest) segment reached the prober. */
  readonly responseArrived?: boolean;
  /** A TCP probe answered with SYN-ACK: the devices its SYN entered and the NAT mappings made (conntrack -L, sim/tools/conntrack.ts). */
  readonly flow?: { readonly path: readonly string[]; readonly nat: readonly FlowNat[] };
  readonly steps: readonly Step[];
}

/** A flow's tuple before (orig) and after (xlat) the NAT one device made. */
export interface FlowNat {
  readonly device: string;
  readonly orig: FlowTuple;
  readonly xlat: FlowTuple;
}

export interface FlowTuple {
  readonly src: number;
  readonly dst: number;
  readonly sport: number;
  readonly dport: number;
}

/** One probe as a tool saw it: the dataplane's result, with a reply the tool gave up on removed (printed `*`). */
export interface TracedProbe extends ProbeResult {
  /** The reply arrived after the tool stopped waiting (it is not in `reply`). */
  readonly late?: boolean;
  /** Path MTU the probe was sent with, when the tool discovers it (traceroute --mtu prints `F=N` when it changes). */
  readonly mtu?: number;
}

/** A finished trace: the tool's view of every hop, before any text. */
export interface TraceRecord {
  readonly tool: string;
  readonly target: { readonly name: string; readonly ip: number };
  readonly protocol: 'udp' | 'tcp' | 'icmp';
  readonly firstHop: number;
  readonly maxHops: number;
  readonly probesPerHop: number;
  readonly packetLength: number;
  readonly hops: readonly { readonly ttl: number; readonly probes: readonly TracedProbe[] }[];
  readonly reached: boolean;
}

/** The text a command printed and its exit status: the same shape on every backend. */
export interface CommandResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number;
  /** Trace records the command produced (simulator only), for --explain and --svg. */
  readonly traces?: readonly TraceRecord[];
  /** What the command's L4 clients got, as data (simulator only): connections, name lookups, DNS answers. */
  readonly l4?: L4Results;
  /**
   * How many characters of `stderr` the tool wrote before its first `stdout` (simulator only): a terminal shows them
   * first and the rest of stderr after stdout (tcptraceroute's "Selected device" lines). Absent: stdout came first.
   */
  readonly stderrLead?: number;
}

/** The layer-4 results of one command, for library users' tests (index.ts `openLab().run`). */
export interface L4Results {
  readonly connections: readonly ConnectionRecord[];
  readonly lookups: readonly LookupRecord[];
  readonly dns: readonly DnsAnswerRecord[];
}

/** One connect() of a client (curl, wget, nc, dig +tcp): where to, and how it ended. */
export interface ConnectionRecord {
  readonly protocol: 'tcp' | 'udp';
  readonly dst: number;
  readonly dport: number;
  /** `connected`, or the errno connect() failed with (ECONNREFUSED, ETIMEDOUT, EHOSTUNREACH, ...). */
  readonly outcome: string;
  /** The tool's own timeout (-m, -w, -T) ended the wait, not the kernel. */
  readonly callerTimeout?: boolean;
  readonly elapsedMs: number;
  /** Connected: the place whose socket accepted, the port after any DNAT, and the app behind it (http, dns; none: bare). */
  readonly server?: { readonly device: string; readonly port: number; readonly app?: string };
}

/** A host name a client looked up through the place's resolver (/etc/hosts, then DNS). */
export interface LookupRecord {
  readonly name: string;
  readonly address?: number;
  /** Why it failed: NXDOMAIN, NODATA, TIMEOUT, REFUSED. */
  readonly error?: string;
}

/** A DNS reply a DNS client (dig, nslookup, host) got: the question, the rcode and the answer records. */
export interface DnsAnswerRecord {
  readonly server: number;
  readonly name: string;
  readonly type: string;
  readonly rcode: string;
  readonly answers: readonly { readonly name: string; readonly type: string; readonly ttl: number; readonly data: string }[];
}

/** What a terminal shows for a command: stdout and stderr in the order the tool wrote them (`stdout` replaced by a pipeline's output). */
export function terminalText(r: CommandResult, stdout: string = r.stdout): string {
  const lead = r.stderrLead ?? 0;
  return r.stderr.slice(0, lead) + stdout + r.stderr.slice(lead);
}
