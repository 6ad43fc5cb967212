// The per-device forwarding pipeline in the kernel's order: PREROUTING (DNAT) -> route input -> rp_filter ->
// TTL -> MTU -> FORWARD -> POSTROUTING (SNAT) -> neighbour, plus local output (nat OUTPUT), local input (reply
// un-DNAT) and frames bridged between two ports of a node's cni0 (br_netfilter); the ICMP errors: icmp-error.ts.
import { formatIp } from '../topology/address.js';
import type { Route } from '../topology/model.js';
import type { Attachment, DeviceState } from './dataplane.js';
import type { IfaceState } from './device-state.js';
import { hairpinRefused } from './hairpin.js';
import { icmpError, reject, routeError } from './icmp-error.js';
import { bridgeNf, inputSysctls, martianSource, routeText, rpFilterPasses } from './input-checks.js';
import { Journey, type Outcome } from './journey.js';
import { seenReply } from './conntrack-table.js';
import { addressFor, applyDnat, applySnat, findFlow, natOutputHasRules, runChain, unNat, verdictText, type Flow } from './nat.js';
import type { MatchPacket } from './netfilter-eval.js';
import { HOOK_FORWARD, HOOK_INPUT, HOOK_OUTPUT, REJECT_TYPES } from './netfilter.js';
import { egressPlan, nextHopOf, planCarrier, planLink, planNeighbour, type EgressPlan } from './egress-plan.js';
import { ARP_TIMEOUT_MS, ICMP_TIME_EXCEEDED, ICMP_UNREACH, isIcmpError, withTtl, withoutMark, type Packet } from './packet.js';
import { tapArrival, tapDeparture, tapUnansweredArp } from './capture/tap.js';
import { arpSender, resolveNeighbour, whyUnanswered } from './arp.js';
import { countIcmp } from './snmp.js';
import { sendFrame } from './neighbours.js';
import { Mib, countForwarded, countIp, countIpIn, countIpTransmit, countErrorToSelf } from './ip-mib.js';
import { countCrossing, countLoopback, countUnansweredArp, linkCounters } from './link-stats.js';

export { addressFor } from './nat.js';
export { icmpError, icmpErrorLength } from './icmp-error.js';
export { Journey, type LocalErrno, type Outcome } from './journey.js';

const MAX_STEPS = 600;

/** Whether conntrack sees `p` as part of a known flow (a reply, or an error about one) rather than a new one. */
function isTracked(p: Packet, flow: Flow | undefined): boolean {
  return flow !== undefined || isIcmpError(p) || p.tcp === 'synack' || p.tcp === 'rst' || p.tcp === 'data' || (p.protocol === 'icmp' && p.icmp?.type === 0);
}

/** Conntrack's reverse NAT of a reply or related error at `device`, recorded as a step when an address changed. */
function undoNat(j: Journey, device: string, flow: Flow, p: Packet, phase: 'dst' | 'src', hook: string, iface: { in?: string; out?: string }): Packet {
  const after = unNat(flow, p, phase);
  const [was, now] = phase === 'dst' ? [p.dst, after.dst] : [p.src, after.src];
  if (was !== now) {
    if (j.recording) j.note(device, `conntrack reverses the ${phase === 'dst' ? 'SNAT' : 'DNAT'} in nat ${hook}: ${phase === 'dst' ? 'destination' : 'source'} ${formatIp(was)} -> ${formatIp(now)}`, iface);
  }
  return after;
}

/** The filter hooks' ctstate: a reply or related error, a flow that has seen a reply (conntrack-table.ts), or NEW. */
function ctState(j: Journey, device: string, p: Packet, tracked: boolean): MatchPacket['state'] {
  if (tracked) return isIcmpError(p) ? 'RELATED' : 'ESTABLISHED';
  return seenReply(j.dp, device, p) ? 'ESTABLISHED' : 'NEW';
}

/** The device of the output route to DST (lo for the device's own addresses), which nat OUTPUT's `-o` matches. */
function outputDevice(s: DeviceState, dst: number): string | undefined {
  if (s.isLocal(dst)) return 'lo';
  const route = s.lookup(dst)?.route;
  return route?.type === 'unicast' ? route.dev : undefined;
}

