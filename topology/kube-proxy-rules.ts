// kube-proxy 1.31 in iptables mode: its chain names, and the filter and nat rules it writes for the lab's Services,
// in iptables-save's form (kubernetes/kubernetes pkg/proxy/iptables/proxier.go, syncProxyRules; docs/kube-proxy.md).
import { createHash } from 'node:crypto';
import { formatCidr, formatIp, type Cidr } from './address.js';
import type { Service, ServicePort } from './model.js';

/** The mark KUBE-MARK-MASQ sets (--masquerade-bit 14, the default) and KUBE-POSTROUTING looks for. */
export const MASQ_MARK = '0x4000/0x4000';

const RFC4648 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** base32.StdEncoding.EncodeToString(sha256(text))[:16], the hash in every KUBE-SVC/SEP/EXT chain name. */
function hash16(text: string): string {
  const digest = createHash('sha256').update(text).digest();
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of digest) {
    value = ((value << 8) | byte) & 0xffff;
    bits += 8;
    while (bits >= 5 && out.length < 16) {
      out += RFC4648[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    if (out.length === 16) break;
  }
  return out;
}

/**
 * portProtoHash()/servicePortEndpointChainName(): PREFIX + hash16(servicePortName + protocol [+ "ip:port"]), where
 * servicePortName is "ns/name" or "ns/name:portName" and protocol is lower case ("kube-system/kube-dns:dnsudp").
 */
export function kubeChainName(prefix: 'KUBE-SVC' | 'KUBE-SEP' | 'KUBE-EXT', servicePortName: string, protocol: string, endpoint = ''): string {
  return `${prefix}-${hash16(servicePortName + protocol + endpoint)}`;
}

/** computeProbability(n): fmt.Sprintf("%0.10f", 1/n), the text kube-proxy hands iptables-restore. */
export function kubeProbability(n: number): string {
  return (1 / n).toFixed(10);
}

export interface EndpointAddress {
  readonly pod: string;
  readonly ip: number;
  /** The pod's container ports (a named targetPort is looked up here). */
  readonly ports?: readonly { readonly protocol: 'tcp' | 'udp'; readonly port: number; readonly name?: string }[];
}

/** ServicePortName.String(): "ns/name" or "ns/name:port". */
export function servicePortName(svc: Service, port: ServicePort): string {
  return `${svc.namespace}/${svc.name}${port.name ? `:${port.name}` : ''}`;
}

/**
 * The endpoints' "ip:port" strings for one service port, sorted as kube-proxy's endpoints map is (by the string);
 * a named targetPort leaves out pods that have no container port of that name, as the EndpointSlice controller does.
 */
function endpointStrings(port: ServicePort, endpoints: readonly EndpointAddress[]): string[] {
  const out: string[] = [];
  for (const ep of endpoints) {
    const named = port.targetPortName;
    const target = named === undefined ? port.targetPort : ep.ports?.find((p) => p.name === named && p.protocol === port.protocol)?.port;
    if (target !== undefined) out.push(`${formatIp(ep.ip)}:${target}`);
  }
  return out.sort();
}

export interface KubeProxyRules {
  /** User chains of each table (besides the fixed ones); rules per table, in the order kube-proxy writes them. */
  readonly natChains: string[];
  readonly natRules: string[];
  readonly filterRules: string[];
  readonly externalRules: string[];
}

const q = (text: string) => `"${text}"`;

/** The rules of one service port: clusterIP capture or REJECT, NodePort capture, and its SVC/EXT/SEP chains. */
function servicePortRules(out: KubeProxyRules, svc: Service, port: ServicePort, eps: readonly string[], clusterCidr: string): void {
  const name = servicePortName(svc, port);
  const p = port.protocol;
  const vip = `-d ${formatIp(svc.ip)}/32 -p ${p} -m comment --comment ${q(`${name} cluster IP`)} -m ${p} --dport ${port.port}`;
  if (eps.length === 0) {
    const why = q(`${name} has no endpoints`);
    out.filterRules.push(`-A KUBE-SERVICES -d ${formatIp(svc.ip)}/32 -p ${p} -m comment --comment ${why} -m ${p} --dport ${port.port} -j REJECT --reject-with icmp-port-unreachable`);
    if (port.nodePort !== undefined) {
      out.externalRules.push(`-A KUBE-EXTERNAL-SERVICES -p ${p} -m comment --comment ${why} -m addrtype --dst-type LOCAL -m ${p} --dport ${port.nodePort} -j REJECT --reject-with icmp-port-unreachable`);
    }
    return;
  }
  const svcChain = kubeChainName('KUBE-SVC', name, p);
  out.natChains.push(svcChain);
  out.natRules.push(`-A KUBE-SERVICES ${vip} -j ${svcChain}`);
  if (port.nodePort !== undefined) {
    const ext = kubeChainName('KUBE-EXT', name, p);
    out.natChains.push(ext);
    out.natRules.push(
      `-A KUBE-NODEPORTS -p ${p} -m comment --comment ${q(name)} -m ${p} --dport ${port.nodePort} -j ${ext}`,
      `-A ${ext} -m comment --comment ${q(`masquerade traffic for ${name} external destinations`)} -j KUBE-MARK-MASQ`,
      `-A ${ext} -j ${svcChain}`,
    );
  }
  out.natRules.push(`-A ${svcChain} ! -s ${clusterCidr} ${vip} -j KUBE-MARK-MASQ`);
  eps.forEach((ep, i) => {
    const sep = kubeChainName('KUBE-SEP', name, p, ep);
    const statistic = i < eps.length - 1 ? ` -m statistic --mode random --probability ${kubeProbability(eps.length - i)}` : '';
    out.natRules.push(`-A ${svcChain} -m comment --comment ${q(`${name} -> ${ep}`)}${statistic} -j ${sep}`);
  });
  for (const ep of eps) {
    const sep = kubeChainName('KUBE-SEP', name, p, ep);
    out.natChains.push(sep);
    out.natRules.push(
      `-A ${sep} -s ${ep.split(':')[0]}/32 -m comment --comment ${q(name)} -j KUBE-MARK-MASQ`,
      `-A ${sep} -p ${p} -m comment --comment ${q(name)} -m ${p} -j DNAT --to-destination ${ep}`,
    );
  }
}

/**
 * What syncProxyRules writes for the services (kubeadm's kube-proxy: --cluster-cidr from podSubnet, so traffic to a
 * ClusterIP from outside the cluster network is marked for masquerade; masqueradeAll off; nodePortAddresses all).
 */
export function kubeProxyServiceRules(clusterNetwork: Cidr, services: readonly Service[], endpoints: (svc: Service) => readonly EndpointAddress[]): KubeProxyRules {
  const out: KubeProxyRules = { natChains: [], natRules: [], filterRules: [], externalRules: [] };
  const cidr = formatCidr(clusterNetwork);
  for (const svc of services) {
    const eps = endpoints(svc);
    for (const port of svc.ports) servicePortRules(out, svc, port, endpointStrings(port, eps), cidr);
  }
  out.natRules.push(
    `-A KUBE-SERVICES -m comment --comment ${q('kubernetes service nodeports; NOTE: this must be the last rule in this chain')} -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS`,
  );
  return out;
}

const NEW = '-m conntrack --ctstate NEW';
const C = (text: string) => `-m comment --comment ${q(text)}`;

/** kube-proxy's jumps from the builtin chains (iptablesJumpChains, each prepended: the list's reverse per chain). */
export const KUBE_PROXY_FILTER_JUMPS = {
  INPUT: [
    `-A INPUT ${NEW} ${C('kubernetes load balancer firewall')} -j KUBE-PROXY-FIREWALL`,
    `-A INPUT ${C('kubernetes health check service ports')} -j KUBE-NODEPORTS`,
    `-A INPUT ${NEW} ${C('kubernetes externally-visible service portals')} -j KUBE-EXTERNAL-SERVICES`,
  ],
  FORWARD: [
    `-A FORWARD ${NEW} ${C('kubernetes load balancer firewall')} -j KUBE-PROXY-FIREWALL`,
    `-A FORWARD ${C('kubernetes forwarding rules')} -j KUBE-FORWARD`,
    `-A FORWARD ${NEW} ${C('kubernetes service portals')} -j KUBE-SERVICES`,
    `-A FORWARD ${NEW} ${C('kubernetes externally-visible service portals')} -j KUBE-EXTERNAL-SERVICES`,
  ],
  OUTPUT: [
    `-A OUTPUT ${NEW} ${C('kubernetes load balancer firewall')} -j KUBE-PROXY-FIREWALL`,
    `-A OUTPUT ${NEW} ${C('kubernetes service portals')} -j KUBE-SERVICES`,
  ],
} as const;

/**
 * KUBE-FORWARD. kube-proxy adds `-m nfacct --nfacct-name ct_state_invalid_dropped_pkts` to the INVALID rule only when
 * it could create that nfacct counter; the namespace lab's kernel has no xt_nfacct, so the lab models a node without
 * it (docs/kube-proxy.md).
 */
export const KUBE_FORWARD_RULES = [
  '-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP',
  `-A KUBE-FORWARD ${C('kubernetes forwarding rules')} -m mark --mark ${MASQ_MARK} -j ACCEPT`,
  `-A KUBE-FORWARD ${C('kubernetes forwarding conntrack rule')} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`,
];

/** nat: the jumps, KUBE-MARK-MASQ and KUBE-POSTROUTING (as iptables-save prints --or-mark / --xor-mark). */
export const KUBE_PROXY_NAT_FIXED = {
  PREROUTING: [`-A PREROUTING ${C('kubernetes service portals')} -j KUBE-SERVICES`],
  OUTPUT: [`-A OUTPUT ${C('kubernetes service portals')} -j KUBE-SERVICES`],
  POSTROUTING: [`-A POSTROUTING ${C('kubernetes postrouting rules')} -j KUBE-POSTROUTING`],
  chains: [
    '-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000',
    `-A KUBE-POSTROUTING -m mark ! --mark ${MASQ_MARK} -j RETURN`,
    '-A KUBE-POSTROUTING -j MARK --set-xmark 0x4000/0x0',
    `-A KUBE-POSTROUTING ${C('kubernetes service traffic requiring SNAT')} -j MASQUERADE --random-fully`,
  ],
} as const;

/** kubelet's (and kube-proxy's copy of) the localnet rule, reached from INPUT and OUTPUT. */
export const KUBE_FIREWALL_RULE = `-A KUBE-FIREWALL ! -s 127.0.0.0/8 -d 127.0.0.0/8 ${C('block incoming localnet connections')} -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP`;
