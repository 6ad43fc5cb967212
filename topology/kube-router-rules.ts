// kube-router v2.11.1's network policy controller (iptables mode, --run-firewall alongside Flannel) as a compiler:
// NetworkPolicies and pods in, each node's filter-table rules (iptables-save lines) and ipsets (ipset save lines) out,
// with the chain and set names it derives (sha256, base32, first 16 characters). Source: pkg/controllers/netpol
// (npc_iptables.go, pod.go, policy.go, comments.go) and pkg/utils (CommonICMPRules, ipset options).
import { createHash } from 'node:crypto';
import { formatCidr, formatIp, type Cidr } from './address.js';
import type { Device } from './model.js';
import { namespaceLabels, selectorMatches, type NetworkPolicy, type PolicyPeer, type PolicyPort } from './network-policy.js';

/** A pod as the controller's informer sees it. */
export interface PolicyPod {
  readonly name: string;
  readonly namespace: string;
  readonly node: string;
  readonly ip: number;
  readonly labels: Readonly<Record<string, string>>;
  /** Named container ports (for named ports in policies). */
  readonly ports: readonly { readonly name: string; readonly protocol: 'TCP' | 'UDP'; readonly port: number }[];
}

export interface KubeRouterInput {
  readonly pods: readonly PolicyPod[];
  readonly policies: readonly NetworkPolicy[];
  readonly namespaces: readonly string[];
  readonly namespaceLabels?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  readonly serviceNetwork: Cidr;
}

/** What kube-router leaves on one node: rules for the filter table and the ipsets they name. */
export interface KubeRouterNodeRules {
  /** New user chains. */
  readonly chains: readonly string[];
  /** Rules inserted at position 1 of INPUT, FORWARD, OUTPUT. */
  readonly builtinJumps: readonly string[];
  /** The user chains' rules (-A lines, in order per chain). */
  readonly rules: readonly string[];
  readonly ipsets: readonly string[];
}

const FAMILY = 'IPv4';
/** The sync version kube-router puts in chain names: strconv.FormatInt(start.UnixNano(), 36) of its sync at the lab's start (the simulated clock's 2024-01-01T00:00:00Z). */
export const SYNC_VERSION = (1_704_067_200_000_000_000n).toString(36);
const NODE_PORTS = '30000:32767';
const TOP = { INPUT: 'KUBE-ROUTER-INPUT', FORWARD: 'KUBE-ROUTER-FORWARD', OUTPUT: 'KUBE-ROUTER-OUTPUT' } as const;
const DEFAULT = 'KUBE-NWPLCY-DEFAULT';
const COMMON = 'KUBE-NWPLCY-COMMON';
const TAIL = 'KUBE-NWPLCY-TAIL';
const MARK_MATCH = '-m mark --mark 0x10000/0x10000';

/** RFC 4648 base32 (Go's base32.StdEncoding) of a sha256, first 16 characters. */
function hash16(text: string): string {
  const bytes = createHash('sha256').update(text).digest();
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  let out = '';
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5 && out.length < 16) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= 0xff;
  }
  return out;
}

/** xtables_save_string: quoted unless only [A-Za-z0-9_-]. */
const q = (s: string) => (/^[A-Za-z0-9_-]+$/.test(s) ? s : `"${s.replace(/["\\']/g, '\\$&')}"`);
const host = (ip: number) => `${formatIp(ip)}/32`;

export const podChainName = (p: PolicyPod) => `KUBE-POD-FW-${hash16(p.namespace + p.name + SYNC_VERSION)}`;
export const policyChainName = (p: NetworkPolicy) => `KUBE-NWPLCY-${hash16(p.namespace + p.name + SYNC_VERSION + FAMILY)}`;
const targetSet = (prefix: 'SRC' | 'DST', p: NetworkPolicy) => `KUBE-${prefix}-${hash16(p.namespace + p.name + FAMILY)}`;
const indexedSet = (prefix: 'SRC' | 'DST', p: NetworkPolicy, dir: 'ingressrule' | 'egressrule', i: number, kind: string) =>
  `KUBE-${prefix}-${hash16(p.namespace + p.name + dir + String(i) + FAMILY + kind)}`;