/** Sends a packet from a device's own stack (a probe, an answer, an ICMP error). */
export function originate(j: Journey, device: string, packet: Packet, natBypass = false): Outcome {
  return originateAt(j, j.dp.state(device), packet, natBypass);
}

/**
 * originate() from a device state the caller already holds (no lookup by name); KNOWN is the unicast route to
 * packet.dst when the caller already looked it up (runProbe, for the source address), used while nat OUTPUT keeps the destination.
 */
export function originateAt(j: Journey, s: DeviceState, packet: Packet, natBypass: boolean, known?: Route): Outcome {
  const device = s.id;
  const related = isIcmpError(packet);
  const reply = packet.protocol === 'tcp' ? packet.tcp !== 'syn' : packet.protocol === 'icmp' && !related && packet.icmp?.type === 0;
  let p = packet;
  // An empty nat OUTPUT changes nothing: the route lookup for its `-o` is made only when it has rules.
  if (!related && !reply && natOutputHasRules(s)) p = applyDnat(j, s, p, 'OUTPUT', undefined, outputDevice(s, p.dst));
  if (s.isLocal(p.dst)) {
    if (p.icmp !== undefined) countIcmp(s, p, 'out');
    countIp(s, Mib.OutRequests);
    countIpTransmit(s, p.length, p.protocol === 'tcp');
    countLoopback(s, p.length);
    if (j.recording) j.note(device, `local route to ${formatIp(p.dst)} (dev lo)`, { out: 'lo' });
    j.cross('veth');
    return ingress(j, device, 'lo', p, s);
  }
  const route = known !== undefined && p.dst === packet.dst ? known : s.lookup(p.dst)?.route;
  if (route === undefined) {
    countIp(s, Mib.OutNoRoutes);
    if (j.recording) j.note(device, `no route to ${formatIp(p.dst)}`);
    return { kind: 'local-error', device, errno: 'ENETUNREACH', disposition: 'no-route' };
  }
  if (route.type !== 'unicast') {
    if (j.recording) j.note(device, routeText(route));
    const errno = route.type === 'blackhole' ? 'EINVAL' : route.type === 'prohibit' ? 'EACCES' : 'EHOSTUNREACH';
    return { kind: 'local-error', device, errno, disposition: route.type === 'blackhole' ? 'blackhole' : 'route-unreachable' };
  }
  const out = route.dev!;
  if (p.icmp !== undefined) countIcmp(s, p, 'out');
  countIp(s, Mib.OutRequests);
  const fv = runChain(j.dp, s, 'filter', HOOK_OUTPUT, p, related ? 'RELATED' : reply || seenReply(j.dp, device, p) ? 'ESTABLISHED' : 'NEW', undefined, out);
  if (fv.target === 'DROP' || fv.target === 'REJECT') {
    countIp(s, Mib.OutDiscards);
    if (j.recording) j.note(device, verdictText('filter', fv), { out });
    const how = fv.target === 'REJECT' ? REJECT_TYPES[fv.rule?.rejectWith ?? 'icmp-port-unreachable'] : undefined;
    const rejectIcmp = how !== undefined && how !== 'tcp-reset' && !related ? { rejectIcmp: how } : {};
    if ('rejectIcmp' in rejectIcmp) countErrorToSelf(s, p);
    return { kind: 'local-error', device, errno: 'EPERM', disposition: fv.target === 'DROP' ? 'dropped-by-rule' : 'rejected', ...rejectIcmp };
  }
  const rerouted = p.dst !== packet.dst ? ' (looked up again after nat OUTPUT changed the destination)' : '';
  if (j.recording) j.note(device, `${routeText(route)}${rerouted}`, { out });
  return egress(j, s, route, egressPlan(s, route), p, undefined, true, related || reply, natBypass ? 'bypass' : undefined);
}

/**
 * POSTROUTING and the way onto the link out of the route's device (its plan: egress-plan.ts); `flow` is the NAT
 * flow the packet's ingress at this device matched, or 'bypass' for a packet the kernel transmits without passing the NAT hooks.
 */
