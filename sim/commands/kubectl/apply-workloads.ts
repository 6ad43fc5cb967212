// kubectl apply -f / delete -f of the lab's Services and Pods: an applied Service changes what a patch changes (its
// selector and ports' targetPort), an applied Pod its labels (the rest of a pod's spec is immutable); new Services
// and Pods are not modelled (they would need new devices), and said so.
import type { KubeEdits } from '../../../topology/kube-edits.js';
import type { KubePod } from '../../../topology/kube-objects.js';
import type { ObjectOutcome } from './apply.js';
import type { ManifestObject } from './manifest-file.js';
import type { KubectlCall } from './registry.js';

/** The API after POD's deletion at NOWMS: a controller's pod comes back in its slot, a bare one is gone. */
export function podDeleted(e: KubeEdits, pod: KubePod, nowMs: number): KubeEdits {
  // kubelet recreates a static pod's mirror with the same name.
  if (pod.owner?.kind === 'Node') return e;
  const slot = pod.slot;
  if (slot !== undefined) return { ...e, recreated: { ...e.recreated, [slot]: { count: (e.recreated[slot]?.count ?? 0) + 1, atMs: nowMs } } };
  return { ...e, deletedBarePods: [...e.deletedBarePods, `${pod.namespace}/${pod.name}`] };
}

interface ServiceSpec {
  readonly selector?: Record<string, string>;
  readonly type?: string;
  readonly ports?: readonly { readonly port?: number; readonly targetPort?: number | string; readonly protocol?: string }[];
}

const sameMap = (a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>) =>
  JSON.stringify(Object.entries(a).sort()) === JSON.stringify(Object.entries(b).sort());

export function applyService(o: ManifestObject, ns: string, edits: KubeEdits, call: KubectlCall): ObjectOutcome {
  const name = o.metadata?.name ?? '';
  const svc = call.cluster.services.find((s) => s.name === name && s.namespace === ns && s.inModel);
  if (!svc) return { notModelled: 'kubectl apply of a Service the lab does not have' };
  const spec = (o.spec ?? {}) as ServiceSpec;
  const ports = spec.ports ?? [];
  if ((spec.type ?? 'ClusterIP') !== svc.type || ports.length !== svc.ports.length || ports.some((p) => !svc.ports.some((sp) => sp.port === p.port && sp.protocol === (p.protocol ?? 'TCP')))) {
    return { notModelled: 'kubectl apply of a Service with other ports or type than the lab\'s' };
  }
  const selector = spec.selector ?? {};
  const targetPorts: Record<number, number | string> = {};
  for (const p of ports) targetPorts[svc.ports.findIndex((sp) => sp.port === p.port)] = p.targetPort ?? p.port!;
  const same = sameMap(selector, svc.selector ?? {}) && svc.ports.every((sp, i) => sp.targetPort === targetPorts[i]);
  if (same) return { line: `service/${name} unchanged`, edits };
  return { line: `service/${name} configured`, edits: { ...edits, services: { ...edits.services, [`${ns}/${name}`]: { selector, targetPorts } } } };
}

export function applyPod(o: ManifestObject, ns: string, edits: KubeEdits, call: KubectlCall): ObjectOutcome {
  const name = o.metadata?.name ?? '';
  const pod = call.cluster.pods.find((p) => p.name === name && p.namespace === ns);
  if (!pod) return { notModelled: 'kubectl apply of a Pod the lab does not have' };
  const labels = o.metadata?.labels ?? {};
  if (sameMap(labels, pod.labels)) return { line: `pod/${name} unchanged`, edits };
  return { line: `pod/${name} configured`, edits: { ...edits, podLabels: { ...edits.podLabels, [`${ns}/${name}`]: labels } } };
}

export function deletePodObject(o: ManifestObject, ns: string, edits: KubeEdits, call: KubectlCall, file: string): ObjectOutcome {
  const name = o.metadata?.name ?? '';
  const pod = call.cluster.pods.find((p) => p.name === name && p.namespace === ns);
  if (!pod || edits.deletedBarePods.includes(`${ns}/${name}`)) return { error: `Error from server (NotFound): error when deleting "${file}": pods "${name}" not found` };
  return { line: `pod "${name}" deleted`, edits: podDeleted(edits, pod, call.nowMs) };
}