/** ensureRuleAtPosition's uuid: the rule's comment gets " - " and base32(sha256(chain + spec joined)) appended. */
function uuidComment(chain: string, spec: readonly string[], comment: string): string {
  return `${comment} - ${hash16(chain + spec.join(''))}`;
}

/** The rules ensureTopLevelChains, the default/common/tail chains and ensureExplicitAccept put in place. */
function fixedRules(serviceNetwork: Cidr): { jumps: string[]; input: string[]; common: string[] } {
  const jumps = (['INPUT', 'FORWARD', 'OUTPUT'] as const).map((b) => {
    const c = uuidComment(b, ['-m', 'comment', '--comment', 'kube-router netpol', '-j', TOP[b]], 'kube-router netpol');
    return `-A ${b} -m comment --comment ${q(c)} -j ${TOP[b]}`;
  });
  const svc = formatCidr(serviceNetwork);
  const svcComment = 'allow traffic to primary/secondary cluster IP range';
  const input = [`-A ${TOP.INPUT} -d ${svc} -m comment --comment ${q(uuidComment(TOP.INPUT, ['-m', 'comment', '--comment', svcComment, '-d', svc, '-j', 'RETURN'], svcComment))} -j RETURN`];
  for (const proto of ['tcp', 'udp', 'sctp']) {
    const comment = `allow LOCAL ${proto.toUpperCase()} traffic to node ports`;
    const spec = ['-p', proto, '-m', 'comment', '--comment', comment, '-m', 'addrtype', '--dst-type', 'LOCAL', '-m', 'multiport', '--dports', NODE_PORTS, '-j', 'RETURN'];
    input.push(`-A ${TOP.INPUT} -p ${proto} -m comment --comment ${q(uuidComment(TOP.INPUT, spec, comment))} -m addrtype --dst-type LOCAL -m multiport --dports ${NODE_PORTS} -j RETURN`);
  }
  const common = [
    `-A ${COMMON} -m comment --comment "rule to drop invalid state for pod" -m conntrack --ctstate INVALID -j DROP`,
    `-A ${COMMON} -m comment --comment "rule for stateful firewall for pod" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`,
    `-A ${COMMON} -p icmp -m comment --comment "allow icmp echo requests" -m icmp --icmp-type 8 -j ACCEPT`,
    `-A ${COMMON} -p icmp -m comment --comment "allow icmp destination unreachable messages" -m icmp --icmp-type 3 -j ACCEPT`,
    `-A ${COMMON} -p icmp -m comment --comment "allow icmp time exceeded messages" -m icmp --icmp-type 11 -j ACCEPT`,
    `-A ${DEFAULT} -m comment --comment "rule to mark traffic matching a network policy" -j MARK --set-xmark 0x10000/0x10000`,
    `-A ${TAIL} -m comment --comment "accept netpol-ok" ${MARK_MATCH.replace('0x10000/0x10000', '0x20000/0x20000')} -j ACCEPT`,
  ];
  return { jumps, input, common };
}

/** Pods a peer selects (evalPodPeer): by namespace selector (and pod selector), else by pod selector in the policy's namespace. */
function peerPods(input: KubeRouterInput, policy: NetworkPolicy, peer: PolicyPeer): PolicyPod[] {
  if (peer.namespaceSelector) {
    const nss = input.namespaces.filter((n) => selectorMatches(peer.namespaceSelector!, namespaceLabels(n, input.namespaceLabels)));
    return input.pods.filter((p) => nss.includes(p.namespace) && selectorMatches(peer.podSelector ?? {}, p.labels));
  }
  if (peer.podSelector) return input.pods.filter((p) => p.namespace === policy.namespace && selectorMatches(peer.podSelector!, p.labels));
  return [];
}

/** evalIPBlockPeer: hash:net entries, `except` ones nomatch, /0 split in two /1. */
function ipBlockEntries(peer: PolicyPeer): string[] {
  if (!peer.ipBlock || peer.podSelector || peer.namespaceSelector) return [];
  const split = (c: string) => (c.endsWith('/0') ? ['0.0.0.0/1', '128.0.0.0/1'] : [c]);
  return [
    ...split(peer.ipBlock.cidr).map((c) => `${c} timeout 0`),
    ...(peer.ipBlock.except ?? []).flatMap(split).map((c) => `${c} timeout 0 nomatch`),
  ];
}

