// The TCP connections the simulator's clients made and closed, per place, for `ss` (a client that closes first keeps
// its socket in TIME-WAIT for TCP_TIMEWAIT_LEN, 60 s, include/net/tcp.h) and per node for `conntrack -L` (the flow's
// entry in TIME_WAIT for nf_conntrack_tcp_timeout_time_wait, 120 s).
import type { Listener } from '../../topology/model.js';
import type { FlowTuple } from '../../topology/trace.js';

/** TCP_TIMEWAIT_LEN: how long the side that closed first keeps the socket (not a sysctl). */
export const TIME_WAIT_MS = 60_000;

/** One TCP connection as its client's socket saw it. */
export interface ClosedConnection {
  /** The place the client ran at. */
  readonly device: string;
  readonly src: number;
  readonly sport: number;
  /** The address and port the client connected to (a ClusterIP stays a ClusterIP in the socket's view). */
  readonly dst: number;
  readonly dport: number;
  /** Simulated time the client closed the connection (its FIN went first). */
  readonly closedAtMs: number;
}

/** nf_conntrack_tcp_timeout_time_wait's default. */
export const CT_TIME_WAIT_MS = 120_000;

/** A closed TCP flow as one node's conntrack holds it: the tuple as it arrived there and the reply tuple after NAT. */
export interface TrackedFlow {
  readonly node: string;
  readonly orig: FlowTuple;
  readonly reply: FlowTuple;
  readonly closedAtMs: number;
}

/** The sockets a place has beyond its listeners (connections its clients closed, while in TIME-WAIT), and the flows nodes track. */
export class ConnectionLog {
  private readonly closed: ClosedConnection[] = [];
  private readonly tracked: TrackedFlow[] = [];

  record(c: ClosedConnection): void {
    this.closed.push(c);
  }

  recordFlow(f: TrackedFlow): void {
    this.tracked.push(f);
  }

  /** NODE's conntrack entries at NOWMS (oldest first); expired ones are dropped. */
  flows(node: string, nowMs: number): readonly TrackedFlow[] {
    for (let i = this.tracked.length - 1; i >= 0; i--) if (nowMs - this.tracked[i]!.closedAtMs >= CT_TIME_WAIT_MS) this.tracked.splice(i, 1);
    return this.tracked.filter((f) => f.node === node);
  }

  /** DEVICE's sockets in TIME-WAIT at NOWMS (oldest first). */
  timeWait(device: string, nowMs: number): readonly ClosedConnection[] {
    // Expired entries go for good: the log never grows beyond a minute of connections.
    for (let i = this.closed.length - 1; i >= 0; i--) if (nowMs - this.closed[i]!.closedAtMs >= TIME_WAIT_MS) this.closed.splice(i, 1);
    return this.closed.filter((c) => c.device === device);
  }
}

/** What `ss` asks of the place it runs at: its listening sockets and its connections. */
export interface SocketView {
  /** The place's listening sockets (the model's listeners, with the image's defaults). */
  listeners(): readonly Listener[];
  /** Whether DEVICE's conntrack tracks the flows crossing it (the nodes: kube-proxy's nat rules load it). */
  tracksFlows(device: string): boolean;
  readonly log: ConnectionLog;
  /** NODE's UDP and ICMP conntrack entries with their seconds left (sim/conntrack-table.ts). */
  datagramFlows(node: string): readonly DatagramFlow[];
}

/** A UDP or ICMP conntrack entry as `conntrack -L` prints it. */
export interface DatagramFlow {
  readonly protocol: 'udp' | 'icmp';
  readonly orig: FlowTuple;
  readonly reply: FlowTuple;
  readonly replied: boolean;
  readonly secondsLeft: number;
}
