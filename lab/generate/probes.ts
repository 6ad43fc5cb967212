// Generated probes, drawn from every tool the simulator implements (ping, traceroute in its modes, tcptraceroute,
// tracepath, mtr, ip, iptables, sysctl; the DNS and L4 clients in l4-probes.ts), with the short, repeatable options
// the scenario library uses.
import type { LabModel } from '../../topology/model.js';
import type { ProbeRecipe } from './arbitraries.js';
import type { GeneratedStep } from './faults.js';
import { L4_PROBES, type ProbeContext } from './l4-probes.js';
import { at, ifacesOf, placeName, placesOf, targetsOf, type Target } from './targets.js';
import { placeOf } from '../../topology/place.js';

const PORTS = [80, 443, 8080, 22, 53];
const TRACE = '-n -q 1 -w 1 -m 5';

type Tool = { readonly name: string; readonly command: (t: Target, arg: number, iface: string) => string };

const tcpPort = (t: Target, arg: number): number => (arg % 2 === 0 && t.tcpPort !== undefined ? t.tcpPort : at(PORTS, arg >> 1));

/** The tools, in the recipe's order; `name` labels the per-tool agreement figures. */
export const TOOLS: readonly Tool[] = [
  { name: 'ping', command: (t) => `ping -n -c 1 -W 1 ${t.ip}` },
  { name: 'traceroute', command: (t) => `traceroute ${TRACE} ${t.ip}` },
  { name: 'traceroute-icmp', command: (t) => `traceroute -I ${TRACE} ${t.ip}` },
  { name: 'traceroute-tcp', command: (t, a) => `traceroute -T -p ${tcpPort(t, a)} ${TRACE} ${t.ip}` },
  { name: 'traceroute-udp', command: (t, a) => `traceroute -U -p ${t.udpPort ?? at(PORTS, a)} ${TRACE} ${t.ip}` },
  { name: 'tcptraceroute', command: (t, a) => `tcptraceroute -n -q 1 -w 1 -m 5 -p 40080 ${t.ip} ${tcpPort(t, a)}` },
  { name: 'tracepath', command: (t) => `tracepath -n -m 5 ${t.ip}` },
  { name: 'mtr', command: (t) => `mtr -r -n -c 1 -m 5 ${t.ip}` },
  { name: 'ip-route', command: () => 'ip route' },
  { name: 'ip-route-get', command: (t) => `ip route get ${t.ip}` },
  // Listings are compared with the backend's own fields masked (ifindexes, order, veth peers, qdisc: sim/tools/mask-listing.ts).
  { name: 'ip-addr', command: (_t, a, i) => at(['ip addr', 'ip -br addr', `ip addr show ${i}`, `ip -4 addr show dev ${i}`], a) },
  { name: 'iptables', command: (_t, a) => (a % 2 === 0 ? 'iptables -S' : 'iptables -t nat -S') },
  { name: 'sysctl', command: (_t, _a, i) => `sysctl net.ipv4.ip_forward net.ipv4.conf.${i}.rp_filter` },
  { name: 'traceroute-df', command: (t) => `traceroute -F ${TRACE} ${t.ip} 1500` },
  { name: 'ping-df', command: (t) => `ping -n -c 1 -W 1 -M do -s 1472 ${t.ip}` },
  { name: 'ip-link', command: (_t, a, i) => at(['ip link', 'ip -br link', `ip link show ${i}`, `ip link show dev ${i}`], a) },
  // Placed by l4-probes.ts (only where the image has the client); `command` is the fallback where no place has it.
  { name: 'http', command: (t) => `ping -n -c 1 -W 1 ${t.ip}` },
  { name: 'nc', command: (t) => `ping -n -c 1 -W 1 ${t.ip}` },
  { name: 'dns', command: (t) => `ping -n -c 1 -W 1 ${t.ip}` },
];

export function toolOf(r: ProbeRecipe): string {
  return at(TOOLS, r.tool).name;
}

/** One probe command and where it runs (`faulted`: the case has break steps). */
export function probeStep(lab: LabModel, r: ProbeRecipe, faulted = false): GeneratedStep {
  const name = at(TOOLS, r.tool).name;
  if (name === 'http' || name === 'nc' || name === 'dns') {
    const c: ProbeContext = { lab, faulted };
    const l4 = L4_PROBES[name](c, r.at, r.target, r.arg);
    if (l4) return { at: placeOf(l4.place), run: l4.run };
  }
  const place = at(placesOf(lab), r.at);
  const target = at(targetsOf(lab), r.target);
  const iface = at(ifacesOf(place), r.arg)?.name ?? 'lo';
  return { at: placeName(place), run: at(TOOLS, r.tool).command(target, r.arg, iface) };
}