function egress(j: Journey, s: DeviceState, route: Route, plan: EgressPlan, packet: Packet, inDev: string | undefined, local: boolean, tracked: boolean, flow?: Flow | 'bypass'): Outcome {
  const device = s.id;
  const out = route.dev!;
  let p = packet;
  const own = flow === 'bypass' ? undefined : (flow ?? findFlow(j, device, p));
  if (own) p = undoNat(j, device, own, p, 'src', 'POSTROUTING', { out });
  else if (!tracked && flow !== 'bypass') p = applySnat(j, s, p, out, route);
  const iface = plan.iface;
  const nexthop = nextHopOf(plan, p.dst);
  if (local && iface && p.df && p.length > iface.mtu) {
    if (j.recording) j.note(device, `packet of ${p.length} bytes with DF set exceeds ${out} mtu ${iface.mtu}`, { out });
    return { kind: 'local-error', device, errno: 'EMSGSIZE', disposition: 'frag-needed', mtu: iface.mtu };
  }
  countIpTransmit(s, p.length, p.protocol === 'tcp');
  const link = planLink(j.dp, plan);
  const onLink = link !== undefined && planCarrier(j.dp, s, plan);
  let neighbour = onLink ? planNeighbour(j.dp, s, plan, link, nexthop) : undefined;
  const backFrom = j.bridgedBackFrom;
  j.bridgedBackFrom = undefined;
  const refused = neighbour && backFrom !== undefined ? hairpinRefused(j, s, out, neighbour, backFrom) : undefined;
  if (refused) return refused;
  const now = j.dp.nowMs + j.elapsedMs;
  // A static neighbour entry sends the frame without asking: to a MAC nobody on the link has, it is lost.
  let arp = neighbour ? sendFrame(s.neighbours, out, linkCounters(iface!), nexthop, neighbour.ifaceState.mac, linkCounters(neighbour.ifaceState), now) : s.neighbours.permanent(out, nexthop) ? 'lost' : undefined;
  // A request sent, nobody holding the address on the link, or an entry naming another MAC: ARP's sysctls decide (arp.ts).
  if (onLink && arp !== 'known') ({ neighbour, arp } = resolveNeighbour(j, s, iface!, nexthop, p.src, now, neighbour, arp));
  if (arp === 'lost') return { kind: 'dropped', device, disposition: 'no-answer' };
  if (arp === 'asked') neighbour!.state.neighbours.heardFrom(neighbour!.iface, arpSender(s, out, nexthop, p.src), iface!.mac, now);
  if (!neighbour) {
    const wait = unansweredArpWait(j, device, out, nexthop);
    if (j.dp.tap !== null && wait === ARP_TIMEOUT_MS && iface) tapUnansweredArp(j, j.dp.tap, s, iface, nexthop, arpSender(s, out, nexthop, p.src));
    j.elapsedMs += wait;
    if (wait === ARP_TIMEOUT_MS && iface && link && j.dp.carrierOf(s, iface)) countUnansweredArp(j.dp, iface, link.bridge);
    if (j.recording) j.note(device, `neighbour ${formatIp(nexthop)} dev ${out} does not answer ARP${iface && !j.dp.carrier(device, out) ? ' (no carrier)' : onLink ? whyUnanswered(j.dp, iface!.segment!, { device, iface: out }, arpSender(s, out, nexthop, p.src), nexthop) : ''}`, { out });
    // ipv4_link_failure() -> icmp_send() to the packet's own (local) source, from that address (kernel-checked: a route's src).
    if (local) {
      countErrorToSelf(s, p);
      return { kind: 'local-error', device, errno: 'EHOSTUNREACH', disposition: 'neighbour-unreachable', from: s.isLocal(p.src) ? p.src : addressFor(s, out, nexthop) };
    }
    return icmpError(j, s, p, ICMP_UNREACH, 1, 'neighbour-unreachable', inDev);
  }
  if (j.dp.tap !== null) tapDeparture(j, j.dp.tap, s, iface!, neighbour, p, arp === 'asked' ? nexthop : undefined);
  j.cross(link!.kind);
  // skb->mark does not survive the link into another namespace or host (skb_scrub_packet).
  if (p.mark !== undefined) p = withoutMark(p);
  // The neighbour's fields read once each (every neighbour is a NeighbourRecord: one object shape, monomorphic loads).
  const rxDevice = neighbour.device, rxIfaceName = neighbour.iface, rxState = neighbour.state, rx = neighbour.ifaceState;
  const txIface = iface!;
  // A frame for a bridge's own address comes in through the bridge port at the other end of the sender's veth: that
  // port's MTU is the one checked, not the bridge's (kernel-checked: a 1500-byte reply through a 1500 port of a
  // 1400 cni0 is received).
  const port = rx.kind === 'bridge' && txIface.peer?.device === rxDevice ? j.dp.peerEnd(txIface)?.iface : undefined;
  const rxMtu = port?.master === rx.name ? port.mtu : rx.mtu;
  // Without DF the sender fragments to its own MTU, so only a frame bigger than both MTUs is lost on receive.
  const frame = Math.min(p.length, txIface.mtu);
  if (frame > rxMtu + 4) {
    if (j.recording) j.note(rxDevice, `${frame}-byte frame exceeds ${port?.master === rx.name ? port.name : rxIfaceName} mtu ${rxMtu}: dropped on receive`, { in: rxIfaceName });
    countCrossing(j.dp, txIface, rx, link!.bridge, p.length, arp === 'asked', true);
    return { kind: 'dropped', device: rxDevice, disposition: 'too-big' };
  }
  // Between two ports of a node's bridge (pod to pod on cni0) the frame passes the bridge, not the node's routing.
  const bridge = link!.bridge;
  countCrossing(j.dp, txIface, rx, bridge, p.length, arp === 'asked');
  j.cameThrough = txIface.peer;
  if (bridge && bridge.device !== device && bridge.device !== rxDevice) {
    const bs = j.dp.bridgeStateOf(link!);
    if (bridgeNf(bs, bridge.iface)) return bridged(j, bs, bridge, p, rxDevice, rxIfaceName, rxState);
  }
  return ingress(j, rxDevice, rxIfaceName, p, rxState);
}

