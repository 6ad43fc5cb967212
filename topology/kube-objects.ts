// The cluster's API objects as kubeadm 1.31 and Flannel's manifest create them for a lab model (namespaces, Nodes,
// static and controller pods, Services and their endpoints, Deployments, DaemonSets, ReplicaSets), derived purely
// from the model, the seed and the API edits made since (kubectl scale/delete/label/patch: topology/kube-edits.ts).
import { formatIp } from './address.js';
import { emptyKubeEdits, type KubeEdits } from './kube-edits.js';
import { controllerPods, staticPods, workloads, type KubeWorkload } from './kube-workloads.js';
import { CLUSTER_AGE_MS, kubeNodes, WORKLOAD_AGE_MS, type KubeNode } from './kube-nodes.js';
import { kubeServices, type KubeService } from './kube-services.js';
import type { LabModel } from './model.js';

export type { KubeWorkload } from './kube-workloads.js';
export type { KubeNode } from './kube-nodes.js';
export { CLUSTER_AGE_MS, JOIN_GAP_MS, WORKLOAD_AGE_MS } from './kube-nodes.js';
export type { KubeService, KubeServicePort, KubeEndpoint } from './kube-services.js';


export interface KubeContainerPort {
  readonly name?: string;
  readonly port: number;
  readonly protocol: 'TCP' | 'UDP';
}

export interface KubePod {
  readonly name: string;
  readonly namespace: string;
  /** The model device that is this pod's sandbox (host-network pods: their node). */
  readonly device: string;
  readonly node: string;
  readonly ip: string;
  readonly hostIp: string;
  readonly hostNetwork: boolean;
  readonly labels: Readonly<Record<string, string>>;
  readonly container: string;
  readonly image: string;
  readonly ports: readonly KubeContainerPort[];
  /** The controller that owns it: a ReplicaSet, a DaemonSet, or the Node (static pods); none for bare pods. */
  readonly owner?: { readonly kind: 'ReplicaSet' | 'DaemonSet' | 'Node'; readonly name: string };
  /** Simulated-clock time (ms) the pod was created at (negative: before the lab's clock started). */
  readonly createdMs: number;
  readonly priorityClass?: string;
  /** Controller pods: the slot a replacement takes after a delete (KubeEdits.recreated's key). */
  readonly slot?: string;
}

export interface KubeCluster {
  readonly namespaces: readonly { readonly name: string; readonly createdMs: number }[];
  readonly nodes: readonly KubeNode[];
  readonly pods: readonly KubePod[];
  readonly services: readonly KubeService[];
  readonly workloads: readonly KubeWorkload[];
}

/** Namespaces kubeadm and Flannel's manifest create, and those the lab's pods and Services name. */
function namespaces(model: LabModel, pods: readonly KubePod[]): KubeCluster['namespaces'] {
  const names = new Set(['default', 'kube-flannel', 'kube-node-lease', 'kube-public', 'kube-system']);
  for (const p of pods) names.add(p.namespace);
  for (const s of model.services) names.add(s.namespace);
  return [...names].sort().map((name) => ({ name, createdMs: name.startsWith('kube-') || name === 'default' ? -CLUSTER_AGE_MS : -WORKLOAD_AGE_MS }));
}

/** The lab's own pods (not a Deployment's): bare pods named as the lab file names them. */
function barePods(model: LabModel, nodes: readonly KubeNode[], controlled: ReadonlySet<string>): KubePod[] {
  return model.devices.filter((d) => d.kind === 'pod' && !controlled.has(d.id)).map((d): KubePod => {
    const node = nodes.find((n) => n.name === d.node);
    const ip = d.interfaces.find((i) => i.name === 'eth0')?.addrs[0]?.ip;
    return {
      name: d.id, namespace: d.namespace ?? 'default', device: d.id, node: d.node ?? '', hostNetwork: false,
      ip: ip !== undefined ? formatIp(ip) : '', hostIp: node?.internalIp ?? '', labels: d.labels ?? {},
      container: d.id, image: d.image ?? '', ports: d.listeners.map((l) => ({ ...(l.name ? { name: l.name } : {}), port: l.port, protocol: l.protocol === 'tcp' ? 'TCP' : 'UDP' })),
      createdMs: -WORKLOAD_AGE_MS,
    };
  });
}

/** Every object of the lab's cluster after EDITS (deterministic for the seed). */
export function kubeObjects(model: LabModel, seed: number, edits: KubeEdits = emptyKubeEdits()): KubeCluster {
  const nodes = kubeNodes(model);
  const loads = workloads(model, seed, nodes, edits);
  const controlled = controllerPods(model, loads, seed, nodes, edits);
  const bare = barePods(model, nodes, new Set(loads.coredns.devices)).filter((p) => !edits.deletedBarePods.includes(`${p.namespace}/${p.name}`));
  const pods = [...staticPods(nodes), ...controlled, ...bare].map((p) => withEditedLabels(p, edits));
  const services = kubeServices(model, pods, edits);
  return { namespaces: namespaces(model, pods), nodes, pods, services, workloads: loads.all };
}

function withEditedLabels(p: KubePod, edits: KubeEdits): KubePod {
  const changed = edits.podLabels[`${p.namespace}/${p.name}`];
  return changed ? { ...p, labels: changed } : p;
}
