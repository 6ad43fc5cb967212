// The netfilter rules the lab's software installs, as iptables-save lines: a kubeadm 1.31 node's kubelet, kube-proxy
// (iptables mode, kube-proxy-rules.ts) and Flannel chains, and each VirtualBox NAT engine's behaviour.
import { formatCidr, formatIp, type Cidr } from './address.js';
import type { Service } from './model.js';
import {
  KUBE_FIREWALL_RULE, KUBE_FORWARD_RULES, KUBE_PROXY_FILTER_JUMPS, KUBE_PROXY_NAT_FIXED, kubeProxyServiceRules, type EndpointAddress,
} from './kube-proxy-rules.js';

export { kubeChainName, type EndpointAddress } from './kube-proxy-rules.js';

const FLANNEL_MASQ = '-m comment --comment "flanneld masq"';
const FLANNEL_FWD = '-m comment --comment "flanneld forward"';

/** One table of iptables-save text: "*name", chain declarations, rules, "COMMIT". */
function table(name: string, builtins: readonly string[], userChains: readonly string[], rules: readonly string[]): string[] {
  return [
    `*${name}`,
    ...builtins.map((c) => `:${c} ACCEPT [0:0]`),
    ...userChains.map((c) => `:${c} - [0:0]`),
    ...rules,
    'COMMIT',
  ];
}

const FILTER_BUILTINS = ['INPUT', 'FORWARD', 'OUTPUT'];
const NAT_BUILTINS = ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'];
export const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Rules grouped per chain in iptables-save's order: builtins first, then user chains by name. */
export function saveOrder(builtins: readonly string[], rules: readonly string[]): string[] {
  const chainOf = (r: string) => r.slice(3, r.indexOf(' ', 3));
  const rank = (c: string) => (builtins.includes(c) ? builtins.indexOf(c) : builtins.length);
  return rules
    .map((r, i) => ({ r, i, c: chainOf(r) }))
    .sort((a, b) => rank(a.c) - rank(b.c) || (rank(a.c) === builtins.length ? byName(a.c, b.c) : 0) || a.i - b.i)
    .map((x) => x.r);
}

export interface NodeRuleInput {
  readonly clusterNetwork: Cidr;
  readonly services: readonly Service[];
  readonly endpointIps: (svc: Service) => readonly EndpointAddress[];
}

/**
 * Nodes' netfilter as on a kubeadm 1.31 node: kubelet's KUBE-FIREWALL and canary chains, kube-proxy's chains, then
 * Flannel's (it starts after kube-proxy and appends: its jumps come after kube-proxy's prepended ones). Returns a
 * function of a node's pod subnet (undefined when the node has not joined: no Flannel rules then); the rules that do
 * not name the pod subnet are built once and shared by all nodes. Real dumps compared: docs/kube-proxy.md.
 */
