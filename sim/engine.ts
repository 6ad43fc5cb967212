// The per-device forwarding pipeline in the kernel's order: PREROUTING (DNAT) -> route input -> rp_filter ->
// TTL -> MTU -> FORWARD -> POSTROUTING (SNAT) -> neighbour, plus local output and ICMP error generation.
import { formatIp, formatRouteDst } from '../topology/address.js';
import type { Route } from '../topology/model.js';
import type { Dataplane, DeviceState } from './dataplane.js';
import { evaluate, ruleText, REJECT_TYPES, type MatchPacket, type Verdict } from './netfilter.js';
import {
  ARP_TIMEOUT_MS, DEVICE_MS, ICMP_TIME_EXCEEDED, ICMP_UNREACH, isIcmpError, linkDelayMs, sameTuple, tupleOf, unit,
  reversed, type CtEntry, type Packet,
} from './packet.js';
import { RateLimiter } from './ratelimit.js';
import type { Disposition, Step } from './trace.js';

/** How a journey through the network ended. */
export type Outcome =
  | { readonly kind: 'delivered'; readonly device: string; readonly packet: Packet }
  | { readonly kind: 'icmp'; readonly device: string; readonly error: Packet; readonly disposition: Disposition }
  | { readonly kind: 'dropped'; readonly device: string; readonly disposition: Disposition }
  | { readonly kind: 'local-error'; readonly device: string; readonly errno: LocalErrno; readonly disposition: Disposition; readonly from?: number };

export type LocalErrno = 'ENETUNREACH' | 'EHOSTUNREACH' | 'EACCES' | 'EINVAL' | 'EPERM' | 'EMSGSIZE';

/** Mutable bookkeeping of one journey (a probe's way out, or the answer's way back). */
export class Journey {
  readonly steps: Step[] = [];
  elapsedMs = 0;
  private hops = 0;
  readonly visits = new Map<string, number>();
  constructor(
    readonly dp: Dataplane,
    readonly direction: 'out' | 'back',
    /** NAT mappings of the whole probe (shared by both directions). */
    readonly conntrack: CtEntry[],
    readonly limiter: RateLimiter,
    readonly probeSeq: number,
  ) {}

