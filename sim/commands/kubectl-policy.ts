// `kubectl describe networkpolicy NAME`'s text (describe.go describeNetworkPolicy, kubectl 1.31) for one of the lab
// model's NetworkPolicy objects; the resource itself is registered in kubectl/res-networkpolicies.ts.
import { formatSelector, type NetworkPolicy, type PolicyPeer, type PolicyRule } from '../../topology/network-policy.js';
import { LAB_EPOCH_MS } from './kubectl/api-meta.js';
import { tabwrite } from './kubectl/tabwriter.js';

function portLines(rule: PolicyRule, indent: string): string[] {
  if (rule.ports.length === 0) return [`${indent}To Port: <any> (traffic allowed to all ports)`];
  // A port without a number prints as Go prints a nil *IntOrString: <nil>.
  return rule.ports.map((p) => (p.endPort === undefined
    ? `${indent}To Port: ${p.port ?? '<nil>'}/${p.protocol}`
    : `${indent}To Port Range: ${p.port ?? '<nil>'}-${p.endPort}/${p.protocol}`));
}

function peerLines(peer: PolicyPeer, title: 'From:' | 'To:', indent: string): string[] {
  const lines = [`${indent}${title}`];
  const l1 = `  ${indent}`;
  if (peer.podSelector && peer.namespaceSelector) lines.push(`${l1}NamespaceSelector: ${formatSelector(peer.namespaceSelector)}`, `${l1}PodSelector: ${formatSelector(peer.podSelector)}`);
  else if (peer.podSelector) lines.push(`${l1}PodSelector: ${formatSelector(peer.podSelector)}`);
  else if (peer.namespaceSelector) lines.push(`${l1}NamespaceSelector: ${formatSelector(peer.namespaceSelector)}`);
  else if (peer.ipBlock) lines.push(`${l1}IPBlock:`, `    ${indent}CIDR: ${peer.ipBlock.cidr}`, `    ${indent}Except: ${(peer.ipBlock.except ?? []).join(', ')}`);
  return lines;
}

/** printNetworkPolicySpecIngressFrom / printNetworkPolicySpecEgressTo. */
function ruleLines(rules: readonly PolicyRule[] | undefined, dir: 'ingress' | 'egress'): string[] {
  const indent = '    ';
  if (!rules || rules.length === 0) return [`${indent}<none> (Selected pods are isolated for ${dir} connectivity)`];
  return rules.flatMap((r, i) => [
    ...portLines(r, indent),
    ...(r.peers.length === 0
      ? [dir === 'ingress' ? `${indent}From: <any> (traffic not restricted by source)` : `${indent}To: <any> (traffic not restricted by destination)`]
      : r.peers.flatMap((p) => peerLines(p, dir === 'ingress' ? 'From:' : 'To:', indent))),
    ...(i !== rules.length - 1 ? [`${indent}----------`] : []),
  ]);
}

/** time.Time.String() in UTC of simulated time SIMMS: 2006-01-02 15:04:05 +0000 UTC. */
function goTime(simMs: number): string {
  return `${new Date(LAB_EPOCH_MS + simMs).toISOString().slice(0, 19).replace('T', ' ')} +0000 UTC`;
}

/** `kubectl describe networkpolicy`'s text for P, created at simulated time CREATEDMS. */
export function describeNetworkPolicy(p: NetworkPolicy, createdMs: number): string {
  const types = p.policyTypes;
  const selector = formatSelector(p.podSelector);
  return tabwrite([
    `Name:\t${p.name}`,
    `Namespace:\t${p.namespace}`,
    `Created on:\t${goTime(createdMs)}`,
    'Labels:\t<none>',
    'Annotations:\t<none>',
    'Spec:',
    `  PodSelector:     ${selector === '<none>' ? '<none> (Allowing the specific traffic to all pods in this namespace)' : selector}`,
    ...(types.includes('Ingress') ? ['  Allowing ingress traffic:', ...ruleLines(p.ingress, 'ingress')] : ['  Not affecting ingress traffic']),
    ...(types.includes('Egress') ? ['  Allowing egress traffic:', ...ruleLines(p.egress, 'egress')] : ['  Not affecting egress traffic']),
    `  Policy Types: ${types.join(', ')}`,
    '',
  ].join('\n'), 0, 2);
}
