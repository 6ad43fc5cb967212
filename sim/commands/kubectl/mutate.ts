// kubectl's changing verbs on the lab's cluster: scale (Deployments), delete pod (controllers recreate theirs under
// a new name), label pod, patch svc (strategic merge of the selector and ports' targetPort). Each change is an API
// edit (topology/kube-edits.ts); kube-proxy then resyncs every node's rules (sim/kube-state.ts).
import type { KubeEdits } from '../../../topology/kube-edits.js';
import { corednsDevices } from '../../../topology/kube-workloads.js';
import type { CommandResult } from '../../../topology/trace.js';
import { kubeEditsOf, setKubeEdits } from '../../kube-state.js';
import { fail, ok, unsupported } from '../output.js';
import { applyFromFile, deleteFromFile } from './apply.js';
import { podDeleted } from './apply-workloads.js';
import { readManifests } from './manifest-file.js';
import { klog } from './component-logs.js';
import { parseRequest, selectItems } from './get.js';
import type { PodItem } from './res-pods.js';
import type { ServiceItem } from './res-services.js';
import { qualifiedName, registerKubectlVerb, type KubectlCall, type KubectlResource, type KubeItem } from './registry.js';

/** The process id the simulated kubectl logs under. */
const KUBECTL_PID = 4242;

const NO_RESOURCES = "error: You must provide one or more resources by argument or filename.\nExample resource specifications include:\n   '-f rsrc.yaml'\n   '--filename=rsrc.json'\n   '<resource> <name>'\n   '<resource>'";

/** The one object a changing verb names (TYPE NAME or TYPE/NAME). */
function oneObject(call: KubectlCall): { r: KubectlResource; item: KubeItem } | CommandResult {
  if (call.args.words.length === 0) return fail(NO_RESOURCES, 1);
  const parsed = parseRequest(call.args.words.slice(0, call.args.words[0]?.includes('/') ? 1 : 2));
  if (!parsed.ok) return fail(parsed.message, 1);
  const r = parsed.request.resources[0]!;
  const names = parsed.request.names.get(r)!;
  if (names.length === 0) return fail(`error: resource(s) were provided, but no name was specified`, 1);
  const got = selectItems(r, names, { ...call, args: { ...call.args, allNamespaces: false } });
  if ('message' in got) return fail(got.message, 1);
  if (got.errors.length > 0) return fail(got.errors[0]!, 1);
  return { r, item: got.items[0]! };
}

function apply(call: KubectlCall, change: (e: KubeEdits) => KubeEdits, message: string): CommandResult {
  setKubeEdits(call.ctx.sim, change(kubeEditsOf(call.ctx.sim)));
  return ok(`${message}\n`);
}

function scale(call: KubectlCall): CommandResult {
  // cobra's required-flag check, logged by component-base's cli.Run (the process id is the simulated kubectl's).
  if (call.args.replicas === undefined) return fail(klog('E', call.nowMs, 'run.go:72', '"command failed" err="required flag(s) \\"replicas\\" not set"', KUBECTL_PID), 1);
  const target = oneObject(call);
  if ('exitCode' in target) return target;
  const replicas = Number(call.args.replicas);
  if (!Number.isInteger(replicas) || replicas < 0) return fail(`error: The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0`, 1);
  const load = call.cluster.workloads.find((w) => w.kind === 'Deployment' && w.name === target.item.name && w.namespace === target.item.namespace);
  if (target.r.kind !== 'Deployment' || !load) return unsupported(`kubectl scale ${target.r.plural}`);
  const available = corednsDevices(call.ctx.sim.model).length;
  if (replicas > available) return unsupported(`kubectl scale beyond the lab's ${available} ${load.name} pods`);
  const key = `${load.namespace}/${load.name}`;
  return apply(call, (e) => ({ ...e, replicas: { ...e.replicas, [key]: replicas } }), `${qualifiedName(target.r, load.name)} scaled`);
}

function deletePod(call: KubectlCall): CommandResult {
  if (call.args.filename !== undefined) return deleteFromFile(call);
  const target = oneObject(call);
  if ('exitCode' in target) return target;
  if (target.r.kind !== 'Pod') return unsupported(`kubectl delete ${target.r.plural}`);
  const pod = (target.item as PodItem).pod;
  return apply(call, (e) => podDeleted(e, pod, call.nowMs), `pod "${pod.name}" deleted`);
}

