// The lab's NetworkPolicy engine applied to its compiled devices: `none` leaves them as they are (Flannel does not
// enforce policies); `kube-router` adds its controller's chains, rules and ipsets to every joined node.
import type { Cidr } from './address.js';
import { kubeRouterNodeRules, policyPodsOf, type KubeRouterNodeRules } from './kube-router-rules.js';
import type { Device, LabModel, Service } from './model.js';
import type { NetworkPolicy } from './network-policy.js';
import { byName, saveOrder } from './netfilter-rules.js';
import type { PlannedPolicies } from './plan-policies.js';

const FILTER_BUILTINS = ['INPUT', 'FORWARD', 'OUTPUT'];

/** Every namespace the lab has: its pods', Services', policies' and labelled ones, default and kube-system. */
function namespacesOf(devices: readonly Device[], services: readonly Service[], p: PlannedPolicies): string[] {
  const names = new Set(['default', 'kube-system']);
  for (const d of devices) if (d.kind === 'pod') names.add(d.namespace ?? 'default');
  for (const s of services) names.add(s.namespace);
  for (const pol of p.policies) names.add(pol.namespace);
  for (const n of Object.keys(p.namespaceLabels)) names.add(n);
  return [...names].sort(byName);
}

/** A node's iptables-save lines with kube-router's filter-table additions merged in, in iptables-save's order. */
export function mergeFilter(lines: readonly string[], add: KubeRouterNodeRules): string[] {
  const start = lines.indexOf('*filter');
  const end = lines.indexOf('COMMIT', start);
  const section = lines.slice(start + 1, end);
  const builtinDecls = section.filter((l) => l.startsWith(':') && FILTER_BUILTINS.includes(l.slice(1).split(' ')[0]!));
  const userChains = section.filter((l) => l.startsWith(':') && !builtinDecls.includes(l)).map((l) => l.slice(1).split(' ')[0]!);
  const rules = section.filter((l) => l.startsWith('-A '));
  const chains = [...userChains, ...add.chains].sort(byName);
  const merged = saveOrder(FILTER_BUILTINS, [...add.builtinJumps, ...rules, ...add.rules]);
  return [...lines.slice(0, start + 1), ...builtinDecls, ...chains.map((c) => `:${c} - [0:0]`), ...merged, ...lines.slice(end)];
}

/** The devices with the engine's rules in place (the same array when the engine enforces nothing). */
export function applyPolicyEngine(devices: readonly Device[], services: readonly Service[], serviceNetwork: Cidr, p: PlannedPolicies): readonly Device[] {
  if (p.engine !== 'kube-router') return devices;
  const input = { pods: policyPodsOf(devices), policies: p.policies, namespaces: namespacesOf(devices, services, p), namespaceLabels: p.namespaceLabels, serviceNetwork };
  return devices.map((d) => {
    if (d.kind !== 'node' || d.podSubnet === undefined || d.flannel === undefined) return d;
    const add = kubeRouterNodeRules(input, d.id);
    return { ...d, netfilter: mergeFilter(d.netfilter, add), ipsets: add.ipsets };
  });
}

/**
 * kube-router's full resync after API changes (policies applied or deleted, pods relabelled): what its controller leaves
 * on each joined node of the compiled MODEL with POLICIES and the pods' labels as LABELSOF gives them; undefined where
 * no engine runs.
 */
export function kubeRouterRulesNow(
  model: LabModel, policies: readonly NetworkPolicy[], labelsOf: (pod: string) => Readonly<Record<string, string>> | undefined,
): (node: Device) => KubeRouterNodeRules | undefined {
  if (model.cluster.networkPolicy !== 'kube-router') return () => undefined;
  const planned: PlannedPolicies = { engine: 'kube-router', policies, namespaceLabels: model.namespaceLabels ?? {} };
  const pods = policyPodsOf(model.devices).map((p) => ({ ...p, labels: labelsOf(p.name) ?? p.labels }));
  const input = { pods, policies, namespaces: namespacesOf(model.devices, model.services, planned), namespaceLabels: planned.namespaceLabels, serviceNetwork: model.cluster.serviceNetwork };
  return (node) => (node.podSubnet === undefined || node.flannel === undefined ? undefined : kubeRouterNodeRules(input, node.id));
}
