// The per-device forwarding pipeline in the kernel's order: PREROUTING (DNAT) -> route input -> rp_filter ->
// TTL -> MTU -> FORWARD -> POSTROUTING (SNAT) -> neighbour, plus local output (nat OUTPUT), local input (reply
// un-DNAT), frames bridged between two ports of a node's cni0 (br_netfilter) and ICMP error generation.
import { formatIp, formatRouteDst } from '../topology/address.js';
import type { Interface, Route } from '../topology/model.js';
import type { Attachment, Dataplane, DeviceState } from './dataplane.js';
import { hairpinRefused } from './hairpin.js';
import { seenReply } from './conntrack-table.js';
import { addressFor, applyDnat, applySnat, findFlow, runChain, unNat, verdictText, type Flow } from './nat.js';
import type { MatchPacket, Verdict } from './netfilter-eval.js';
import { REJECT_TYPES } from './netfilter.js';
import {
  ARP_TIMEOUT_MS, DEVICE_MS, ICMP_TIME_EXCEEDED, ICMP_UNREACH, isIcmpError, linkDelayMs, type CtEntry, type Packet,
} from './packet.js';
import { RateLimiter } from './ratelimit.js';
import { policyVerdictNote } from './policy-verdict.js';
import type { Disposition, Step } from '../topology/trace.js';
import { tapArrival, tapDeparture, tapUnansweredArp } from './capture/tap.js';

export { addressFor } from './nat.js';

/** How a journey through the network ended. */
export type Outcome =
  | { readonly kind: 'delivered'; readonly device: string; readonly packet: Packet }
  | {
    readonly kind: 'icmp'; readonly device: string; readonly error: Packet; readonly disposition: Disposition;
    /** Sent straight out of the bridge port the offending frame came in by, bypassing NAT (a reset for bridged traffic). */
    readonly natBypass?: boolean;
  }
  | { readonly kind: 'dropped'; readonly device: string; readonly disposition: Disposition }
  | {
    readonly kind: 'local-error'; readonly device: string; readonly errno: LocalErrno; readonly disposition: Disposition; readonly from?: number; readonly mtu?: number;
    /** A REJECT in the prober's own OUTPUT chain: the ICMP error it delivers locally besides failing the send. */
    readonly rejectIcmp?: { readonly type: number; readonly code: number };
  };

export type LocalErrno = 'ENETUNREACH' | 'EHOSTUNREACH' | 'EACCES' | 'EINVAL' | 'EPERM' | 'EMSGSIZE';

/** Mutable bookkeeping of one journey (a probe's way out, or the answer's way back). */
export class Journey {
  readonly steps: Step[] = [];
  elapsedMs = 0;
  /** Lab time (ms after nowMs) at which this journey starts: an answer leaves when the probe arrived (tap timestamps). */
  baseMs = 0;
  private hops = 0;
  /** The devices the packet entered, in order (a device entered twice means a routing loop). */
  readonly visited: string[] = [];
  /** Whether decisions are recorded as steps; call sites test it so that no step text or closure is built otherwise. */
  readonly recording: boolean;
  /** The far end of the veth the current frame was sent through: the bridge port it came in by, when it reached a bridge. */
  cameThrough?: Interface['peer'];
  /** Set by a bridged DNAT for the egress it leads to: the frame is switched, so it may not leave by its own port. */
  bridgedBackFrom?: Interface['peer'];
  constructor(
    readonly dp: Dataplane,
    readonly direction: 'out' | 'back',
    /** NAT mappings of the whole probe (shared by both directions). */
    readonly conntrack: CtEntry[],
    readonly limiter: RateLimiter,
    readonly probeSeq: number,
  ) {
    this.recording = dp.recordSteps;
  }

  /** Records a decision; the text is only built when the dataplane records steps (explain, tests). */
  step(device: string, decision: () => string, iface?: { in?: string; out?: string }): void {
    if (this.recording) this.note(device, decision(), iface);
  }

  /**
   * Records a decision already put into words: the hot path tests `recording` itself and calls this, so its functions
   * hold no closure (a closure over a function's locals costs a context allocation on every call, recording or not).
   */
  note(device: string, decision: string, iface?: { in?: string; out?: string }): void {
    this.steps.push({ direction: this.direction, device, in: iface?.in, out: iface?.out, decision });
  }

  cross(kind: Parameters<typeof linkDelayMs>[0]): void {
    this.elapsedMs += linkDelayMs(kind, this.dp.seed, this.probeSeq, this.hops++ + (this.direction === 'back' ? 1000 : 0)) + DEVICE_MS;
  }
}