function label(call: KubectlCall): CommandResult {
  const target = oneObject(call);
  if ('exitCode' in target) return target;
  if (target.r.kind !== 'Pod') return unsupported(`kubectl label ${target.r.plural}`);
  const pod = (target.item as PodItem).pod;
  const labels: Record<string, string> = { ...pod.labels };
  const changes = call.args.words.slice(target.item.name === call.args.words[1] ? 2 : 1);
  if (changes.length === 0) return fail('error: at least one label update is required', 1);
  for (const change of changes) {
    const m = /^([\w./-]+)(?:=([\w.-]*)|(-))$/.exec(change);
    if (!m) return fail(`error: invalid label spec: ${change}`, 1);
    if (m[3]) delete labels[m[1]!];
    else if (labels[m[1]!] !== undefined && labels[m[1]!] !== m[2] && !call.args.overwrite) return fail(`error: '${m[1]}' already has a value (${labels[m[1]!]}), and --overwrite is false`, 1);
    else labels[m[1]!] = m[2]!;
  }
  const key = `${pod.namespace}/${pod.name}`;
  return apply(call, (e) => ({ ...e, podLabels: { ...e.podLabels, [key]: labels } }), `pod/${pod.name} labeled`);
}

/**
 * kubectl edit: the arguments and the object are checked as kubectl checks them (same errors); the editor it then
 * opens ($KUBE_EDITOR, $EDITOR, vi) is not modelled, and the refusal says which verbs change the object instead.
 */
function edit(call: KubectlCall): CommandResult {
  const instead = 'kubectl edit (it opens $KUBE_EDITOR or $EDITOR, which the simulated shell has not): change the object with kubectl patch or kubectl apply -f';
  if (call.args.filename !== undefined) {
    const read = readManifests(call, call.args.filename);
    return read.ok ? unsupported(instead) : fail(read.message, 1);
  }
  if (call.args.words.length === 0) return fail(NO_RESOURCES, 1);
  if (call.args.words.length === 1 && !call.args.words[0]!.includes('/')) return unsupported(instead);
  const target = oneObject(call);
  return 'exitCode' in target ? target : unsupported(instead);
}

/** A strategic merge patch's selector (map: merged key by key, null deletes) and ports (merged by `port`). */
function patchService(call: KubectlCall): CommandResult {
  const target = oneObject(call);
  if ('exitCode' in target) return target;
  if (target.r.kind !== 'Service') return unsupported(`kubectl patch ${target.r.plural}`);
  if (call.args.patch === undefined) return fail('error: must specify --patch or --patch-file containing the contents of the patch', 1);
  let patch: { spec?: { selector?: Record<string, string | null>; ports?: { port?: number; targetPort?: number | string }[] } };
  try {
    patch = JSON.parse(call.args.patch);
  } catch {
    return unsupported('kubectl patch with a patch that is not JSON');
  }
  const svc = (target.item as ServiceItem).svc;
  const selector: Record<string, string> = { ...(svc.selector ?? {}) };
  for (const [k, v] of Object.entries(patch.spec?.selector ?? {})) if (v === null) delete selector[k]; else selector[k] = v;
  const targetPorts: Record<number, number | string> = {};
  for (const p of patch.spec?.ports ?? []) {
    const i = svc.ports.findIndex((sp) => sp.port === p.port);
    if (i >= 0 && p.targetPort !== undefined) targetPorts[i] = p.targetPort;
  }
  const key = `${svc.namespace}/${svc.name}`;
  const same = JSON.stringify(selector) === JSON.stringify(svc.selector ?? {}) && Object.entries(targetPorts).every(([i, t]) => svc.ports[Number(i)]!.targetPort === t);
  if (same) return ok(`service/${svc.name} patched (no change)\n`);
  return apply(call, (e) => ({ ...e, services: { ...e.services, [key]: { selector, targetPorts: { ...(e.services[key]?.targetPorts ?? {}), ...targetPorts } } } }), `service/${svc.name} patched`);
}

registerKubectlVerb('scale', scale);
registerKubectlVerb('delete', deletePod);
registerKubectlVerb('label', label);
registerKubectlVerb('patch', patchService);
registerKubectlVerb('apply', applyFromFile);
registerKubectlVerb('edit', edit);