interface PolicyOut {
  rules: string[];
  sets: Map<string, { type: 'hash:ip' | 'hash:net'; entries: string[] }>;
}

/** appendRuleToPolicyChain: a MARK rule and a RETURN rule for the same match. */
function appendRule(out: PolicyOut, chain: string, comment: string, src: string, dst: string, port?: { protocol: string; port?: string; endPort?: string }) {
  const proto = port ? `-p ${port.protocol.toLowerCase()} ` : '';
  const sets = `${src ? ` -m set --match-set ${src} src` : ''}${dst ? ` -m set --match-set ${dst} dst` : ''}`;
  const dport = port?.port ? ` -m ${port.protocol.toLowerCase()} --dport ${port.port}${port.endPort ? `:${port.endPort}` : ''}` : '';
  const match = `-A ${chain} ${proto}-m comment --comment ${q(comment)}${sets}${dport}`;
  out.rules.push(`${match} -j MARK --set-xmark 0x10000/0x10000`, `${match} ${MARK_MATCH} -j RETURN`);
}

/** processNetworkPolicyPorts: numeric ports as given, named ones resolved on `pods` (grabNamedPortFromPod). */
function resolvePorts(ports: readonly PolicyPort[], pods: readonly PolicyPod[]) {
  const numeric: { protocol: string; port?: string; endPort?: string }[] = [];
  const named: { protocol: string; port: string; ips: number[] }[] = [];
  for (const p of ports) {
    if (p.port === undefined) numeric.push({ protocol: p.protocol });
    else if (typeof p.port === 'number') numeric.push({ protocol: p.protocol, port: String(p.port), ...(p.endPort !== undefined && p.endPort >= p.port ? { endPort: String(p.endPort) } : {}) });
    else {
      const byPort = new Map<number, number[]>();
      for (const pod of pods) for (const cp of pod.ports) if (cp.name === p.port && cp.protocol === p.protocol) byPort.set(cp.port, [...(byPort.get(cp.port) ?? []), pod.ip]);
      for (const [port, ips] of byPort) named.push({ protocol: p.protocol, port: String(port), ips });
    }
  }
  return { numeric, named };
}

const ipEntries = (ips: readonly number[]) => ips.map((ip) => `${formatIp(ip)} timeout 0`);

