// The lab file's NetworkPolicies, namespaces and policy engine: validated as the API server would (each error at its
// FILE:LINE:COL), defaulted into NetworkPolicy objects.
import { policyFromManifest, validatePolicy, type NetworkPolicy } from './network-policy.js';
import type { PlanContext } from './plan-context.js';

export interface PlannedPolicies {
  readonly engine: 'none' | 'kube-router';
  readonly policies: readonly NetworkPolicy[];
  readonly namespaceLabels: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

export function planPolicies(ctx: PlanContext): PlannedPolicies {
  const f = ctx.file;
  const policies: NetworkPolicy[] = [];
  const seen = new Set<string>();
  (f.networkPolicies ?? []).forEach((m, i) => {
    const errors = validatePolicy(m);
    // kube-apiserver: `The NetworkPolicy "NAME" is invalid: FIELD: ...` (one line per field error).
    for (const e of errors) ctx.err(['networkPolicies', i, ...e.path], `The NetworkPolicy "${m.metadata.name}" is invalid: ${e.message}`);
    const p = policyFromManifest(m);
    const key = `${p.namespace}/${p.name}`;
    if (seen.has(key)) ctx.err(['networkPolicies', i, 'metadata', 'name'], `networkpolicies.networking.k8s.io "${p.name}" already exists in namespace ${p.namespace}`);
    seen.add(key);
    if (errors.length === 0) policies.push(p);
  });
  const namespaceLabels = Object.fromEntries(Object.entries(f.namespaces ?? {}).map(([n, v]) => [n, v.labels ?? {}]));
  return { engine: f.cluster?.networkPolicy ?? 'none', policies, namespaceLabels };
}