const MAX_STEPS = 600;

function routeText(r: Route): string {
  if (r.type !== 'unicast') return `route ${r.type} ${formatRouteDst(r.dst)}`;
  return `route ${formatRouteDst(r.dst)}${r.via !== undefined ? ` via ${formatIp(r.via)}` : ''}${r.dev ? ` dev ${r.dev}` : ''}`;
}

const BRIDGE_NF = 'net.bridge.bridge-nf-call-iptables';

/** Whether IPv4 frames bridged by `dev` traverse iptables (br_netfilter; kubeadm labs and the netns lab set it on nodes). */
function bridgeNf(s: DeviceState, dev: string): boolean {
  return s.ifaces.get(dev)?.kind === 'bridge' && s.derivedSysctl(bridgeNfCall, '') !== 0;
}

function bridgeNfCall(s: DeviceState): number {
  return Number(s.sysctl(BRIDGE_NF, s.device.kind === 'node' ? '1' : '0'));
}

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
  const s = j.dp.state(device);
  const related = isIcmpError(packet);
  const reply = packet.protocol === 'tcp' ? packet.tcp !== 'syn' : packet.protocol === 'icmp' && !related && packet.icmp?.type === 0;
  let p = packet;
  // An empty nat OUTPUT changes nothing: the route lookup for its `-o` is made only when it has rules.
  if (!related && !reply && (s.tables.nat.get('OUTPUT')?.rules.length ?? 0) > 0) p = applyDnat(j, s, p, 'OUTPUT', undefined, outputDevice(s, p.dst));
  if (s.isLocal(p.dst)) {
    if (j.recording) j.note(device, `local route to ${formatIp(p.dst)} (dev lo)`, { out: 'lo' });
    j.cross('veth');
    return ingress(j, device, 'lo', p, s);
  }
  const hit = s.lookup(p.dst);
  if (!hit) {
    if (j.recording) j.note(device, `no route to ${formatIp(p.dst)}`);
    return { kind: 'local-error', device, errno: 'ENETUNREACH', disposition: 'no-route' };
  }
  const route = hit.route;
  if (route.type !== 'unicast') {
    if (j.recording) j.note(device, routeText(route));
    const errno = route.type === 'blackhole' ? 'EINVAL' : route.type === 'prohibit' ? 'EACCES' : 'EHOSTUNREACH';
    return { kind: 'local-error', device, errno, disposition: route.type === 'blackhole' ? 'blackhole' : 'route-unreachable' };
  }
  const out = route.dev!;
  const fv = runChain(j.dp, s, 'filter', 'OUTPUT', p, related ? 'RELATED' : reply || seenReply(j.dp, device, p) ? 'ESTABLISHED' : 'NEW', undefined, out);
  if (fv.target === 'DROP' || fv.target === 'REJECT') {
    if (j.recording) j.note(device, verdictText('filter', fv), { out });
    const how = fv.target === 'REJECT' ? REJECT_TYPES[fv.rule?.rejectWith ?? 'icmp-port-unreachable'] : undefined;
    const rejectIcmp = how !== undefined && how !== 'tcp-reset' && !related ? { rejectIcmp: how } : {};
    return { kind: 'local-error', device, errno: 'EPERM', disposition: fv.target === 'DROP' ? 'dropped-by-rule' : 'rejected', ...rejectIcmp };
  }
  const rerouted = p.dst !== packet.dst ? ' (looked up again after nat OUTPUT changed the destination)' : '';
  if (j.recording) j.note(device, `${routeText(route)}${rerouted}`, { out });
  return egress(j, s, route, p, undefined, true, related || reply, natBypass ? 'bypass' : undefined);
}

/**
 * POSTROUTING and the way onto the link; `flow` is the NAT flow the packet's ingress at this device matched, or
 * 'bypass' for a packet the kernel transmits without passing the NAT hooks.
 */
