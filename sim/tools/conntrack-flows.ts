// The conntrack entries a finished TCP connection leaves on the nodes it crossed: at each node the tuple as the SYN
// arrived there (orig) and the reply tuple after that node's NAT (DNAT to the endpoint, MASQUERADE of the client).
import type { FlowTuple, ProbeResult } from '../../topology/trace.js';
import type { ToolContext } from '../tool-context.js';

const inverted = (t: FlowTuple): FlowTuple => ({ src: t.dst, dst: t.src, sport: t.dport, dport: t.sport });

/** Records the flow of a connected probe (its path and NAT mappings) on every node of the path that tracks flows. */
export function recordTrackedFlows(ctx: ToolContext, result: ProbeResult, first: FlowTuple): void {
  if (!result.flow) return;
  let current = first;
  const closedAtMs = ctx.nowMs();
  // The client's own place first: a node's locally originated connection is tracked there too (nat OUTPUT).
  const path = result.flow.path[0] === ctx.device ? result.flow.path : [ctx.device, ...result.flow.path];
  for (const device of path) {
    const nat = result.flow.nat.filter((e) => e.device === device).at(-1);
    const after = nat ? { src: nat.xlat.src, dst: nat.xlat.dst, sport: nat.xlat.sport, dport: nat.xlat.dport } : current;
    if (ctx.sockets.tracksFlows(device)) ctx.sockets.log.recordFlow({ node: device, orig: current, reply: inverted(after), closedAtMs });
    current = after;
  }
}
