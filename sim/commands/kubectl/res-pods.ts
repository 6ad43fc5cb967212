// kubectl's pods: the table (printPod: NAME READY STATUS RESTARTS AGE, wide IP NODE NOMINATED NODE READINESS GATES)
// and the Pod object the API server serves for each of the cluster's pods.
import type { KubePod } from '../../../topology/kube-objects.js';
import { age, metadata, timestamp } from './api-meta.js';
import { describePod, serviceAccountOf } from './describe-pod.js';
import { registerKubectlResource, type KubectlCall, type KubeItem } from './registry.js';

export interface PodItem extends KubeItem {
  readonly pod: KubePod;
}

function ownerReferences(p: KubePod): Record<string, unknown>[] {
  if (!p.owner) return [];
  const apiVersion = p.owner.kind === 'Node' ? 'v1' : 'apps/v1';
  return [{ apiVersion, controller: true, kind: p.owner.kind, name: p.owner.name }];
}

export function podObject(p: KubePod): Record<string, unknown> {
  const meta = metadata('Pod', p.name, p.namespace, p.labels, p.createdMs);
  const owners = ownerReferences(p);
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { ...meta, ...(owners.length > 0 ? { ownerReferences: owners } : {}) },
    spec: {
      containers: [{ image: p.image, imagePullPolicy: 'IfNotPresent', name: p.container, ...(p.ports.length > 0 ? { ports: p.ports.map((c) => ({ containerPort: c.port, ...(c.name ? { name: c.name } : {}), protocol: c.protocol })) } : {}) }],
      dnsPolicy: p.hostNetwork ? 'ClusterFirstWithHostNet' : 'ClusterFirst', enableServiceLinks: true, ...(p.hostNetwork ? { hostNetwork: true } : {}),
      nodeName: p.node, ...(p.priorityClass ? { priorityClassName: p.priorityClass } : {}), restartPolicy: 'Always', schedulerName: 'default-scheduler',
      serviceAccount: serviceAccountOf(p), serviceAccountName: serviceAccountOf(p),
    },
    status: {
      conditions: ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled'].map((type) => ({ lastProbeTime: null, lastTransitionTime: timestamp(p.createdMs), status: 'True', type })),
      containerStatuses: [{ image: p.image, name: p.container, ready: true, restartCount: 0, started: true, state: { running: { startedAt: timestamp(p.createdMs) } } }],
      hostIP: p.hostIp, hostIPs: [{ ip: p.hostIp }], phase: 'Running', podIP: p.ip, podIPs: [{ ip: p.ip }], qosClass: 'BestEffort', startTime: timestamp(p.createdMs),
    },
  };
}

export function podItems(call: KubectlCall): PodItem[] {
  return call.cluster.pods.map((pod) => ({ name: pod.name, namespace: pod.namespace, labels: pod.labels, pod, object: () => podObject(pod) }));
}

function podRow(item: KubeItem, call: KubectlCall, wide: boolean): string[] {
  const p = (item as PodItem).pod;
  const row = [p.name, '1/1', 'Running', '0', age(call, p.createdMs)];
  if (wide) row.push(p.ip || '<none>', p.node || '<none>', '<none>', '<none>');
  return row;
}

registerKubectlResource({
  plural: 'pods', aliases: ['po', 'pod'], group: '', kind: 'Pod', namespaced: true,
  list: podItems,
  table: (items, call, wide) => ({
    header: ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE', ...(wide ? ['IP', 'NODE', 'NOMINATED NODE', 'READINESS GATES'] : [])],
    rows: items.map((i) => podRow(i, call, wide)),
  }),
  describe: (item, call) => describePod((item as PodItem).pod, call),
  fields: ['spec.nodeName', 'spec.restartPolicy', 'spec.schedulerName', 'spec.serviceAccountName', 'spec.hostNetwork', 'status.phase', 'status.podIP', 'status.podIPs', 'status.nominatedNodeName'],
});