function egress(j: Journey, s: DeviceState, route: Route, packet: Packet, inDev: string | undefined, local: boolean, tracked: boolean, flow?: Flow | 'bypass'): Outcome {
  const device = s.device.id;
  const out = route.dev!;
  let p = packet;
  const own = flow === 'bypass' ? undefined : (flow ?? findFlow(j, device, p));
  if (own) p = undoNat(j, device, own, p, 'src', 'POSTROUTING', { out });
  else if (!tracked && flow !== 'bypass') p = applySnat(j, s, p, out, route);
  const iface = s.ifaces.get(out);
  // A gateway that is one of the device's own addresses (Flannel without --iface: via 10.0.2.15) resolves the target itself.
  const nexthop = route.via !== undefined && !s.isLocal(route.via) ? route.via : p.dst;
  if (local && iface && p.df && p.length > iface.mtu) {
    if (j.recording) j.note(device, `packet of ${p.length} bytes with DF set exceeds ${out} mtu ${iface.mtu}`, { out });
    return { kind: 'local-error', device, errno: 'EMSGSIZE', disposition: 'frag-needed', mtu: iface.mtu };
  }
  const neighbour = iface?.segment && j.dp.carrierOf(s, iface) ? j.dp.neighbour(iface.segment, nexthop, device, out) : undefined;
  const backFrom = j.bridgedBackFrom;
  j.bridgedBackFrom = undefined;
  const refused = neighbour && backFrom !== undefined ? hairpinRefused(j, s, out, neighbour, backFrom) : undefined;
  if (refused) return refused;
  const now = j.dp.nowMs + j.elapsedMs;
  // A static neighbour entry sends the frame without asking: to a MAC nobody on the link has, it is lost.
  const arp = neighbour ? s.neighbours.send(out, nexthop, neighbour.ifaceState.mac, now) : s.neighbours.permanent(out, nexthop) ? 'lost' : undefined;
  if (arp === 'lost') return { kind: 'dropped', device, disposition: 'no-answer' };
  if (arp === 'asked') neighbour!.state.neighbours.heardFrom(neighbour!.iface, addressFor(s, out, nexthop), iface!.mac, now);
  if (!neighbour) {
    const wait = unansweredArpWait(j, device, out, nexthop);
    if (j.dp.tap !== null && wait === ARP_TIMEOUT_MS && iface) tapUnansweredArp(j, j.dp.tap, s, iface, nexthop, addressFor(s, out, nexthop));
    j.elapsedMs += wait;
    if (j.recording) j.note(device, `neighbour ${formatIp(nexthop)} dev ${out} does not answer ARP${iface && !j.dp.carrier(device, out) ? ' (no carrier)' : ''}`, { out });
    if (local) return { kind: 'local-error', device, errno: 'EHOSTUNREACH', disposition: 'neighbour-unreachable', from: addressFor(s, out, nexthop) };
    return icmpError(j, s, p, ICMP_UNREACH, 1, 'neighbour-unreachable', inDev);
  }
  if (j.dp.tap !== null) tapDeparture(j, j.dp.tap, s, iface!, neighbour, p);
  j.cross(j.dp.linkKind(iface!.segment!));
  // skb->mark does not survive the link into another namespace or host (skb_scrub_packet).
  if (p.mark !== undefined) p = { ...p, mark: undefined };
  const rx = neighbour.ifaceState;
  // A frame for a bridge's own address comes in through the bridge port at the other end of the sender's veth: that
  // port's MTU is the one checked, not the bridge's (kernel-checked: a 1500-byte reply through a 1500 port of a
  // 1400 cni0 is received).
  const port = rx.kind === 'bridge' && iface!.peer?.device === neighbour.device ? neighbour.state.ifaces.get(iface!.peer.iface) : undefined;
  const rxMtu = port?.master === rx.name ? port.mtu : rx.mtu;
  // Without DF the sender fragments to its own MTU, so only a frame bigger than both MTUs is lost on receive.
  const frame = Math.min(p.length, iface!.mtu);
  if (frame > rxMtu + 4) {
    if (j.recording) j.note(neighbour.device, `${frame}-byte frame exceeds ${port?.master === rx.name ? port.name : neighbour.iface} mtu ${rxMtu}: dropped on receive`, { in: neighbour.iface });
    return { kind: 'dropped', device: neighbour.device, disposition: 'too-big' };
  }
  // Between two ports of a node's bridge (pod to pod on cni0) the frame passes the bridge, not the node's routing.
  const bridge = j.dp.bridgeOf(iface!.segment!);
  j.cameThrough = iface!.peer;
  if (bridge && bridge.device !== device && bridge.device !== neighbour.device && bridgeNf(j.dp.state(bridge.device), bridge.iface)) {
    return bridged(j, bridge, p, neighbour);
  }
  return ingress(j, neighbour.device, neighbour.iface, p, neighbour.state);
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

function rpFilterMode(s: DeviceState, dev: string): number {
  return s.derivedSysctl(rpFilterSysctls, dev);
}

function rpFilterSysctls(s: DeviceState, dev: string): number {
  return Math.max(Number(s.sysctl('net.ipv4.conf.all.rp_filter')), Number(s.sysctl(`net.ipv4.conf.${dev}.rp_filter`, s.sysctl('net.ipv4.conf.default.rp_filter'))));
}

function rpFilterPasses(s: DeviceState, p: Packet, inDev: string): boolean {
  const mode = rpFilterMode(s, inDev);
  if (mode === 0) return true;
  const back = s.lookup(p.src);
  if (!back || back.route.type !== 'unicast') return false;
  return mode === 2 || back.route.dev === inDev;
}

function acceptLocal(s: DeviceState, dev: string): number {
  return s.derivedSysctl(acceptLocalSysctls, dev);
}

function acceptLocalSysctls(s: DeviceState, dev: string): number {
  return Number(s.sysctl('net.ipv4.conf.all.accept_local')) || Number(s.sysctl(`net.ipv4.conf.${dev}.accept_local`, s.sysctl('net.ipv4.conf.default.accept_local')));
}

/**
 * fib_validate_source(): a routed packet (forwarded or delivered locally) whose source is one of the receiving
 * device's own addresses, on any interface, is a martian source: dropped silently, whatever rp_filter says, unless
 * accept_local is on (docs/kernel-facts.md §5.1 Martian sources). Not on lo: looped-back packets keep the route they
 * were sent with and are never validated.
 */
function martianSource(j: Journey, s: DeviceState, p: Packet, inDev: string): Outcome | undefined {
  if (inDev === 'lo' || !s.isLocal(p.src) || acceptLocal(s, inDev) !== 0) return undefined;
  if (j.recording) j.note(s.device.id, `source ${formatIp(p.src)} is this device's own address (martian source): dropped`, { in: inDev });
  return { kind: 'dropped', device: s.device.id, disposition: 'martian-source' };
}

function forwarding(s: DeviceState, inDev: string): boolean {
  return s.derivedSysctl(forwardingSysctl, inDev) !== 0; // the kernel forwards for any non-zero value
}

function forwardingSysctl(s: DeviceState, inDev: string): number {
  return Number(s.sysctls.get(`net.ipv4.conf.${inDev}.forwarding`) ?? s.sysctl('net.ipv4.ip_forward'));
}

function ingress(j: Journey, device: string, inDev: string, packet: Packet, state?: DeviceState): Outcome {
  if (j.steps.length > MAX_STEPS) return { kind: 'dropped', device, disposition: 'loop' };
  j.visited.push(device);
  const s = state ?? j.dp.state(device);
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
function bridged(j: Journey, bridge: Attachment, packet: Packet, to: Attachment): Outcome {
  const s = j.dp.state(bridge.device);
  const dev = bridge.iface;
  const flow = findFlow(j, bridge.device, packet);
  let p = flow ? undoNat(j, bridge.device, flow, packet, 'dst', 'PREROUTING', { in: dev }) : packet;
  const tracked = isTracked(p, flow);
  if (!tracked) p = applyDnat(j, s, p, 'PREROUTING', dev);
  if (p.dst !== packet.dst) return routeInput(j, s, dev, p, tracked, flow, true);
  const how = `bridged by ${dev} (br_netfilter, not routed): `;
  const v = runChain(j.dp, s, 'filter', 'FORWARD', p, ctState(j, bridge.device, p, tracked), dev, dev);
  if (v.target === 'DROP') {
    if (j.recording) j.note(bridge.device, `${how}${verdictText('filter', v)}`, { in: dev, out: dev });
    return { kind: 'dropped', device: bridge.device, disposition: 'dropped-by-rule' };
  }
  if (v.target === 'REJECT') return reject(j, s, p, v, dev, how);
  if (j.recording) j.note(bridge.device, `${how}${verdictText('filter', v)}`, { in: dev, out: dev });
  if (flow) p = undoNat(j, bridge.device, flow, p, 'src', 'POSTROUTING', { out: dev });
  else if (!tracked) p = applySnat(j, s, p, dev, { dst: { addr: p.dst, len: 32 }, type: 'unicast', dev });
  return ingress(j, to.device, to.iface, p);
}

/**
 * The input route decision after PREROUTING: local delivery (filter INPUT, then nat undoes the DNAT of a reply or a
 * related error), or forwarding: routed, or bridged straight back out when a DNAT on a br_netfilter bridge points
 * at another port of the same bridge (kernel: br_nf_pre_routing_finish "bridged_dnat": no TTL decrement).
 */
function routeInput(j: Journey, s: DeviceState, inDev: string, packet: Packet, tracked: boolean, flow: Flow | undefined, daddrChanged: boolean): Outcome {
  const device = s.device.id;
  let p = packet;
  // A local broadcast address (a directed broadcast to one of this router's subnets) is RTN_BROADCAST: received here
  // like a local address (source validated, filter INPUT), never forwarded, so no TTL check either; what answers it
  // is the stack's business (probe.ts: only an echo, with icmp_echo_ignore_broadcasts=0; no ICMP errors).
  const broadcast = !s.isLocal(p.dst) && s.isLocalBroadcast(p.dst);
  if (broadcast || s.isLocal(p.dst)) {
    const martian = martianSource(j, s, p, inDev);
    if (martian) return martian;
    if (!rpFilterPasses(s, p, inDev)) {
      if (j.recording) j.note(device, `rp_filter=${rpFilterMode(s, inDev)}: no route back to ${formatIp(p.src)} via ${inDev}: dropped`, { in: inDev });
      return { kind: 'dropped', device, disposition: 'rp-filter' };
    }
    const v = runChain(j.dp, s, 'filter', 'INPUT', p, tracked || seenReply(j.dp, device, p) ? 'ESTABLISHED' : 'NEW', inDev);
    if (v.target === 'DROP') {
      if (j.recording) j.note(device, verdictText('filter', v), { in: inDev });
      return { kind: 'dropped', device, disposition: 'dropped-by-rule' };
    }
    // REJECT sends nothing about a broadcast (nf_send_unreach/icmp_send and nf_send_reset skip RTCF_BROADCAST).
    if (v.target === 'REJECT') return broadcast ? { kind: 'dropped', device, disposition: 'dropped-by-rule' } : reject(j, s, p, v, inDev);
    if (flow) p = undoNat(j, device, flow, p, 'src', 'INPUT', { in: inDev });
    if (j.recording) j.note(device, `${broadcast ? 'local broadcast' : 'local'} delivery to ${formatIp(p.dst)}`, { in: inDev });
    return { kind: 'delivered', device, packet: p };
  }
  // Bridged DNAT needs forwarding too: with it off, ip_route_input() hands br_netfilter an ip_error route (kernel-checked).
  if (!forwarding(s, inDev)) {
    if (j.recording) j.note(device, 'sysctl net.ipv4.ip_forward=0: not forwarding, dropped silently', { in: inDev });
    return { kind: 'dropped', device, disposition: 'forwarding-off' };
  }
  const route = s.lookup(p.dst)?.route;
  const bridgedBack = daddrChanged && route?.type === 'unicast' && route.dev === inDev && bridgeNf(s, inDev);
  if (!route) {
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
  const martian = martianSource(j, s, p, inDev);
  if (martian) return martian;
  if (!rpFilterPasses(s, p, inDev)) {
    if (j.recording) j.note(device, `rp_filter=${rpFilterMode(s, inDev)}: route back to ${formatIp(p.src)} does not use ${inDev}: dropped`, { in: inDev });
    return { kind: 'dropped', device, disposition: 'rp-filter' };
  }
  if (!bridgedBack) {
    if (p.ttl <= 1) {
      const looped = j.visited.indexOf(device) !== j.visited.lastIndexOf(device);
      if (j.recording) j.note(device, `TTL ${p.ttl} expires here (${routeText(route)})${looped ? ': routing loop' : ''}`, { in: inDev, out: route.dev });
      return icmpError(j, s, p, ICMP_TIME_EXCEEDED, 0, looped ? 'loop' : 'time-exceeded', inDev);
    }
    const outIface = s.ifaces.get(route.dev!);
    if (outIface && p.df && p.length > outIface.mtu) {
      if (j.recording) j.note(device, `${p.length} bytes with DF set exceed ${route.dev} mtu ${outIface.mtu}`, { in: inDev, out: route.dev });
      return icmpError(j, s, p, ICMP_UNREACH, 4, 'frag-needed', inDev, outIface.mtu);
    }
    p = { ...p, ttl: p.ttl - 1 };
  }
  const how = bridgedBack ? `DNAT target is on ${inDev} again: bridged back out (br_netfilter, not routed, TTL kept): ` : '';
  const v = runChain(j.dp, s, 'filter', 'FORWARD', p, ctState(j, device, p, tracked), inDev, route.dev);
  if (v.target === 'DROP') {
    if (j.recording) j.note(device, `${how}${verdictText('filter', v)}`, { in: inDev, out: route.dev });
    return { kind: 'dropped', device, disposition: 'dropped-by-rule' };
  }
  if (v.target === 'REJECT') return reject(j, s, p, v, inDev, how);
  if (j.recording) j.note(device, `${how}${routeText(route)}`, { in: inDev, out: route.dev });
  if (bridgedBack) j.bridgedBackFrom = j.cameThrough;
  return egress(j, s, route, p, inDev, false, tracked, flow);
}

function reject(j: Journey, s: DeviceState, p: Packet, v: Verdict, inDev: string, how = ''): Outcome {
  if (j.recording) j.note(s.device.id, `${how}${policyVerdictNote(j.dp.model, s.device.id, v, p)}${verdictText('filter', v)}`, { in: inDev });
  const kind = REJECT_TYPES[v.rule?.rejectWith ?? 'icmp-port-unreachable']!;
  if (kind === 'tcp-reset') {
    if (p.protocol !== 'tcp' || p.tcp !== 'syn') return { kind: 'dropped', device: s.device.id, disposition: 'rejected' };
    const rst: Packet = { src: p.dst, dst: p.src, protocol: 'tcp', sport: p.dport, dport: p.sport, ttl: 64, length: 40, df: true, tcp: 'rst' };
    // nf_send_reset(): for a frame that came through a br_netfilter bridge the reset is queued straight onto the port
    // it came in by, so no NAT reverses it (after a DNAT it comes from the pod, not the ClusterIP: kernel-checked).
    const natBypass = bridgeNf(s, inDev);
    if (natBypass && j.recording) j.note(s.device.id, `reset sent straight back out of the ${inDev} port it came in by (br_netfilter): no NAT`, { out: inDev });
    return { kind: 'icmp', device: s.device.id, error: rst, disposition: 'rejected', natBypass };
  }
  return icmpError(j, s, p, kind.type, kind.code, 'rejected', inDev);
}

/** ip_error(): a route lookup failure answered with ICMP, subject to the route error rate limit. */
function routeError(j: Journey, s: DeviceState, p: Packet, code: number, disposition: Disposition, inDev: string): Outcome {
  if (!j.limiter.allowRouteError(s.device.id, p.src, j.dp.nowMs)) {
    if (j.recording) j.note(s.device.id, 'route error rate limit (net.ipv4.route.error_burst/error_cost): no ICMP sent');
    return { kind: 'dropped', device: s.device.id, disposition };
  }
  return icmpError(j, s, p, ICMP_UNREACH, code, disposition, inDev);
}

/** icmp_send(): builds an ICMP error to the offending packet's source, from the address of the route back. */
export function icmpError(j: Journey, s: DeviceState, p: Packet, type: number, code: number, disposition: Disposition, _inDev?: string, mtu?: number): Outcome {
  const device = s.device.id;
  if (isIcmpError(p)) return { kind: 'dropped', device, disposition };
  let src: number | undefined;
  if (s.isLocal(p.dst)) src = p.dst;
  else {
    const back = s.lookup(p.src);
    if (!back || back.route.type !== 'unicast') {
      if (j.recording) j.note(device, `no route back to ${formatIp(p.src)}: no ICMP sent`);
      return { kind: 'dropped', device, disposition };
    }
    src = back.route.src ?? addressFor(s, back.route.dev, back.route.via ?? p.src);
  }
  if (src === undefined) return { kind: 'dropped', device, disposition };
  if (!j.limiter.allowIcmp(s, p.src, type, code, j.dp.nowMs)) {
    if (j.recording) j.note(device, 'sysctl net.ipv4.icmp_ratelimit: ICMP error suppressed');
    return { kind: 'dropped', device, disposition };
  }
  const error: Packet = {
    src, dst: p.src, protocol: 'icmp', sport: 0, dport: 0, ttl: 64, length: icmpErrorLength(p), df: false,
    icmp: { type, code, mtu, inner: p },
  };
  return { kind: 'icmp', device, error, disposition };
}

/**
 * An ICMP error's IP length: icmp_send() quotes as much of the offending packet as fits in 576 bytes with its own IP
 * and ICMP headers (room = min(route MTU, 576) - 28), so the error is 28 + min(quoted length, 548) bytes.
 */
export function icmpErrorLength(offending: Packet): number {
  return 28 + Math.min(offending.length, 548);
}
