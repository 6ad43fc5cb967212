// kubectl's deployments, daemonsets and replicasets (printDeployment, printDaemonSet, printReplicaSet) and objects.
import type { KubeWorkload } from '../../../topology/kube-objects.js';
import { age, metadata, timestamp, uid } from './api-meta.js';
import { describeDaemonSet, describeDeployment } from './describe-workloads.js';
import { registerKubectlResource, type KubectlCall, type KubeItem } from './registry.js';
import { labelsText } from './table.js';

interface WorkloadItem extends KubeItem {
  readonly load: KubeWorkload;
}

/** The Deployment controller's conditions for a rolled-out Deployment (scaled to zero it stays Available). */
function deploymentConditions(w: KubeWorkload): Record<string, unknown>[] {
  const at = timestamp(w.createdMs);
  return [
    { lastTransitionTime: at, lastUpdateTime: at, message: 'Deployment has minimum availability.', reason: 'MinimumReplicasAvailable', status: 'True', type: 'Available' },
    { lastTransitionTime: at, lastUpdateTime: at, message: `ReplicaSet "${w.name}-${w.replicaSetHash ?? ''}" has successfully progressed.`, reason: 'NewReplicaSetAvailable', status: 'True', type: 'Progressing' },
  ];
}

function workloadObject(w: KubeWorkload): Record<string, unknown> {
  const template = { metadata: { labels: { ...w.selector } }, spec: { containers: w.containers.map((c) => ({ image: c.image, name: c.name })), ...(w.nodeSelector ? { nodeSelector: { ...w.nodeSelector } } : {}) } };
  const meta = metadata(w.kind, w.name, w.namespace, w.labels, w.createdMs);
  const owner = w.owner ? { ownerReferences: [{ apiVersion: 'apps/v1', blockOwnerDeletion: true, controller: true, kind: 'Deployment', name: w.owner, uid: uid('Deployment', w.namespace, w.owner) }] } : {};
  const status = w.kind === 'DaemonSet'
    ? { currentNumberScheduled: w.current, desiredNumberScheduled: w.desired, numberAvailable: w.current, numberReady: w.current, updatedNumberScheduled: w.current }
    : { availableReplicas: w.current, readyReplicas: w.current, replicas: w.current, ...(w.kind === 'Deployment' ? { conditions: deploymentConditions(w), updatedReplicas: w.current } : {}) };
  const deployment = w.kind === 'Deployment';
  return {
    apiVersion: 'apps/v1', kind: w.kind, metadata: { ...meta, ...(deployment ? { annotations: { 'deployment.kubernetes.io/revision': '1' } } : {}), ...owner },
    spec: {
      ...(w.kind === 'DaemonSet' ? { updateStrategy: { rollingUpdate: { maxSurge: 0, maxUnavailable: 1 }, type: 'RollingUpdate' } } : { replicas: w.desired }),
      selector: { matchLabels: { ...w.selector } }, ...(deployment ? { strategy: { rollingUpdate: { maxSurge: '25%', maxUnavailable: 1 }, type: 'RollingUpdate' } } : {}), template,
    },
    status,
  };
}

function items(kind: KubeWorkload['kind']) {
  return (call: KubectlCall): WorkloadItem[] => call.cluster.workloads.filter((w) => w.kind === kind).map((load) => ({ name: load.name, namespace: load.namespace, labels: load.labels, load, object: () => workloadObject(load) }));
}

const loadOf = (i: KubeItem) => (i as WorkloadItem).load;
const WIDE = ['CONTAINERS', 'IMAGES', 'SELECTOR'];
function wideCells(w: KubeWorkload): string[] {
  return [w.containers.map((c) => c.name).join(','), w.containers.map((c) => c.image).join(','), labelsText(w.selector)];
}

registerKubectlResource({
  plural: 'deployments', aliases: ['deploy', 'deployment'], group: 'apps', kind: 'Deployment', namespaced: true,
  list: items('Deployment'),
  table: (list, call, wide) => ({
    header: ['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE', ...(wide ? WIDE : [])],
    rows: list.map(loadOf).map((w) => [w.name, `${w.current}/${w.desired}`, String(w.current), String(w.current), age(call, w.createdMs), ...(wide ? wideCells(w) : [])]),
  }),
  describe: (item, call) => describeDeployment(loadOf(item), call),
});

registerKubectlResource({
  plural: 'daemonsets', aliases: ['ds', 'daemonset'], group: 'apps', kind: 'DaemonSet', namespaced: true,
  list: items('DaemonSet'),
  table: (list, call, wide) => ({
    header: ['NAME', 'DESIRED', 'CURRENT', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'NODE SELECTOR', 'AGE', ...(wide ? WIDE : [])],
    rows: list.map(loadOf).map((w) => {
      const n = String(w.current);
      return [w.name, String(w.desired), n, n, n, n, labelsText(w.nodeSelector), age(call, w.createdMs), ...(wide ? wideCells(w) : [])];
    }),
  }),
  describe: (item, call) => describeDaemonSet(loadOf(item), call),
});

registerKubectlResource({
  plural: 'replicasets', aliases: ['rs', 'replicaset'], group: 'apps', kind: 'ReplicaSet', namespaced: true,
  list: items('ReplicaSet'),
  table: (list, call, wide) => ({
    header: ['NAME', 'DESIRED', 'CURRENT', 'READY', 'AGE', ...(wide ? WIDE : [])],
    rows: list.map(loadOf).map((w) => [w.name, String(w.desired), String(w.current), String(w.current), age(call, w.createdMs), ...(wide ? wideCells(w) : [])]),
  }),
});