/** processIngressRules / processEgressRules for one direction of one policy. */
function directionRules(input: KubeRouterInput, policy: NetworkPolicy, dir: 'ingress' | 'egress', targets: readonly PolicyPod[], out: PolicyOut): void {
  const chain = policyChainName(policy);
  const own = dir === 'ingress' ? targetSet('DST', policy) : targetSet('SRC', policy);
  const ruleKind = dir === 'ingress' ? 'ingressrule' : 'egressrule';
  const peerSetPrefix = dir === 'ingress' ? 'SRC' : 'DST';
  // Ingress sets are (peer, own) as (src, dst); egress ones (own, peer).
  const pair = (peer: string, target: string): [string, string] => (dir === 'ingress' ? [peer, target] : [target, peer]);
  const anyPair = pair('', own);
  (policy[dir] ?? []).forEach((rule, i) => {
    const pods = rule.peers.flatMap((peer) => peerPods(input, policy, peer));
    const matchAll = rule.peers.length === 0;
    const { numeric, named } = resolvePorts(rule.ports, dir === 'ingress' ? targets : matchAll ? input.pods.filter((p) => p.namespace === policy.namespace) : pods);
    const namedSet = (k: number) => `KUBE-DST-${hash16(policy.namespace + policy.name + ruleKind + String(i) + String(k) + FAMILY + 'namedport')}`;
    const addNamed = (comment: string, peerSet: string) => named.forEach((n, k) => {
      const set = namedSet(k);
      out.sets.set(set, { type: 'hash:ip', entries: ipEntries(n.ips) });
      const [s, d] = dir === 'ingress' ? [peerSet, set] : [own, set];
      appendRule(out, chain, comment, s, d, n);
    });
    const label = (what: string) => `${policy.namespace}/${policy.name} ${dir} ${what}`;
    if (pods.length > 0) {
      const set = indexedSet(peerSetPrefix, policy, ruleKind, i, 'pod');
      out.sets.set(set, { type: 'hash:ip', entries: ipEntries(pods.map((p) => p.ip)) });
      for (const port of numeric) appendRule(out, chain, label('pods'), ...pair(set, own), port);
      addNamed(label('pods np'), set);
      // As kube-router tests it: no numeric and no resolved named port (also when every named port failed to resolve).
      if (numeric.length === 0 && named.length === 0) appendRule(out, chain, label('pods'), ...pair(set, own));
    }
    if (matchAll && rule.ports.length > 0) {
      for (const port of numeric) appendRule(out, chain, label('any'), ...anyPair, port);
      if (dir === 'ingress') addNamed(label('any np'), '');
      else for (const n of named) appendRule(out, chain, label('any np'), own, '', n);
    }
    if (matchAll && rule.ports.length === 0) appendRule(out, chain, label('any'), ...anyPair);
    const blocks = rule.peers.flatMap(ipBlockEntries);
    if (blocks.length > 0) {
      const set = indexedSet(peerSetPrefix, policy, ruleKind, i, 'ipblock');
      out.sets.set(set, { type: 'hash:net', entries: blocks });
      if (rule.ports.length > 0) {
        for (const port of numeric) appendRule(out, chain, label('cidr'), ...pair(set, own), port);
        // Ingress only (processEgressRules has no named-port loop for ipBlocks); these sets are hash:net.
        if (dir === 'ingress') named.forEach((n, k) => {
          out.sets.set(namedSet(k), { type: 'hash:net', entries: ipEntries(n.ips) });
          appendRule(out, chain, label('cidr np'), set, namedSet(k), n);
        });
      } else appendRule(out, chain, label('cidr'), ...pair(set, own));
    }
  });
}

/** syncNetworkPolicyChains: every policy's chain and sets (the same on every node). */
function policyChains(input: KubeRouterInput): PolicyOut & { chains: string[] } {
  const out: PolicyOut = { rules: [], sets: new Map() };
  const chains: string[] = [];
  for (const policy of input.policies) {
    chains.push(policyChainName(policy));
    const targets = input.pods.filter((p) => p.namespace === policy.namespace && selectorMatches(policy.podSelector, p.labels));
    const ips = ipEntries(targets.map((p) => p.ip));
    if (policy.policyTypes.includes('Ingress')) {
      out.sets.set(targetSet('DST', policy), { type: 'hash:ip', entries: ips });
      directionRules(input, policy, 'ingress', targets, out);
    }
    if (policy.policyTypes.includes('Egress')) {
      out.sets.set(targetSet('SRC', policy), { type: 'hash:ip', entries: ips });
      directionRules(input, policy, 'egress', targets, out);
    }
  }
  return { ...out, chains };
}

