// A probe's path as something to draw: the devices its packets crossed (with interfaces), what answered at each hop,
// and where it failed. Derived from a TraceRecord's hops and their ProbeResult steps; pure.
import { formatIp } from '../address.js';
import type { ProbeResult, TraceRecord } from '../trace.js';

/** One device on the way out, with the interfaces the packet came in by and left by. */
export interface Leg {
  readonly device: string;
  readonly in?: string;
  readonly out?: string;
}

export interface HopMark {
  readonly ttl: number;
  /** The device the hop's probe got to (the one that answered, or where it was lost). */
  readonly device: string;
  /** The address the tool printed, undefined for `*`. */
  readonly address?: string;
  readonly status: 'answered' | 'reached' | 'error' | 'lost';
  /** Annotation such as `!N`, or the disposition of a lost probe. */
  readonly note?: string;
}

export interface Failure {
  readonly device: string;
  readonly firstTtl: number;
  readonly lastTtl: number;
  readonly disposition: string;
  /** The route, rule or sysctl that decided, as the simulator recorded it. */
  readonly decision?: string;
}

/** What an ICMP destination-unreachable code means (RFC 792, RFC 1812), for the picture's caption. */
const UNREACHABLE: Readonly<Record<number, string>> = {
  0: 'net unreachable', 1: 'host unreachable', 2: 'protocol unreachable', 4: 'fragmentation needed', 5: 'source route failed',
  6: 'net unknown', 7: 'host unknown', 9: 'net prohibited', 10: 'host prohibited', 11: 'net unreachable for TOS',
  12: 'host unreachable for TOS', 13: 'administratively prohibited', 14: 'host precedence violation', 15: 'precedence cutoff',
};

export interface DrawnPath {
  readonly tool: string;
  readonly target: string;
  readonly from: string;
  readonly legs: readonly Leg[];
  readonly hops: readonly HopMark[];
  readonly reached: boolean;
  readonly failure?: Failure;
  /** Devices of a routing loop, the first repeated at the end (node-2, node-1, node-2). */
  readonly loop?: readonly string[];
  /** The first destination NAT on the way (a Service's ClusterIP translated to a pod). */
  readonly dnat?: { readonly device: string; readonly decision: string };
}

/** The representative probe of a hop: the first that got a reply, else the first. */
function representative(probes: readonly ProbeResult[]): ProbeResult | undefined {
  return probes.find((p) => p.reply) ?? probes[0];
}

/** Consecutive steps on one device (routing, then NAT) merged into one leg. */
function legsOf(p: ProbeResult): Leg[] {
  const legs: Leg[] = [];
  for (const s of p.steps) {
    if (s.direction !== 'out') continue;
    const last = legs[legs.length - 1];
    if (last && last.device === s.device) legs[legs.length - 1] = { device: s.device, in: last.in ?? s.in, out: s.out ?? last.out };
    else legs.push({ device: s.device, ...(s.in ? { in: s.in } : {}), ...(s.out ? { out: s.out } : {}) });
  }
  return legs;
}

function annotation(p: ProbeResult): string | undefined {
  const r = p.reply;
  if (!r) return p.disposition;
  if (r.kind === 'unreachable' && r.code !== 3) {
    const name = UNREACHABLE[r.code ?? -1] ?? `unreachable code ${r.code ?? '?'}`;
    return `(${name}${r.code === 4 && r.mtu ? `, mtu ${r.mtu}` : ''})`;
  }
  return undefined;
}

function hopMark(ttl: number, p: ProbeResult): HopMark {
  const note = annotation(p);
  const status: HopMark['status'] = !p.reply ? 'lost' : p.disposition === 'reached' && (p.reply.kind !== 'unreachable' || p.reply.code === 3) ? 'reached' : p.reply.kind === 'unreachable' && p.reply.code !== 3 ? 'error' : 'answered';
  return { ttl, device: p.at, ...(p.reply ? { address: formatIp(p.reply.from) } : {}), status, ...(note ? { note } : {}) };
}

/** The path of a trace run at device `from`. */
export function pathOf(trace: TraceRecord, from: string): DrawnPath {
  const hops: HopMark[] = [];
  let deepestLegs: Leg[] = [];
  for (const hop of trace.hops) {
    const p = representative(hop.probes);
    if (!p) continue;
    hops.push(hopMark(hop.ttl, p));
    for (const q of hop.probes) {
      const legs = legsOf(q);
      if (legs.length >= deepestLegs.length) deepestLegs = legs;
    }
  }
  const legs = deepestLegs.length > 0 ? deepestLegs : [{ device: from }];
  const dnat = trace.hops.flatMap((h) => h.probes).flatMap((p) => p.steps).find((st) => st.direction === 'out' && /^DNAT\b/.test(st.decision));
  let failure: Failure | undefined;
  // A REJECT on the way (port unreachable or a reset, e.g. a NetworkPolicy engine's) answers, but the path ends there.
  const rejectedAt = trace.hops.findIndex((h) => representative(h.probes)?.disposition === 'rejected');
  if (!trace.reached || rejectedAt >= 0) {
    const lostAt = trace.reached ? -1 : hops.findIndex((h) => h.status === 'lost' || h.status === 'error');
    const i = lostAt >= 0 ? lostAt : rejectedAt;
    if (i >= 0) {
      const first = hops[i]!;
      let j = i;
      while (j + 1 < hops.length && hops[j + 1]!.device === first.device && hops[j + 1]!.status === first.status) j++;
      const probe = representative(trace.hops.find((h) => h.ttl === first.ttl)!.probes)!;
      const decision = [...probe.steps].reverse().find((s) => s.direction === 'out' && s.device === first.device)?.decision;
      failure = { device: first.device, firstTtl: first.ttl, lastTtl: hops[j]!.ttl, disposition: probe.disposition, ...(decision ? { decision } : {}) };
    }
  }
  const firstRepeat = legs.findIndex((l, i) => legs.findIndex((m) => m.device === l.device) !== i);
  const loop = firstRepeat >= 0 ? legs.slice(legs.findIndex((m) => m.device === legs[firstRepeat]!.device), firstRepeat + 1).map((l) => l.device) : undefined;
  return { ...(loop ? { loop } : {}), ...(dnat ? { dnat: { device: dnat.device, decision: dnat.decision } } : {}), tool: trace.tool, target: trace.target.name === formatIp(trace.target.ip) ? trace.target.name : `${trace.target.name} (${formatIp(trace.target.ip)})`, from, legs, hops, reached: trace.reached, ...(failure ? { failure } : {}) };
}
