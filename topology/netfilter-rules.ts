// The netfilter rules the lab's software installs, as iptables-save lines: Flannel's masquerade and forward
// chains, kube-proxy's service DNAT (iptables mode), and each VirtualBox NAT engine's behaviour.
import { createHash } from 'node:crypto';
import { formatCidr, formatIp, type Cidr } from './address.js';
import type { Service, ServicePort } from './model.js';

const FLANNEL_MASQ = '-m comment --comment "flanneld masq"';
const FLANNEL_FWD = '-m comment --comment "flanneld forward"';
const PORTALS = '-m comment --comment "kubernetes service portals"';

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

/** kube-proxy's chain name: a prefix and 16 base32 characters of a SHA-256 over the service port's identity. */
export function kubeChainName(prefix: 'KUBE-SVC' | 'KUBE-SEP', identity: string): string {
  const digest = createHash('sha256').update(identity).digest();
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of digest) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5 && out.length < 16) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    if (out.length >= 16) break;
  }
  return `${prefix}-${out}`;
}

export interface EndpointAddress {
  readonly pod: string;
  readonly ip: number;
}

function portLabel(svc: Service, port: ServicePort): string {
  return `${svc.namespace}/${svc.name}${port.name ? `:${port.name}` : ''}`;
}

/** kube-proxy's nat rules (and filter REJECTs for services without endpoints) for every service. */
function kubeProxyRules(services: readonly Service[], endpointIps: (svc: Service) => readonly EndpointAddress[]) {
  const natChains: string[] = ['KUBE-SERVICES'];
  const natRules: string[] = [`-A PREROUTING ${PORTALS} -j KUBE-SERVICES`, `-A OUTPUT ${PORTALS} -j KUBE-SERVICES`];
  const filterRules: string[] = [];
  for (const svc of services) {
    const endpoints = endpointIps(svc);
    for (const port of svc.ports) {
      const label = portLabel(svc, port);
      const p = port.protocol;
      const match = `-d ${formatIp(svc.ip)}/32 -p ${p} -m comment --comment "${label} cluster IP" -m ${p} --dport ${port.port}`;
      if (endpoints.length === 0) {
        filterRules.push(
          `-A KUBE-SERVICES -d ${formatIp(svc.ip)}/32 -p ${p} -m comment --comment "${label} has no endpoints" -m ${p} --dport ${port.port} -j REJECT --reject-with icmp-port-unreachable`,
        );
        continue;
      }
      const svcChain = kubeChainName('KUBE-SVC', `${label}:${p}`);
      natChains.push(svcChain);
      natRules.push(`-A KUBE-SERVICES ${match} -j ${svcChain}`);
      endpoints.forEach((ep, i) => {
        const target = `${formatIp(ep.ip)}:${port.targetPort}`;
        const sepChain = kubeChainName('KUBE-SEP', `${label}:${p}:${target}`);
        natChains.push(sepChain);
        const remaining = endpoints.length - i;
        const statistic = remaining > 1 ? ` -m statistic --mode random --probability ${(1 / remaining).toFixed(11)}` : '';
        natRules.push(`-A ${svcChain} -m comment --comment "${label} -> ${target}"${statistic} -j ${sepChain}`);
        natRules.push(`-A ${sepChain} -p ${p} -m comment --comment "${label}" -m ${p} -j DNAT --to-destination ${target}`);
      });
    }
  }
  return { natChains, natRules, filterRules };
}

export interface NodeRuleInput {
  readonly clusterNetwork: Cidr;
  readonly services: readonly Service[];
  readonly endpointIps: (svc: Service) => readonly EndpointAddress[];
}

/**
 * Nodes' netfilter: Flannel (masquerade + forward accept) and kube-proxy (service DNAT). Returns a function of a
 * node's pod subnet (undefined when the node has not joined: no Flannel rules then); every rule that does not name
 * the pod subnet is built once and shared by all nodes.
 */
export function nodeNetfilterRules(input: NodeRuleInput): (podSubnet: Cidr | undefined) => string[] {
  const net = formatCidr(input.clusterNetwork);
  const kube = kubeProxyRules(input.services, input.endpointIps);
  const filter = (flannel: boolean) => table(
    'filter',
    FILTER_BUILTINS,
    flannel ? ['KUBE-SERVICES', 'FLANNEL-FWD'] : ['KUBE-SERVICES'],
    [
      `-A INPUT -m conntrack --ctstate NEW ${PORTALS} -j KUBE-SERVICES`,
      `-A FORWARD -m conntrack --ctstate NEW ${PORTALS} -j KUBE-SERVICES`,
      ...(flannel ? [`-A FORWARD ${FLANNEL_FWD} -j FLANNEL-FWD`] : []),
      `-A OUTPUT -m conntrack --ctstate NEW ${PORTALS} -j KUBE-SERVICES`,
      ...kube.filterRules,
      ...(flannel ? [`-A FLANNEL-FWD -s ${net} ${FLANNEL_FWD} -j ACCEPT`, `-A FLANNEL-FWD -d ${net} ${FLANNEL_FWD} -j ACCEPT`] : []),
    ],
  );
  const unjoined = [...filter(false), ...table('nat', NAT_BUILTINS, kube.natChains, kube.natRules)];
  // Joined nodes: the nat table up to Flannel's rules that name the pod subnet, those three, and the rest.
  const natTable = table('nat', NAT_BUILTINS, [...kube.natChains, 'FLANNEL-POSTRTG'], [
    ...kube.natRules,
    `-A POSTROUTING ${FLANNEL_MASQ} -j FLANNEL-POSTRTG`,
    `-A FLANNEL-POSTRTG -m mark --mark 0x4000/0x4000 ${FLANNEL_MASQ} -j RETURN`,
  ]);
  const joinedHead = [...filter(true), ...natTable.slice(0, -1)];
  const joinedTail = [
    `-A FLANNEL-POSTRTG -s ${net} ! -d 224.0.0.0/4 ${FLANNEL_MASQ} -j MASQUERADE --random-fully`,
    `-A FLANNEL-POSTRTG ! -s ${net} -d ${net} ${FLANNEL_MASQ} -j MASQUERADE --random-fully`,
    'COMMIT',
  ];
  return (podSubnet) => {
    if (!podSubnet) return [...unjoined];
    const own = formatCidr(podSubnet);
    return [
      ...joinedHead,
      `-A FLANNEL-POSTRTG -s ${own} -d ${net} ${FLANNEL_MASQ} -j RETURN`,
      `-A FLANNEL-POSTRTG -s ${net} -d ${own} ${FLANNEL_MASQ} -j RETURN`,
      `-A FLANNEL-POSTRTG ! -s ${net} -d ${own} ${FLANNEL_MASQ} -j RETURN`,
      ...joinedTail,
    ];
  };
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
