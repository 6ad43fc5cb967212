// `kubectl apply -f` of NetworkPolicy manifests onto a lab file: each document validated as the API server does
// (kubectl's "The NetworkPolicy "NAME" is invalid: ..." on failure), then created or replaced by namespace and name.
import { createRequire } from 'node:module';
import type * as Yaml from 'yaml';
import type { LabFile } from '../topology/labfile.js';
import { invalidPolicyText, validatePolicy, type NetworkPolicyManifest } from '../topology/network-policy.js';
import { UsageError } from './backend.js';

/** The lab file with the manifests applied, and what kubectl prints for each (`networkpolicy.networking.k8s.io/X created`). */
export function applyManifests(data: LabFile, text: string): { data: LabFile; lines: string[] } {
  const yaml = createRequire(import.meta.url)('yaml') as typeof Yaml;
  const policies = [...(data.networkPolicies ?? [])];
  const lines: string[] = [];
  for (const doc of yaml.parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new UsageError(`error: error parsing manifest: ${doc.errors[0]!.message.split('\n')[0]!}`);
    const m = doc.toJS() as (NetworkPolicyManifest & { kind?: string }) | null;
    if (m === null) continue;
    if (m.kind !== 'NetworkPolicy' || m.apiVersion !== 'networking.k8s.io/v1') throw new UsageError(`apply: only networking.k8s.io/v1 NetworkPolicy manifests are modelled (got ${m.apiVersion ?? '?'} ${m.kind ?? '?'})`);
    if (!m.metadata?.name || !m.spec) throw new UsageError('error: error validating data: metadata.name and spec are required');
    const errs = validatePolicy(m);
    if (errs.length > 0) throw new UsageError(invalidPolicyText(m.metadata.name, errs));
    const ns = m.metadata.namespace ?? 'default';
    const at = policies.findIndex((p) => p.metadata.name === m.metadata.name && (p.metadata.namespace ?? 'default') === ns);
    if (at >= 0) policies[at] = m;
    else policies.push(m);
    lines.push(`networkpolicy.networking.k8s.io/${m.metadata.name} ${at >= 0 ? 'configured' : 'created'}`);
  }
  return { data: { ...data, networkPolicies: policies }, lines };
}