/**
 * How long a packet waits for a neighbour that never answers. An ARP attempt lasts ARP_TIMEOUT_MS; packets sent
 * while it runs are queued and all fail when it gives up; the next packet after that starts a new attempt.
 */
function unansweredArpWait(j: Journey, device: string, iface: string, ip: number): number {
  const now = j.dp.nowMs + j.elapsedMs;
  const key = `${device}|${iface}|${ip}`;
  const failsAt = j.dp.arpFailsAt.get(key);
  if (failsAt !== undefined && now < failsAt) return failsAt - now;
  j.dp.arpFailsAt.set(key, now + ARP_TIMEOUT_MS);
  j.dp.state(device).neighbours.unanswered(iface, ip, now + ARP_TIMEOUT_MS);
  return ARP_TIMEOUT_MS;
}

function ingress(j: Journey, device: string, inDev: string, packet: Packet, state?: DeviceState): Outcome {
  if (j.steps.length > MAX_STEPS) return { kind: 'dropped', device, disposition: 'loop' };
  const s = state ?? j.dp.state(device);
  j.enter(device, s);
  countIpIn(s, packet.length, packet.protocol === 'tcp');
  const flow = findFlow(j, device, packet);
  let p = flow ? undoNat(j, device, flow, packet, 'dst', 'PREROUTING', { in: inDev }) : packet;
  const tracked = isTracked(p, flow);
  if (!tracked) p = applyDnat(j, s, p, 'PREROUTING', inDev);
  if (j.dp.tap !== null) tapArrival(j, j.dp.tap, device, inDev, s.ifaces.get(inDev)?.kind === 'bridge' ? p : packet);
  return routeInput(j, s, inDev, p, tracked, flow, p.dst !== packet.dst);
}

/**
 * br_netfilter: a frame the bridge switches between two of its ports (pod to pod on cni0) traverses the bridge
 * device's iptables hooks as `-i cni0 -o cni0` (nat PREROUTING, filter FORWARD, nat POSTROUTING) without being
 * routed: no TTL decrement, no Time Exceeded. When PREROUTING changes its destination, it is routed instead.
 */