  /** Records a decision; the text is only built when the dataplane records steps (explain, tests). */
  step(device: string, decision: () => string, iface?: { in?: string; out?: string }): void {
    if (this.dp.recordSteps) this.steps.push({ direction: this.direction, device, in: iface?.in, out: iface?.out, decision: decision() });
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

function verdictText(table: string, v: Verdict): string {
  return v.rule ? `iptables -t ${table} -A ${v.chain} ${ruleText(v.rule)}` : `iptables -t ${table} ${v.chain} policy ${v.target}`;
}

function matchPacket(dp: Dataplane, p: Packet, state: MatchPacket['state'], inDev?: string, outDev?: string): MatchPacket {
  return { src: p.src, dst: p.dst, protocol: p.protocol, sport: p.sport, dport: p.dport, in: inDev, out: outDev, state, random: unit(dp.seed, p.src, p.dst, p.sport, p.dport) };
}

/** Reverse NAT for a packet of a tracked flow at `device`; returns the rewritten packet and whether it matched. */
function reverseNat(j: Journey, device: string, p: Packet, phase: 'pre' | 'post'): { packet: Packet; matched: boolean } {
  const quoted = isIcmpError(p) ? p.icmp!.inner : undefined;
  for (const e of j.conntrack) {
    if (e.device !== device) continue;
    const dnat = e.orig.dst !== e.xlat.dst || e.orig.dport !== e.xlat.dport;
    const snat = e.orig.src !== e.xlat.src || e.orig.sport !== e.xlat.sport;
    if (quoted && sameTuple(tupleOf(quoted), e.xlat)) {
      // An ICMP error about a translated packet: restore the quoted packet and the outer addresses.
      let outer = p;
      let inner = quoted;
      if (phase === 'pre' && snat) {
        outer = { ...outer, dst: e.orig.src };
        inner = { ...inner, src: e.orig.src, sport: e.orig.sport };
      }
      if (phase === 'post' && dnat) {
        outer = { ...outer, src: e.orig.dst };
        inner = { ...inner, dst: e.orig.dst, dport: e.orig.dport };
      }
      return { packet: { ...outer, icmp: { ...outer.icmp!, inner } }, matched: true };
    }
    if (!quoted && sameTuple(tupleOf(p), reversed(e.xlat))) {
      if (phase === 'pre' && snat) return { packet: { ...p, dst: e.orig.src, dport: e.orig.sport }, matched: true };
      if (phase === 'post' && dnat) return { packet: { ...p, src: e.orig.dst, sport: e.orig.dport }, matched: true };
      return { packet: p, matched: true };
    }
  }
  return { packet: p, matched: false };
}

function recordNat(j: Journey, device: string, before: Packet, after: Packet): void {
  const existing = j.conntrack.find((e) => e.device === device && sameTuple(e.xlat, tupleOf(before)));
  if (existing) existing.xlat = tupleOf(after);
  else j.conntrack.push({ device, orig: tupleOf(before), xlat: tupleOf(after) });
}

function applyDnat(j: Journey, s: DeviceState, p: Packet, chain: 'PREROUTING' | 'OUTPUT', inDev?: string): Packet {
  const v = evaluate(s.tables, 'nat', chain, matchPacket(j.dp, p, 'NEW', inDev));
  if (v.target !== 'DNAT' || !v.rule?.toDestination) return p;
  const to = v.rule.toDestination;
  const after: Packet = { ...p, dst: to.ip, dport: to.port ?? p.dport };
  recordNat(j, s.device.id, p, after);
  j.step(s.device.id, () => `DNAT ${formatIp(p.dst)}:${p.dport} -> ${formatIp(after.dst)}:${after.dport} (${verdictText('nat', v)})`, { in: inDev });
  return after;
}

function applySnat(j: Journey, s: DeviceState, p: Packet, outDev: string, route: Route): Packet {
  const v = evaluate(s.tables, 'nat', 'POSTROUTING', matchPacket(j.dp, p, 'NEW', undefined, outDev));
  let src: number | undefined;
  if (v.target === 'MASQUERADE') src = route.src ?? addressFor(s, outDev, route.via ?? p.dst);
  else if (v.target === 'SNAT') src = v.rule?.toSource;
  if (src === undefined || src === p.src) return p;
  const after: Packet = { ...p, src };
  recordNat(j, s.device.id, p, after);
  j.step(s.device.id, () => `${v.target} ${formatIp(p.src)} -> ${formatIp(src)} (${verdictText('nat', v)})`, { out: outDev });
  return after;
}

/** inet_select_addr: an address of `dev` on the same subnet as `dst`, else its primary, else any global one. */
export function addressFor(s: DeviceState, dev: string | undefined, dst: number): number | undefined {
  const i = dev === undefined ? undefined : s.ifaces.get(dev);
  if (i) {
    for (const a of i.addrs) if (a.len > 0 && ((a.ip ^ dst) >>> (32 - a.len)) === 0) return a.ip;
  }
  return s.primaryAddress(dev);
}

/** Sends a packet from a device's own stack (a probe, an answer, an ICMP error). */
export function originate(j: Journey, device: string, packet: Packet): Outcome {
  const s = j.dp.state(device);
  const related = isIcmpError(packet);
  const reply = packet.protocol === 'tcp' ? packet.tcp !== 'syn' : packet.protocol === 'icmp' && !related && packet.icmp?.type === 0;
  let p = packet;
  if (!related && !reply) p = applyDnat(j, s, p, 'OUTPUT');
  if (s.isLocal(p.dst)) {
    j.step(device, () => `local route to ${formatIp(p.dst)} (dev lo)`, { out: 'lo' });
    j.cross('veth');
    return ingress(j, device, 'lo', p);
  }
  const hit = s.lookup(p.dst);
  if (!hit) {
    j.step(device, () => `no route to ${formatIp(p.dst)}`);
    return { kind: 'local-error', device, errno: 'ENETUNREACH', disposition: 'no-route' };
  }
  const route = hit.route;
  if (route.type !== 'unicast') {
    j.step(device, () => routeText(route));
    const errno = route.type === 'blackhole' ? 'EINVAL' : route.type === 'prohibit' ? 'EACCES' : 'EHOSTUNREACH';
    return { kind: 'local-error', device, errno, disposition: route.type === 'blackhole' ? 'blackhole' : 'route-unreachable' };
  }
  const out = route.dev!;
  const fv = evaluate(s.tables, 'filter', 'OUTPUT', matchPacket(j.dp, p, related ? 'RELATED' : reply ? 'ESTABLISHED' : 'NEW', undefined, out));
  if (fv.target === 'DROP' || fv.target === 'REJECT') {
    j.step(device, () => verdictText('filter', fv), { out });
    return { kind: 'local-error', device, errno: 'EPERM', disposition: fv.target === 'DROP' ? 'dropped-by-rule' : 'rejected' };
  }
  j.step(device, () => routeText(route), { out });
  return egress(j, s, route, p, undefined, true, related || reply);
}

function egress(j: Journey, s: DeviceState, route: Route, packet: Packet, inDev: string | undefined, local: boolean, tracked: boolean): Outcome {
  const device = s.device.id;
  const out = route.dev!;
  let p = packet;
  const post = reverseNat(j, device, p, 'post');
  p = post.packet;
  if (!post.matched && !tracked) p = applySnat(j, s, p, out, route);
  const iface = s.ifaces.get(out);
  const nexthop = route.via ?? p.dst;
  if (local && iface && p.df && p.length > iface.mtu) {
    j.step(device, () => `packet of ${p.length} bytes with DF set exceeds ${out} mtu ${iface.mtu}`, { out });
    return { kind: 'local-error', device, errno: 'EMSGSIZE', disposition: 'frag-needed' };
  }
  const neighbour = iface?.segment && j.dp.carrier(device, out) ? j.dp.neighbour(iface.segment, nexthop, { device, iface: out }) : undefined;
  if (!neighbour) {
    j.elapsedMs += ARP_TIMEOUT_MS;
    j.step(device, () => `neighbour ${formatIp(nexthop)} dev ${out} does not answer ARP${iface && !j.dp.carrier(device, out) ? ' (no carrier)' : ''}`, { out });
    if (local) return { kind: 'local-error', device, errno: 'EHOSTUNREACH', disposition: 'neighbour-unreachable', from: addressFor(s, out, nexthop) };
    return icmpError(j, s, p, ICMP_UNREACH, 1, 'neighbour-unreachable', inDev);
  }
  j.cross(j.dp.linkKind(iface!.segment!));
  const rx = j.dp.state(neighbour.device).ifaces.get(neighbour.iface)!;
  if (p.length > rx.mtu + 4) {
    j.step(neighbour.device, () => `${p.length}-byte frame exceeds ${neighbour.iface} mtu ${rx.mtu}: dropped on receive`, { in: neighbour.iface });
    return { kind: 'dropped', device: neighbour.device, disposition: 'too-big' };
  }
  return ingress(j, neighbour.device, neighbour.iface, p);
}

function rpFilterMode(s: DeviceState, dev: string): number {
  return Math.max(Number(s.sysctl('net.ipv4.conf.all.rp_filter')), Number(s.sysctl(`net.ipv4.conf.${dev}.rp_filter`, s.sysctl('net.ipv4.conf.default.rp_filter'))));
}

function rpFilterPasses(s: DeviceState, p: Packet, inDev: string): boolean {
  const mode = rpFilterMode(s, inDev);
  if (mode === 0) return true;
  const back = s.lookup(p.src);
  if (!back || back.route.type !== 'unicast') return false;
  return mode === 2 || back.route.dev === inDev;
}

function forwarding(s: DeviceState, inDev: string): boolean {
  const per = s.sysctls.get(`net.ipv4.conf.${inDev}.forwarding`);
  return (per ?? s.sysctl('net.ipv4.ip_forward')) === '1';
}

function ingress(j: Journey, device: string, inDev: string, packet: Packet): Outcome {
  if (j.steps.length > MAX_STEPS) return { kind: 'dropped', device, disposition: 'loop' };
  j.visits.set(device, (j.visits.get(device) ?? 0) + 1);
  const s = j.dp.state(device);
  const pre = reverseNat(j, device, packet, 'pre');
  let p = pre.packet;
  const tracked = pre.matched || isIcmpError(p) || p.tcp === 'synack' || p.tcp === 'rst' || (p.protocol === 'icmp' && p.icmp?.type === 0);
  if (!tracked) p = applyDnat(j, s, p, 'PREROUTING', inDev);
  if (s.isLocal(p.dst)) {
    if (!rpFilterPasses(s, p, inDev)) {
      j.step(device, () => `rp_filter=${rpFilterMode(s, inDev)}: no route back to ${formatIp(p.src)} via ${inDev}: dropped`, { in: inDev });
      return { kind: 'dropped', device, disposition: 'rp-filter' };
    }
    const v = evaluate(s.tables, 'filter', 'INPUT', matchPacket(j.dp, p, tracked ? 'ESTABLISHED' : 'NEW', inDev));
    if (v.target === 'DROP') {
      j.step(device, () => verdictText('filter', v), { in: inDev });
      return { kind: 'dropped', device, disposition: 'dropped-by-rule' };
    }
    if (v.target === 'REJECT') return reject(j, s, p, v, inDev);
    j.step(device, () => `local delivery to ${formatIp(p.dst)}`, { in: inDev });
    return { kind: 'delivered', device, packet: p };
  }
  if (!forwarding(s, inDev)) {
    j.step(device, () => 'sysctl net.ipv4.ip_forward=0: not forwarding, dropped silently', { in: inDev });
    return { kind: 'dropped', device, disposition: 'forwarding-off' };
  }
  const hit = s.lookup(p.dst);
  if (!hit) {
    j.step(device, () => `no route to ${formatIp(p.dst)}`, { in: inDev });
    return routeError(j, s, p, 0, 'no-route', inDev);
  }
  const route = hit.route;
  if (route.type === 'blackhole') {
    j.step(device, () => `${routeText(route)}: dropped silently`, { in: inDev });
    return { kind: 'dropped', device, disposition: 'blackhole' };
  }
  if (route.type !== 'unicast') {
    j.step(device, () => routeText(route), { in: inDev });
    return routeError(j, s, p, route.type === 'prohibit' ? 13 : 1, 'route-unreachable', inDev);
  }
  if (!rpFilterPasses(s, p, inDev)) {
    j.step(device, () => `rp_filter=${rpFilterMode(s, inDev)}: route back to ${formatIp(p.src)} does not use ${inDev}: dropped`, { in: inDev });
    return { kind: 'dropped', device, disposition: 'rp-filter' };
  }
  if (p.ttl <= 1) {
    const looped = (j.visits.get(device) ?? 0) > 1;
    j.step(device, () => `TTL ${p.ttl} expires here (${routeText(route)})${looped ? ': routing loop' : ''}`, { in: inDev, out: route.dev });
    return icmpError(j, s, p, ICMP_TIME_EXCEEDED, 0, looped ? 'loop' : 'time-exceeded', inDev);
  }
  const outIface = s.ifaces.get(route.dev!);
  if (outIface && p.df && p.length > outIface.mtu) {
    j.step(device, () => `${p.length} bytes with DF set exceed ${route.dev} mtu ${outIface.mtu}`, { in: inDev, out: route.dev });
    return icmpError(j, s, p, ICMP_UNREACH, 4, 'frag-needed', inDev, outIface.mtu);
  }
  p = { ...p, ttl: p.ttl - 1 };
  const v = evaluate(s.tables, 'filter', 'FORWARD', matchPacket(j.dp, p, tracked ? (isIcmpError(p) ? 'RELATED' : 'ESTABLISHED') : 'NEW', inDev, route.dev));
  if (v.target === 'DROP') {
    j.step(device, () => verdictText('filter', v), { in: inDev, out: route.dev });
    return { kind: 'dropped', device, disposition: 'dropped-by-rule' };
  }
  if (v.target === 'REJECT') return reject(j, s, p, v, inDev);
  j.step(device, () => routeText(route), { in: inDev, out: route.dev });
  return egress(j, s, route, p, inDev, false, tracked);
}

function reject(j: Journey, s: DeviceState, p: Packet, v: Verdict, inDev: string): Outcome {
  j.step(s.device.id, () => verdictText('filter', v), { in: inDev });
  const kind = REJECT_TYPES[v.rule?.rejectWith ?? 'icmp-port-unreachable']!;
  if (kind === 'tcp-reset') {
    if (p.protocol !== 'tcp' || p.tcp !== 'syn') return { kind: 'dropped', device: s.device.id, disposition: 'rejected' };
    const rst: Packet = { src: p.dst, dst: p.src, protocol: 'tcp', sport: p.dport, dport: p.sport, ttl: 64, length: 40, df: true, tcp: 'rst' };
    return { kind: 'icmp', device: s.device.id, error: rst, disposition: 'rejected' };
  }
  return icmpError(j, s, p, kind.type, kind.code, 'rejected', inDev);
}

/** ip_error(): a route lookup failure answered with ICMP, subject to the route error rate limit. */
function routeError(j: Journey, s: DeviceState, p: Packet, code: number, disposition: Disposition, inDev: string): Outcome {
  if (!j.limiter.allowRouteError(s.device.id, p.src, j.dp.nowMs)) {
    j.step(s.device.id, () => 'route error rate limit (net.ipv4.route.error_burst/error_cost): no ICMP sent');
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
      j.step(device, () => `no route back to ${formatIp(p.src)}: no ICMP sent`);
      return { kind: 'dropped', device, disposition };
    }
    src = back.route.src ?? addressFor(s, back.route.dev, back.route.via ?? p.src);
  }
  if (src === undefined) return { kind: 'dropped', device, disposition };
  if (!j.limiter.allowIcmp(s, p.src, type, j.dp.nowMs)) {
    j.step(device, () => 'sysctl net.ipv4.icmp_ratelimit: ICMP error suppressed');
    return { kind: 'dropped', device, disposition };
  }
  const error: Packet = {
    src, dst: p.src, protocol: 'icmp', sport: 0, dport: 0, ttl: 64, length: 56 + Math.min(p.length - 28, 548), df: false,
    icmp: { type, code, mtu, inner: p },
  };
  return { kind: 'icmp', device, error, disposition };
}
