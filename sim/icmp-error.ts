// ICMP errors a device sends about a packet: REJECT verdicts (and their TCP resets), route lookup failures
// (ip_error with its rate limit) and icmp_send() with its source address, rate limit and quoted length.
import { formatIp } from '../topology/address.js';
import type { DeviceState } from './dataplane.js';
import type { Journey, Outcome } from './journey.js';
import { bridgeNf } from './input-checks.js';
import { addressFor, verdictText } from './nat.js';
import type { Verdict } from './netfilter-eval.js';
import { REJECT_TYPES } from './netfilter.js';
import { ICMP_UNREACH, icmpHeader, isIcmpError, makePacket, type Packet } from './packet.js';
import { policyVerdictNote } from './policy-verdict.js';
import type { Disposition } from '../topology/trace.js';

export function reject(j: Journey, s: DeviceState, p: Packet, v: Verdict, inDev: string, how = ''): Outcome {
  if (j.recording) j.note(s.id, `${how}${policyVerdictNote(j.dp, s.id, v, p)}${verdictText('filter', v)}`, { in: inDev });
  const kind = REJECT_TYPES[v.rule?.rejectWith ?? 'icmp-port-unreachable']!;
  if (kind === 'tcp-reset') {
    if (p.protocol !== 'tcp' || p.tcp !== 'syn') return { kind: 'dropped', device: s.id, disposition: 'rejected' };
    const rst = makePacket(p.dst, p.src, 'tcp', p.dport, p.sport, 64, 40, true, undefined, 'rst');
    // nf_send_reset(): for a frame that came through a br_netfilter bridge the reset is queued straight onto the port
    // it came in by, so no NAT reverses it (after a DNAT it comes from the pod, not the ClusterIP: kernel-checked).
    const natBypass = bridgeNf(s, inDev);
    if (natBypass && j.recording) j.note(s.id, `reset sent straight back out of the ${inDev} port it came in by (br_netfilter): no NAT`, { out: inDev });
    return { kind: 'icmp', device: s.id, error: rst, disposition: 'rejected', natBypass };
  }
  return icmpError(j, s, p, kind.type, kind.code, 'rejected', inDev);
}

/** ip_error(): a route lookup failure answered with ICMP, subject to the route error rate limit. */
export function routeError(j: Journey, s: DeviceState, p: Packet, code: number, disposition: Disposition, inDev: string): Outcome {
  if (!j.limiter.allowRouteError(s, p.src, j.dp.nowMs)) {
    if (j.recording) j.note(s.id, 'route error rate limit (net.ipv4.route.error_burst/error_cost): no ICMP sent');
    return { kind: 'dropped', device: s.id, disposition };
  }
  return icmpError(j, s, p, ICMP_UNREACH, code, disposition, inDev);
}

/** icmp_send(): builds an ICMP error to the offending packet's source, from the address of the route back. */
export function icmpError(j: Journey, s: DeviceState, p: Packet, type: number, code: number, disposition: Disposition, _inDev?: string, mtu?: number): Outcome {
  const device = s.id;
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
  const error = makePacket(src, p.src, 'icmp', 0, 0, 64, icmpErrorLength(p), false, icmpHeader(type, code, mtu, p));
  return { kind: 'icmp', device, error, disposition };
}

/**
 * An ICMP error's IP length: icmp_send() quotes as much of the offending packet as fits in 576 bytes with its own IP
 * and ICMP headers (room = min(route MTU, 576) - 28), so the error is 28 + min(quoted length, 548) bytes.
 */
export function icmpErrorLength(offending: Packet): number {
  return 28 + Math.min(offending.length, 548);
}
