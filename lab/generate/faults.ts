// Generated break commands, drawn from the vocabulary the simulator interprets: ip route/link/addr (throw routes
// too), sysctl and iptables (filter and nat with the matches and targets modelled; mangle and raw, which both
// backends refuse alike as not modelled).
import type { Device, LabModel } from '../../topology/model.js';
import { formatIp } from '../../topology/address.js';
import type { FaultRecipe } from './arbitraries.js';
import { at, gatewaysOf, ifaceAddr, ifacesOf, placeName, placesOf, prefixesOf, targetsOf } from './targets.js';

export interface GeneratedStep {
  readonly at: string;
  readonly run: string;
}

/** The fault classes, in the recipe's kind order (reported per class). */
export const FAULT_CLASSES = ['route', 'link', 'addr', 'sysctl', 'iptables', 'iptables-chain'] as const;
export type FaultClass = (typeof FAULT_CLASSES)[number] | 'flannel' | 'none';

// No MTU above 1500: a bigger frame than the far end of a veth takes fails a local send with ENOBUFS (not modelled; on
// a node NIC the VM and the namespace lab differ by construction): docs/comparison.md, seed 4 case 77.
const MTUS = [1400, 1280, 1450, 1000, 576, 1492];
const REJECTS = ['', ' --reject-with icmp-host-prohibited', ' --reject-with icmp-net-unreachable', ' --reject-with icmp-port-unreachable',
  ' --reject-with icmp-admin-prohibited', ' --reject-with icmp-host-unreachable'];
const CHAINS: readonly { table: string; chain: string }[] = [
  { table: 'filter', chain: 'FORWARD' }, { table: 'filter', chain: 'INPUT' }, { table: 'filter', chain: 'OUTPUT' },
  { table: 'nat', chain: 'PREROUTING' }, { table: 'nat', chain: 'POSTROUTING' }, { table: 'nat', chain: 'OUTPUT' },
  // Refused by both backends with the same "not modelled" words and exit 3 (sim/commands/not-modelled.ts).
  { table: 'mangle', chain: 'FORWARD' }, { table: 'raw', chain: 'PREROUTING' },
];

/**
 * Commands of the vocabulary that both backends refuse as not modelled (exit 3, the same words; the namespace lab
 * refuses them before running anything). The generator draws them (a case with one compares that refusal), and a
 * test keeps this list honest.
 */
export const NOT_MODELLED_FAULTS: readonly string[] = [
  'iptables -t mangle -A FORWARD -j DROP',
  'iptables -t raw -A PREROUTING -j DROP',
  'iptables-save -t mangle',
];

type Ctx = { lab: LabModel; place: Device; r: FaultRecipe };

function route({ lab, place, r }: Ctx): string {
  const prefix = at(prefixesOf(lab), r.target);
  const gw = at(gatewaysOf(lab), r.arg);
  const ops = [
    `ip route del ${prefix}`,
    `ip route replace blackhole ${prefix}`,
    `ip route replace unreachable ${prefix}`,
    `ip route replace prohibit ${prefix}`,
    `ip route replace ${prefix} via ${gw}`,
    'ip route del default',
    `ip route add ${prefix.replace(/\/\d+$/, '/32')} via ${gw}`,
    `ip route replace ${prefix} dev ${at(ifacesOf(place), r.arg)?.name ?? 'lo'}`,
    `ip route add throw ${prefix}`,
    `ip route replace throw ${prefix}`,
  ];
  return at(ops, r.op);
}

function link({ place, r }: Ctx): string {
  const iface = at(ifacesOf(place), r.target)?.name ?? 'lo';
  return r.op % 2 === 0 ? `ip link set ${iface} down` : `ip link set dev ${iface} mtu ${at(MTUS, r.arg)}`;
}