export function nodeNetfilterRules(input: NodeRuleInput): (podSubnet: Cidr | undefined) => string[] {
  const net = formatCidr(input.clusterNetwork);
  const kube = kubeProxyServiceRules(input.clusterNetwork, input.services, input.endpointIps);
  const kubeFilterChains = ['KUBE-EXTERNAL-SERVICES', 'KUBE-FIREWALL', 'KUBE-FORWARD', 'KUBE-KUBELET-CANARY', 'KUBE-NODEPORTS', 'KUBE-PROXY-CANARY', 'KUBE-PROXY-FIREWALL', 'KUBE-SERVICES'];
  const filter = (flannel: boolean) => table('filter', FILTER_BUILTINS, flannel ? ['FLANNEL-FWD', ...kubeFilterChains] : kubeFilterChains, saveOrder(FILTER_BUILTINS, [
    ...KUBE_PROXY_FILTER_JUMPS.INPUT,
    '-A INPUT -j KUBE-FIREWALL',
    ...KUBE_PROXY_FILTER_JUMPS.FORWARD,
    ...(flannel ? [`-A FORWARD ${FLANNEL_FWD} -j FLANNEL-FWD`] : []),
    ...KUBE_PROXY_FILTER_JUMPS.OUTPUT,
    '-A OUTPUT -j KUBE-FIREWALL',
    ...(flannel ? [`-A FLANNEL-FWD -s ${net} ${FLANNEL_FWD} -j ACCEPT`, `-A FLANNEL-FWD -d ${net} ${FLANNEL_FWD} -j ACCEPT`] : []),
    ...kube.externalRules,
    KUBE_FIREWALL_RULE,
    ...KUBE_FORWARD_RULES,
    ...kube.filterRules,
  ]));
  const natChains = (flannel: boolean) => [
    ...(flannel ? ['FLANNEL-POSTRTG'] : []),
    ...['KUBE-KUBELET-CANARY', 'KUBE-MARK-MASQ', 'KUBE-NODEPORTS', 'KUBE-POSTROUTING', 'KUBE-PROXY-CANARY', 'KUBE-SERVICES', ...kube.natChains].sort(byName),
  ];
  const natRules = (flannelRules: readonly string[]) => saveOrder(NAT_BUILTINS, [
    ...KUBE_PROXY_NAT_FIXED.PREROUTING,
    ...KUBE_PROXY_NAT_FIXED.OUTPUT,
    ...KUBE_PROXY_NAT_FIXED.POSTROUTING,
    ...(flannelRules.length > 0 ? [`-A POSTROUTING ${FLANNEL_MASQ} -j FLANNEL-POSTRTG`] : []),
    ...flannelRules,
    ...KUBE_PROXY_NAT_FIXED.chains,
    ...kube.natRules,
  ]);
  const unjoined = [...filter(false), ...table('nat', NAT_BUILTINS, natChains(false), natRules([]))];
  // A joined node's rules differ from every other's only where they name its pod subnet: the rules are laid out once
  // with a placeholder there, and each node gets the shared lines with its own subnet written into those few.
  const joined = [...filter(true), ...table('nat', NAT_BUILTINS, natChains(true), natRules(flannelRules(net, OWN_SUBNET)))];
  const ownLines = joined.flatMap((line, k) => (line.includes(OWN_SUBNET) ? [k] : []));
  return (podSubnet) => {
    if (!podSubnet) return [...unjoined];
    const own = formatCidr(podSubnet);
    const rules = [...joined];
    for (const k of ownLines) rules[k] = joined[k]!.replaceAll(OWN_SUBNET, own);
    return rules;
  };
}

/** Stands for a node's pod subnet in the rules laid out once for every node (never in a rule's text). */
const OWN_SUBNET = '\u0000own-subnet\u0000';

/** Flannel's FLANNEL-POSTRTG rules for a node whose pod subnet is OWN, in a cluster network NET. */
function flannelRules(net: string, own: string): string[] {
  return [
    `-A FLANNEL-POSTRTG -m mark --mark 0x4000/0x4000 ${FLANNEL_MASQ} -j RETURN`,
    `-A FLANNEL-POSTRTG -s ${own} -d ${net} ${FLANNEL_MASQ} -j RETURN`,
    `-A FLANNEL-POSTRTG -s ${net} -d ${own} ${FLANNEL_MASQ} -j RETURN`,
    `-A FLANNEL-POSTRTG ! -s ${net} -d ${own} ${FLANNEL_MASQ} -j RETURN`,
    `-A FLANNEL-POSTRTG -s ${net} ! -d 224.0.0.0/4 ${FLANNEL_MASQ} -j MASQUERADE --random-fully`,
    `-A FLANNEL-POSTRTG ! -s ${net} -d ${net} ${FLANNEL_MASQ} -j MASQUERADE --random-fully`,
  ];
}

/**
 * A VirtualBox NAT engine: forwards its guest's traffic only to the lab's declared external hosts (everything else
 * gets no answer, but TTL-expired probes are still answered, as slirp does), masquerades it out of `wan`, and never
 * sends the guest's traffic back into the guest network.
 */
export function natEngineNetfilter(guestIface: string, wanIface: string, externals: readonly number[]): string[] {
  const filterRules = [
    ...externals.map((e) => `-A FORWARD -i ${guestIface} -o ${wanIface} -d ${formatIp(e)}/32 -j ACCEPT`),
    `-A FORWARD -i ${guestIface} -j DROP`,
  ];
  return [
    ...table('filter', FILTER_BUILTINS, [], filterRules),
    ...table('nat', NAT_BUILTINS, [], [`-A POSTROUTING -o ${wanIface} -j MASQUERADE`]),
  ];
}

/** Devices without software of their own (pods, the host, external hosts): empty tables. */
export function emptyNetfilter(): string[] {
  return [...table('filter', FILTER_BUILTINS, [], []), ...table('nat', NAT_BUILTINS, [], [])];
}