function bridged(j: Journey, s: DeviceState, bridge: Attachment, packet: Packet, toDevice: string, toIface: string, toState: DeviceState): Outcome {
  const dev = bridge.iface;
  const flow = findFlow(j, bridge.device, packet);
  let p = flow ? undoNat(j, bridge.device, flow, packet, 'dst', 'PREROUTING', { in: dev }) : packet;
  const tracked = isTracked(p, flow);
  if (!tracked) p = applyDnat(j, s, p, 'PREROUTING', dev);
  if (p.dst !== packet.dst) return routeInput(j, s, dev, p, tracked, flow, true);
  const how = `bridged by ${dev} (br_netfilter, not routed): `;
  const v = runChain(j.dp, s, 'filter', HOOK_FORWARD, p, ctState(j, bridge.device, p, tracked), dev, dev);
  if (v.target === 'DROP') {
    if (j.recording) j.note(bridge.device, `${how}${verdictText('filter', v)}`, { in: dev, out: dev });
    return { kind: 'dropped', device: bridge.device, disposition: 'dropped-by-rule' };
  }
  if (v.target === 'REJECT') return reject(j, s, p, v, dev, how);
  if (j.recording) j.note(bridge.device, `${how}${verdictText('filter', v)}`, { in: dev, out: dev });
  if (flow) p = undoNat(j, bridge.device, flow, p, 'src', 'POSTROUTING', { out: dev });
  else if (!tracked) p = applySnat(j, s, p, dev, { dst: { addr: p.dst, len: 32 }, type: 'unicast', dev });
  return ingress(j, toDevice, toIface, p, toState);
}

/**
 * The input route decision after PREROUTING: local delivery (filter INPUT, then nat undoes the DNAT of a reply or a
 * related error), or forwarding: routed, or bridged straight back out when a DNAT on a br_netfilter bridge points
 * at another port of the same bridge (kernel: br_nf_pre_routing_finish "bridged_dnat": no TTL decrement).
 */