function addr({ lab, place, r }: Ctx): string {
  const iface = at(ifacesOf(place), r.target);
  const own = iface ? ifaceAddr(iface) : undefined;
  if (r.op % 2 === 0 && iface && own) return `ip addr del ${own} dev ${iface.name}`;
  const extra = formatIp((lab.hostOnly.network.addr + 200 + (r.arg % 50)) >>> 0);
  return `ip addr add ${extra}/24 dev ${iface?.name ?? 'lo'}`;
}

function sysctl({ place, r }: Ctx): string {
  const iface = at(ifacesOf(place), r.target)?.name ?? 'lo';
  const keys = [
    'net.ipv4.ip_forward=0', 'net.ipv4.conf.all.rp_filter=1', `net.ipv4.conf.${iface}.rp_filter=1`, 'net.ipv4.icmp_echo_ignore_all=1',
    'net.ipv4.icmp_echo_ignore_broadcasts=0', `net.ipv4.conf.${iface}.forwarding=0`, 'net.ipv4.ip_default_ttl=3',
    'net.ipv4.conf.all.rp_filter=2', 'net.bridge.bridge-nf-call-iptables=0', `net.ipv4.conf.${iface}.send_redirects=0`,
  ];
  return `sysctl -w ${at(keys, r.op)}`;
}

function iptablesRule({ lab, place, r }: Ctx): string {
  const { table, chain } = at(CHAINS, r.arg);
  const target = at(targetsOf(lab), r.target).ip;
  const iface = at(ifacesOf(place), r.target)?.name ?? 'lo';
  const matches = [`-d ${target}`, `-s ${target}`, '-p icmp', '-p icmp --icmp-type echo-request', '-p tcp --dport 80',
    '-p udp --dport 53', `${chain === 'OUTPUT' || chain === 'POSTROUTING' ? '-o' : '-i'} ${iface}`, `-m conntrack --ctstate NEW -d ${target}`,
    '-p icmp --icmp-type time-exceeded', `-p tcp -m multiport --dports 80,443`];
  const match = at(matches, r.op);
  const jump = table === 'nat' ? natTarget(lab, chain, r) : table === 'filter' ? `REJECT${at(REJECTS, r.arg >> 3)}` : 'DROP';
  const verb = r.arg % 2 === 0 ? '-I' : '-A';
  const jumpText = table === 'filter' && r.op % 3 === 0 ? 'DROP' : jump;
  return `iptables${table === 'filter' ? '' : ` -t ${table}`} ${verb} ${chain} ${match} -j ${jumpText}`;
}

function natTarget(lab: LabModel, chain: string, r: FaultRecipe): string {
  if (chain === 'POSTROUTING') return r.op % 2 === 0 ? 'MASQUERADE' : `SNAT --to-source ${at(gatewaysOf(lab), r.target)}`;
  const pods = targetsOf(lab);
  return r.op % 2 === 0 ? 'RETURN' : `DNAT --to-destination ${at(pods, r.target + 1).ip}`;
}

function iptablesChain({ r }: Ctx): string {
  const ops = ['iptables -P FORWARD DROP', 'iptables -F FORWARD', 'iptables -t nat -F POSTROUTING', 'iptables -P INPUT DROP',
    'iptables -P OUTPUT DROP', 'iptables -t nat -F PREROUTING', 'iptables -F', 'iptables -t nat -F'];
  return at(ops, r.op);
}

const KINDS: readonly ((c: Ctx) => string)[] = [route, link, addr, sysctl, iptablesRule, iptablesChain];

/** The class of a fault recipe (its kind). */
export function faultClassOf(r: FaultRecipe): FaultClass {
  return at(FAULT_CLASSES, r.kind);
}

/** One break command: where it runs and what. Node faults are the common case, so even `at` indices pick nodes. */
export function faultStep(lab: LabModel, r: FaultRecipe): GeneratedStep {
  const places = placesOf(lab);
  const nodes = places.filter((d) => d.kind === 'node');
  const place = r.at % 2 === 0 ? at(nodes, r.at >> 1) : at(places, r.at >> 1);
  return { at: placeName(place), run: at(KINDS, r.kind)({ lab, place, r }) };
}
