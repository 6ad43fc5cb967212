// The API changes made to a running lab's cluster (kubectl scale, delete pod, label, patch of a Service): plain data
// the kube objects are derived under (kube-objects.ts), kept by each backend (sim/kube-state.ts, the netns lab).
import type { NetworkPolicy } from './network-policy.js';

export interface ServicePatch {
  /** spec.selector after the patch (replaces the old map, as a strategic merge of a map does key by key: see kubectl/mutate). */
  readonly selector?: Readonly<Record<string, string>>;
  /** spec.ports[i].targetPort by port index: a number or a container port's name. */
  readonly targetPorts?: Readonly<Record<number, number | string>>;
}

export interface KubeEdits {
  /** Deployment replicas by "ns/name" (kubectl scale). */
  readonly replicas: Readonly<Record<string, number>>;
  /** Controller pod slots deleted and recreated ("ns/ownerName#slot"): how often, and when last (simulated ms). */
  readonly recreated: Readonly<Record<string, { readonly count: number; readonly atMs: number }>>;
  /** Bare pods deleted ("ns/name"): nothing recreates them. */
  readonly deletedBarePods: readonly string[];
  /** Pod labels after kubectl label, by "ns/name". */
  readonly podLabels: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** Service patches by "ns/name". */
  readonly services: Readonly<Record<string, ServicePatch>>;
  /** The NetworkPolicies after kubectl apply/delete -f (absent: the lab file's, created with the workloads). */
  readonly policies?: readonly AppliedPolicy[];
}

/** A NetworkPolicy as the API server keeps it, and when it was created (simulated ms). */
export interface AppliedPolicy {
  readonly policy: NetworkPolicy;
  readonly createdMs: number;
}

export function emptyKubeEdits(): KubeEdits {
  return { replicas: {}, recreated: {}, deletedBarePods: [], podLabels: {}, services: {} };
}