function routeInput(j: Journey, s: DeviceState, inDev: string, packet: Packet, tracked: boolean, flow: Flow | undefined, daddrChanged: boolean): Outcome {
  const device = s.id;
  let p = packet;
  // A local broadcast address (a directed broadcast to one of this router's subnets) is RTN_BROADCAST: received here
  // like a local address (source validated, filter INPUT), never forwarded, so no TTL check either; what answers it
  // is the stack's business (probe.ts: only an echo, with icmp_echo_ignore_broadcasts=0; no ICMP errors).
  const local = s.isLocal(p.dst);
  const broadcast = !local && s.isLocalBroadcast(p.dst);
  const sys = inputSysctls(s, inDev); // read once for the three checks below (a cache hit: no sysctl is read)
  if (broadcast || local) {
    const martian = martianSource(j, s, p, inDev, sys);
    if (martian) return martian;
    if (!rpFilterPasses(s, p, inDev, sys)) {
      if (j.recording) j.note(device, `rp_filter=${sys.rpFilter}: no route back to ${formatIp(p.src)} via ${inDev}: dropped`, { in: inDev });
      return { kind: 'dropped', device, disposition: 'rp-filter' };
    }
    const v = runChain(j.dp, s, 'filter', HOOK_INPUT, p, tracked || seenReply(j.dp, device, p) ? 'ESTABLISHED' : 'NEW', inDev);
    if (v.target === 'DROP') {
      if (j.recording) j.note(device, verdictText('filter', v), { in: inDev });
      return { kind: 'dropped', device, disposition: 'dropped-by-rule' };
    }
    // REJECT sends nothing about a broadcast (nf_send_unreach/icmp_send and nf_send_reset skip RTCF_BROADCAST).
    if (v.target === 'REJECT') return broadcast ? { kind: 'dropped', device, disposition: 'dropped-by-rule' } : reject(j, s, p, v, inDev);
    if (flow) p = undoNat(j, device, flow, p, 'src', 'INPUT', { in: inDev });
    if (j.recording) j.note(device, `${broadcast ? 'local broadcast' : 'local'} delivery to ${formatIp(p.dst)}`, { in: inDev });
    if (p.icmp !== undefined) countIcmp(s, p, 'in');
    countIp(s, Mib.InDelivers);
    return { kind: 'delivered', device, packet: p };
  }
  // Bridged DNAT needs forwarding too: with it off, ip_route_input() hands br_netfilter an ip_error route (kernel-checked).
  if (sys.forwarding === 0) { // the kernel forwards for any non-zero value
    countIp(s, Mib.InAddrErrors);
    if (j.recording) j.note(device, 'sysctl net.ipv4.ip_forward=0: not forwarding, dropped silently', { in: inDev });
    return { kind: 'dropped', device, disposition: 'forwarding-off' };
  }
  const route = s.lookup(p.dst)?.route;
  const bridgedBack = daddrChanged && route?.type === 'unicast' && route.dev === inDev && bridgeNf(s, inDev);
  if (!route) {
    countIp(s, Mib.InNoRoutes);
    if (j.recording) j.note(device, `no route to ${formatIp(p.dst)}`, { in: inDev });
    return routeError(j, s, p, 0, 'no-route', inDev);
  }
  if (route.type === 'blackhole') {
    if (j.recording) j.note(device, `${routeText(route)}: dropped silently`, { in: inDev });
    return { kind: 'dropped', device, disposition: 'blackhole' };
  }
  if (route.type !== 'unicast') {
    if (j.recording) j.note(device, routeText(route), { in: inDev });
    return routeError(j, s, p, route.type === 'prohibit' ? 13 : 1, 'route-unreachable', inDev);
  }
  const martian = martianSource(j, s, p, inDev, sys);
  if (martian) return martian;
  if (!rpFilterPasses(s, p, inDev, sys)) {
    if (j.recording) j.note(device, `rp_filter=${sys.rpFilter}: route back to ${formatIp(p.src)} does not use ${inDev}: dropped`, { in: inDev });
    return { kind: 'dropped', device, disposition: 'rp-filter' };
  }
  if (!bridgedBack && p.ttl <= 1) {
    const looped = j.enteredTwice(device);
    countIp(s, Mib.InHdrErrors);
    if (j.recording) j.note(device, `TTL ${p.ttl} expires here (${routeText(route)})${looped ? ': routing loop' : ''}`, { in: inDev, out: route.dev });
    return icmpError(j, s, p, ICMP_TIME_EXCEEDED, 0, looped ? 'loop' : 'time-exceeded', inDev);
  }
  const plan = egressPlan(s, route);
  if (!bridgedBack) {
    // Kernel 6.18 counts IpForwDatagrams after the TTL check, before the MTU check and filter FORWARD (a FORWARD DROP
    // and a frag-needed still count; 6.1 counted after FORWARD).
    countForwarded(s);
    const outIface = plan.iface;
    if (outIface && p.df && p.length > outIface.mtu) {
      countIp(s, Mib.FragFails);
      if (j.recording) j.note(device, `${p.length} bytes with DF set exceed ${route.dev} mtu ${outIface.mtu}`, { in: inDev, out: route.dev });
      return icmpError(j, s, p, ICMP_UNREACH, 4, 'frag-needed', inDev, outIface.mtu);
    }
    p = withTtl(p, p.ttl - 1);
  }
  const how = bridgedBack ? `DNAT target is on ${inDev} again: bridged back out (br_netfilter, not routed, TTL kept): ` : '';
  const v = runChain(j.dp, s, 'filter', HOOK_FORWARD, p, ctState(j, device, p, tracked), inDev, route.dev);
  if (v.target === 'DROP') {
    if (j.recording) j.note(device, `${how}${verdictText('filter', v)}`, { in: inDev, out: route.dev });
    return { kind: 'dropped', device, disposition: 'dropped-by-rule' };
  }
  if (v.target === 'REJECT') return reject(j, s, p, v, inDev, how);
  if (j.recording) j.note(device, `${how}${routeText(route)}`, { in: inDev, out: route.dev });
  if (bridgedBack) j.bridgedBackFrom = j.cameThrough;
  return egress(j, s, route, plan, p, inDev, false, tracked, flow);
}
