// `kubectl describe networkpolicy NAME` (describe.go describeNetworkPolicy, kubectl 1.31) over the lab model's
// NetworkPolicy objects; the resource itself is registered in kubectl/res-networkpolicies.ts.
import type { CommandResult } from '../../topology/trace.js';
import { formatSelector, type NetworkPolicy, type PolicyPeer, type PolicyRule } from '../../topology/network-policy.js';
import type { LabModel } from '../../topology/model.js';
import { WORKLOAD_AGE_MS } from '../../topology/kube-nodes.js';
import { LAB_EPOCH_MS } from './kubectl/api-meta.js';
import { fail, ok } from './output.js';

/** What the listing needs of kubectl's get options. */
export interface PolicyListOptions {
  readonly all: boolean;
  readonly namespace: string;
  readonly name?: string;
}

/** The objects' creation: with the workloads, before the simulated clock's start (kube-nodes.ts WORKLOAD_AGE_MS). */
const CREATED_BEFORE_START_MS = WORKLOAD_AGE_MS;
/** The simulated clock's start as kubectl shows it (kubectl/api-meta.ts). */
const EPOCH_MS = LAB_EPOCH_MS;

function visible(model: LabModel, opts: PolicyListOptions): NetworkPolicy[] {
  return [...(model.networkPolicies ?? [])]
    .filter((p) => opts.all || p.namespace === opts.namespace)
    .sort((a, b) => (a.namespace === b.namespace ? (a.name < b.name ? -1 : 1) : a.namespace < b.namespace ? -1 : 1));
}

/** Go's text/tabwriter as describe uses it (padding 2): consecutive lines with a tab align their first cell. */
function tabbed(lines: readonly string[]): string {
  const out: string[] = [];
  for (let i = 0; i < lines.length;) {
    if (!lines[i]!.includes('\t')) { out.push(lines[i++]!); continue; }
    let j = i;
    while (j < lines.length && lines[j]!.includes('\t')) j++;
    const width = Math.max(...lines.slice(i, j).map((l) => l.indexOf('\t'))) + 2;
    for (; i < j; i++) {
      const l = lines[i]!;
      const tab = l.indexOf('\t');
      out.push(l.slice(0, tab).padEnd(width) + l.slice(tab + 1));
    }
  }
  return out.map((l) => `${l}\n`).join('');
}

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

/** time.Time.String() in UTC: 2006-01-02 15:04:05 +0000 UTC. */
function goTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} +0000 UTC`;
}

/** `kubectl describe networkpolicy NAME` in namespace NS. */
export function describeNetworkPolicy(model: LabModel, namespace: string, name: string | undefined): CommandResult {
  const all = visible(model, { all: false, namespace });
  const chosen = name === undefined ? all : all.filter((p) => p.name === name);
  if (name !== undefined && chosen.length === 0) return fail(`Error from server (NotFound): networkpolicies.networking.k8s.io "${name}" not found`, 1);
  if (chosen.length === 0) return fail(`No resources found in ${namespace} namespace.`, 0);
  const text = chosen.map((p) => {
    const types = p.policyTypes;
    return tabbed([
      `Name:\t${p.name}`,
      `Namespace:\t${p.namespace}`,
      `Created on:\t${goTime(EPOCH_MS - CREATED_BEFORE_START_MS)}`,
      'Labels:\t<none>',
      'Annotations:\t<none>',
      'Spec:',
      `  PodSelector:     ${formatSelector(p.podSelector) === '<none>' ? '<none> (Allowing the specific traffic to all pods in this namespace)' : formatSelector(p.podSelector)}`,
      ...(types.includes('Ingress') ? ['  Allowing ingress traffic:', ...ruleLines(p.ingress, 'ingress')] : ['  Not affecting ingress traffic']),
      ...(types.includes('Egress') ? ['  Allowing egress traffic:', ...ruleLines(p.egress, 'egress')] : ['  Not affecting egress traffic']),
      `  Policy Types: ${types.join(', ')}`,
    ]);
  });
  return ok(text.join('\n\n'));
}
