// `kubectl get networkpolicy` (printers.go: NAME, POD-SELECTOR, AGE) and `kubectl describe networkpolicy NAME`
// (describe.go describeNetworkPolicy, kubectl 1.31) over the lab model's NetworkPolicy objects.
import type { CommandResult } from '../../topology/trace.js';
import { formatSelector, type NetworkPolicy, type PolicyPeer, type PolicyRule } from '../../topology/network-policy.js';
import type { LabModel } from '../../topology/model.js';
import type { CommandContext } from './index.js';
import { fail, ok, unsupported } from './output.js';

/** The resource names kubectl resolves to networkpolicies.networking.k8s.io. */
export const NETWORK_POLICY_NAMES: readonly string[] = ['netpol', 'networkpolicy', 'networkpolicies', 'networkpolicies.networking.k8s.io'];

/** What the listing needs of kubectl's get options. */
export interface PolicyListOptions {
  readonly all: boolean;
  readonly namespace: string;
  readonly name?: string;
}

/** The objects' creation: 40 minutes before the simulated clock's start (kubectl.ts WORKLOAD_AGE_MS). */
const CREATED_BEFORE_START_MS = 40 * 60_000;
/** The simulated clock's start (sim/simulator.ts). */
const EPOCH_MS = Date.UTC(2024, 0, 1);

function visible(model: LabModel, opts: PolicyListOptions): NetworkPolicy[] {
  return [...(model.networkPolicies ?? [])]
    .filter((p) => opts.all || p.namespace === opts.namespace)
    .sort((a, b) => (a.namespace === b.namespace ? (a.name < b.name ? -1 : 1) : a.namespace < b.namespace ? -1 : 1));
}

/** `kubectl get networkpolicy`: rows for kubectl's table printer (header first) and the objects' names, or its error. */
export function networkPolicyRows(model: LabModel, opts: PolicyListOptions, age: string): { header: string[]; rows: string[][]; names: string[] } {
  const policies = visible(model, opts);
  const header = [...(opts.all ? ['NAMESPACE'] : []), 'NAME', 'POD-SELECTOR', 'AGE'];
  const rows = policies.map((p) => [...(opts.all ? [p.namespace] : []), p.name, formatSelector(p.podSelector), age]);
  return { header, rows, names: policies.map((p) => p.name) };
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

/** `kubectl describe networkpolicy [NAME] [-n NS]` (the flags anywhere); other resources are not modelled here. */
export function kubectlDescribe(args: readonly string[], ctx: CommandContext): CommandResult {
  let namespace = 'default';
  const words: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '-n' || a === '--namespace') namespace = args[++i] ?? '';
    else if (a.startsWith('--namespace=')) namespace = a.slice('--namespace='.length);
    else if (a.startsWith('-')) return unsupported(`kubectl describe ${a}`);
    else words.push(a);
  }
  const [resource, name, more] = words;
  if (resource === undefined) return unsupported('kubectl describe without a resource type');
  if (!NETWORK_POLICY_NAMES.includes(resource) || more !== undefined) return unsupported(`kubectl describe ${words.join(' ')}`);
  return describeNetworkPolicy(ctx.sim.model, namespace, name);
}
