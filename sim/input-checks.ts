// The per-device checks of the input route decision that come from sysctls (rp_filter, accept_local, forwarding,
// br_netfilter) and the route texts the engine records: each sysctl-derived number is computed once per device until
// its sysctls change (DeviceState.inputSysctls, derivedSysctl).
import { formatIp, formatRouteDst } from '../topology/address.js';
import type { Route } from '../topology/model.js';
import type { DeviceState } from './dataplane.js';
import type { InputSysctls } from './device-state.js';
import type { Journey, Outcome } from './journey.js';
import type { Packet } from './packet.js';

export function routeText(r: Route): string {
  if (r.type !== 'unicast') return `route ${r.type} ${formatRouteDst(r.dst)}`;
  return `route ${formatRouteDst(r.dst)}${r.via !== undefined ? ` via ${formatIp(r.via)}` : ''}${r.dev ? ` dev ${r.dev}` : ''}`;
}

const BRIDGE_NF = 'net.bridge.bridge-nf-call-iptables';

/** Whether IPv4 frames bridged by `dev` traverse iptables (br_netfilter; kubeadm labs and the netns lab set it on nodes). */
export function bridgeNf(s: DeviceState, dev: string): boolean {
  return s.ifaces.get(dev)?.kind === 'bridge' && s.derivedSysctl(bridgeNfCall, '') !== 0;
}

function bridgeNfCall(s: DeviceState): number {
  return Number(s.sysctl(BRIDGE_NF, s.device.kind === 'node' ? '1' : '0'));
}


/** The input interface's forwarding, rp_filter and accept_local numbers, read from the sysctls together. */
function inputSysctlsOf(s: DeviceState, dev: string): InputSysctls {
  return { forwarding: forwardingSysctl(s, dev), rpFilter: rpFilterSysctls(s, dev), acceptLocal: acceptLocalSysctls(s, dev) };
}

/** The input route decision's sysctls for packets coming in by DEV (engine.ts reads them once per route input). */
export function inputSysctls(s: DeviceState, dev: string): InputSysctls {
  return s.inputSysctls(dev, inputSysctlsOf);
}

export function rpFilterMode(s: DeviceState, dev: string): number {
  return s.inputSysctls(dev, inputSysctlsOf).rpFilter;
}

function rpFilterSysctls(s: DeviceState, dev: string): number {
  return Math.max(Number(s.sysctl('net.ipv4.conf.all.rp_filter')), Number(s.sysctl(`net.ipv4.conf.${dev}.rp_filter`, s.sysctl('net.ipv4.conf.default.rp_filter'))));
}

/** rp_filter's test of P's source arriving on IN_DEV, whose input sysctls are SYS. */
export function rpFilterPasses(s: DeviceState, p: Packet, inDev: string, sys: InputSysctls): boolean {
  return rpFilterAcceptsIn(s, p.src, inDev, sys.rpFilter);
}

/** rp_filter's test of a source address arriving on IN_DEV (packets, and ARP requests' sender addresses: arp.ts). */
export function rpFilterAccepts(s: DeviceState, src: number, inDev: string): boolean {
  return rpFilterAcceptsIn(s, src, inDev, rpFilterMode(s, inDev));
}

function rpFilterAcceptsIn(s: DeviceState, src: number, inDev: string, mode: number): boolean {
  if (mode === 0) return true;
  const back = s.lookup(src);
  if (!back || back.route.type !== 'unicast') return false;
  return mode === 2 || back.route.dev === inDev;
}

export function acceptLocal(s: DeviceState, dev: string): number {
  return s.inputSysctls(dev, inputSysctlsOf).acceptLocal;
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
export function martianSource(j: Journey, s: DeviceState, p: Packet, inDev: string, sys: InputSysctls): Outcome | undefined {
  if (inDev === 'lo' || !s.isLocal(p.src) || sys.acceptLocal !== 0) return undefined;
  if (j.recording) j.note(s.id, `source ${formatIp(p.src)} is this device's own address (martian source): dropped`, { in: inDev });
  return { kind: 'dropped', device: s.id, disposition: 'martian-source' };
}

export function forwarding(s: DeviceState, inDev: string): boolean {
  return s.inputSysctls(inDev, inputSysctlsOf).forwarding !== 0; // the kernel forwards for any non-zero value
}

function forwardingSysctl(s: DeviceState, inDev: string): number {
  return Number(s.sysctls.get(`net.ipv4.conf.${inDev}.forwarding`) ?? s.sysctl('net.ipv4.ip_forward'));
}
