// kubectl apply -f FILE and delete -f FILE over the lab's cluster: each object of the file (NetworkPolicy, Service,
// Pod) created, configured, left unchanged or deleted as kubectl 1.31 prints it (apply.go's "created"/"configured"/
// "unchanged" through the name printer, delete.go's `KIND.GROUP "NAME" deleted`); the API edits then resync
// kube-proxy and kube-router on every node (sim/kube-state.ts). The lab file's objects count as created by
// `kubectl apply` (their last-applied configuration is what the lab file says).
import type { KubeEdits } from '../../../topology/kube-edits.js';
import { invalidPolicyText, policyFromManifest, validatePolicy, type NetworkPolicyManifest } from '../../../topology/network-policy.js';
import type { CommandResult } from '../../../topology/trace.js';
import { kubeEditsOf, policiesNow, setKubeEdits } from '../../kube-state.js';
import { fail, unsupported } from '../output.js';
import { mappingError, objectNamespace, readManifests, type ManifestObject } from './manifest-file.js';
import { applyPod, applyService, deletePodObject } from './apply-workloads.js';
import type { KubectlCall } from './registry.js';

/** One object's result: the line kubectl prints, an error line, or the whole command not modelled. */
export type ObjectOutcome = { line: string; edits: KubeEdits } | { error: string } | { notModelled: string };

type Handler = (o: ManifestObject, ns: string, edits: KubeEdits, call: KubectlCall, file: string) => ObjectOutcome;

const POLICY = 'networking.k8s.io/v1 NetworkPolicy';

function applyPolicy(o: ManifestObject, ns: string, edits: KubeEdits, call: KubectlCall): ObjectOutcome {
  const m = o as NetworkPolicyManifest;
  if (!m.metadata?.name || !m.spec?.podSelector) return { notModelled: 'kubectl apply of a NetworkPolicy without metadata.name or spec.podSelector' };
  const errors = validatePolicy(m);
  if (errors.length > 0) return { error: invalidPolicyText(m.metadata.name, errors) };
  const policy = policyFromManifest({ ...m, metadata: { ...m.metadata, namespace: ns } });
  const all = policiesNow(call.ctx.sim.model, edits);
  const at = all.findIndex((a) => a.policy.name === policy.name && a.policy.namespace === ns);
  const name = `networkpolicy.networking.k8s.io/${policy.name}`;
  if (at < 0) return { line: `${name} created`, edits: { ...edits, policies: [...all, { policy, createdMs: call.nowMs }] } };
  if (JSON.stringify(all[at]!.policy) === JSON.stringify(policy)) return { line: `${name} unchanged`, edits };
  return { line: `${name} configured`, edits: { ...edits, policies: all.map((a, i) => (i === at ? { ...a, policy } : a)) } };
}

function deletePolicy(o: ManifestObject, ns: string, edits: KubeEdits, call: KubectlCall, file: string): ObjectOutcome {
  const name = o.metadata?.name ?? '';
  const all = policiesNow(call.ctx.sim.model, edits);
  const rest = all.filter((a) => !(a.policy.name === name && a.policy.namespace === ns));
  if (rest.length === all.length) return { error: `Error from server (NotFound): error when deleting "${file}": networkpolicies.networking.k8s.io "${name}" not found` };
  return { line: `networkpolicy.networking.k8s.io "${name}" deleted`, edits: { ...edits, policies: rest } };
}

const APPLY: Readonly<Record<string, Handler>> = { [POLICY]: applyPolicy, 'v1 Service': applyService, 'v1 Pod': applyPod };
const DELETE: Readonly<Record<string, Handler>> = { [POLICY]: deletePolicy, 'v1 Pod': deletePodObject };
/** Kinds the API server serves whose apply or delete the simulator does not model (rather than "no matches"). */
const KNOWN_KINDS = new Set(['v1 Service', 'v1 Pod', 'v1 Namespace', 'v1 ConfigMap', 'apps/v1 Deployment', 'apps/v1 DaemonSet', POLICY]);

/** Runs HANDLERS over FILE's objects in order; errors are printed after the objects that went through. */
function overFile(call: KubectlCall, handlers: Readonly<Record<string, Handler>>, verb: string, empty: CommandResult): CommandResult {
  const file = call.args.filename!;
  if (file === '-') return unsupported(`kubectl ${verb} -f - (standard input)`);
  const read = readManifests(call, file);
  if (!read.ok) return fail(read.message, 1);
  if (read.objects.length === 0) return empty;
  let edits = kubeEditsOf(call.ctx.sim);
  const out: string[] = [];
  const errors: string[] = [];
  for (const { object: o, source } of read.objects) {
    const key = `${o.apiVersion} ${o.kind}`;
    const handler = handlers[key];
    if (!handler) {
      if (KNOWN_KINDS.has(key)) return unsupported(`kubectl ${verb} -f of a ${o.kind}`);
      errors.push(mappingError(o, source));
      continue;
    }
    const ns = objectNamespace(o, call);
    if (!ns.ok) return fail(ns.message, 1);
    const r = handler(o, ns.ns, edits, call, source);
    if ('notModelled' in r) return unsupported(r.notModelled);
    if ('error' in r) errors.push(r.error);
    else {
      out.push(r.line);
      edits = r.edits;
    }
  }
  if (edits !== kubeEditsOf(call.ctx.sim)) setKubeEdits(call.ctx.sim, edits);
  return { stdout: out.map((l) => `${l}\n`).join(''), stderr: errors.map((e) => `${e}\n`).join(''), exitCode: errors.length > 0 ? 1 : 0 };
}

export function applyFromFile(call: KubectlCall): CommandResult {
  if (call.args.filename === undefined) return fail('error: must specify one of -f and -k', 1);
  return overFile(call, APPLY, 'apply', fail('error: no objects passed to apply', 1));
}

/** delete -f FILE; a file with no objects finds nothing (kubectl 1.32 prints "No resources found", checked for real). */
export function deleteFromFile(call: KubectlCall): CommandResult {
  return overFile(call, DELETE, 'delete', { stdout: 'No resources found\n', stderr: '', exitCode: 0 });
}