/** syncPodFirewallChains for one local pod: its chain's rules and the top-level jumps into it. */
function podRules(input: KubeRouterInput, pod: PolicyPod): { chain: string; rules: string[]; jumps: Record<keyof typeof TOP, string[]> } {
  const chain = podChainName(pod);
  const ip = host(pod.ip);
  const id = (kind: string) => q(`${pod.namespace}/${pod.name} ${kind}`.slice(0, 120));
  const inserted: string[] = []; // written with -I 1, so they end up in reverse order
  let ingress = false;
  let egress = false;
  for (const policy of input.policies) {
    if (pod.namespace !== policy.namespace || !selectorMatches(policy.podSelector, pod.labels)) continue;
    const hasIn = policy.policyTypes.includes('Ingress');
    const hasOut = policy.policyTypes.includes('Egress');
    ingress ||= hasIn;
    egress ||= hasOut;
    const addr = hasIn && hasOut ? '' : hasIn ? `-d ${ip} ` : `-s ${ip} `;
    inserted.push(`-A ${chain} ${addr}-m comment --comment ${q(`${policy.namespace}/${policy.name} policy`)} -j ${policyChainName(policy)}`);
  }
  if (!ingress) inserted.push(`-A ${chain} -d ${ip} -m comment --comment "default ingress" -j ${DEFAULT}`);
  if (!egress) inserted.push(`-A ${chain} -s ${ip} -m comment --comment "default egress" -j ${DEFAULT}`);
  inserted.push(`-A ${chain} -d ${ip} -m comment --comment "from local node" -m addrtype --src-type LOCAL -j ACCEPT`);
  inserted.push(`-A ${chain} -m comment --comment "common netpol rules" -j ${COMMON}`);
  const rules = [
    ...inserted.reverse(),
    `-A ${chain} -m comment --comment ${id('log-drop')} -m mark ! --mark 0x10000/0x10000 -m limit --limit 10/min --limit-burst 10 -j NFLOG --nflog-group 100`,
    `-A ${chain} -m comment --comment ${id('reject')} -m mark ! --mark 0x10000/0x10000 -j REJECT --reject-with icmp-port-unreachable`,
    `-A ${chain} -j MARK --set-xmark 0x0/0x10000`,
    `-A ${chain} -m comment --comment "set netpol-ok mark" -j MARK --set-xmark 0x20000/0x20000`,
  ];
  const jump = (top: string, dir: '-d' | '-s', physdev: boolean, kind: 'in' | 'out') =>
    `-A ${top} ${dir} ${ip}${physdev ? ' -m physdev --physdev-is-bridged' : ''} -m comment --comment ${id(kind)} -j ${chain}`;
  return {
    chain,
    rules,
    jumps: {
      INPUT: [jump(TOP.INPUT, '-s', false, 'out')],
      FORWARD: [jump(TOP.FORWARD, '-d', false, 'in'), jump(TOP.FORWARD, '-d', true, 'in'), jump(TOP.FORWARD, '-s', false, 'out'), jump(TOP.FORWARD, '-s', true, 'out')],
      OUTPUT: [jump(TOP.OUTPUT, '-d', false, 'in'), jump(TOP.OUTPUT, '-s', false, 'out')],
    },
  };
}

/** Everything kube-router's controller on `node` leaves in its filter table and ipsets after a full sync. */
export function kubeRouterNodeRules(input: KubeRouterInput, node: string, policies = policyChains(input)): KubeRouterNodeRules {
  const fixed = fixedRules(input.serviceNetwork);
  const local = input.pods.filter((p) => p.node === node).map((p) => podRules(input, p));
  const top = (b: keyof typeof TOP) => [
    ...(b === 'INPUT' ? fixed.input : []),
    ...local.flatMap((l) => l.jumps[b]),
    `-A ${TOP[b]} -m comment --comment "rule to explicitly handle traffic for network policies ACCEPT/REJECT decision" -j ${TAIL}`,
    `-A ${TOP[b]} -m comment --comment "rule to explicitly ACCEPT traffic that comply to network policies" -m mark --mark 0x20000/0x20000 -j ACCEPT`,
  ];
  const ipsets = [...policies.sets].flatMap(([name, s]) => [
    `create ${name} ${s.type} family inet hashsize 1024 maxelem 65536 timeout 0`,
    ...s.entries.map((e) => `add ${name} ${e}`),
  ]);
  return {
    chains: [...Object.values(TOP), DEFAULT, COMMON, TAIL, ...policies.chains, ...local.map((l) => l.chain)],
    builtinJumps: fixed.jumps,
    rules: [...top('INPUT'), ...top('FORWARD'), ...top('OUTPUT'), ...fixed.common, ...policies.rules, ...local.flatMap((l) => l.rules)],
    ipsets,
  };
}

/** The policy pods of a compiled lab: every pod device with its eth0 address, labels and named ports. */
export function policyPodsOf(devices: readonly Device[]): PolicyPod[] {
  return devices.filter((d) => d.kind === 'pod' && d.node !== undefined).flatMap((d) => {
    const ip = d.interfaces.find((i) => i.name === 'eth0')?.addrs[0]?.ip;
    if (ip === undefined) return [];
    const ports = d.listeners.filter((l) => l.name !== undefined).map((l) => ({ name: l.name!, protocol: l.protocol === 'tcp' ? 'TCP' as const : 'UDP' as const, port: l.port }));
    return [{ name: d.id, namespace: d.namespace ?? 'default', node: d.node!, ip, labels: d.labels ?? {}, ports }];
  });
}
