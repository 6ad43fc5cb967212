// kubectl logs POD | TYPE/NAME [-c C] [--tail N]: the component's lines; a controller's first pod for ds/ and deploy/
// ("Found N pods, using pod/NAME"); with kubelet on the shared NAT address, the API server's proxy reaches the wrong
// kubelet, as in the classic lab (the error texts of kubectl logs and exec then).
import type { KubePod } from '../../../topology/kube-objects.js';
import { kubeletReachable } from '../../../topology/kube-nodes.js';
import type { CommandResult } from '../../../topology/trace.js';
import { fail } from '../output.js';
import { corednsErrorLines } from '../../dns/coredns-errors.js';
import { componentLog } from './component-logs.js';
import { kubectlResource, registerKubectlVerb, type KubectlCall } from './registry.js';

/** The pod a `logs`/`exec` target names: POD, pod/POD, or a controller's pods (the oldest, as kubectl picks). */
export function targetPod(call: KubectlCall, word: string): { pod: KubePod; note?: string } | { error: string } {
  const slash = word.indexOf('/');
  const pods = call.cluster.pods.filter((p) => p.namespace === call.namespace);
  if (slash < 0 || kubectlResource(word.slice(0, slash))?.kind === 'Pod') {
    const name = slash < 0 ? word : word.slice(slash + 1);
    const pod = pods.find((p) => p.name === name || (p.device === name && !p.hostNetwork));
    return pod ? { pod } : { error: `Error from server (NotFound): pods "${name}" not found` };
  }
  const r = kubectlResource(word.slice(0, slash));
  const name = word.slice(slash + 1);
  if (!r) return { error: `error: the server doesn't have a resource type "${word.slice(0, slash)}"` };
  const load = call.cluster.workloads.find((w) => w.kind === r.kind && w.name === name && w.namespace === call.namespace);
  if (!load) return { error: `Error from server (NotFound): ${r.plural}${r.group ? `.${r.group}` : ''} "${name}" not found` };
  const owned = pods.filter((p) => Object.entries(load.selector).every(([k, v]) => p.labels[k] === v)).sort((a, b) => a.createdMs - b.createdMs || (a.name < b.name ? -1 : 1));
  if (owned.length === 0) return { error: `error: timed out waiting for the condition` };
  return { pod: owned[0]!, ...(owned.length > 1 ? { note: `Found ${owned.length} pods, using pod/${owned[0]!.name}` } : {}) };
}

/** Whether the API server misses POD's kubelet (every node registered the shared NAT address). */
export function kubeletUnreachable(call: KubectlCall, pod: KubePod): boolean {
  return !kubeletReachable(call.ctx.sim.model, pod.node);
}

function logs(call: KubectlCall): CommandResult {
  const word = call.args.words[0];
  if (word === undefined) return fail("error: expected 'logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER]'.\nPOD or TYPE/NAME is a required argument for the logs command\nSee 'kubectl logs -h' for help and examples", 1);
  const target = targetPod(call, word);
  if ('error' in target) return fail(target.error, 1);
  const { pod } = target;
  if (call.args.container !== undefined && call.args.container !== pod.container) {
    return fail(`error: container ${call.args.container} is not valid for pod ${pod.name}`, 1);
  }
  if (call.args.previous) return fail(`Error from server (BadRequest): previous terminated container "${pod.container}" in pod "${pod.name}" not found`, 1);
  if (kubeletUnreachable(call, pod)) return fail(`Error from server (NotFound): the server could not find the requested resource ( pods/log ${pod.name})`, 1);
  let lines = [...componentLog(call.ctx.sim.model, pod), ...(pod.container === 'coredns' ? corednsErrorLines(call.ctx.sim.dp, pod.device) : [])];
  const tail = call.args.tail !== undefined ? Number(call.args.tail) : -1;
  if (tail >= 0) lines = lines.slice(Math.max(0, lines.length - tail));
  return { stdout: lines.map((l) => `${l}\n`).join(''), stderr: target.note ? `${target.note}\n` : '', exitCode: 0 };
}

registerKubectlVerb('logs', logs);
