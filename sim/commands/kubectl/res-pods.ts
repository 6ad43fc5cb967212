// kubectl's pods: the table (printPod: NAME READY STATUS RESTARTS AGE, wide IP NODE NOMINATED NODE READINESS GATES)
// and the Pod object the API server serves for each of the cluster's pods.
import type { KubePod } from '../../../topology/kube-objects.js';
import { age, metadata, timestamp, uid } from './api-meta.js';
import { containerId, describePod, imageId, podPriority, podVolumeName, serviceAccountOf } from './describe-pod.js';
import { CONTAINER_START_MS } from './events.js';
import { registerKubectlResource, type KubectlCall, type KubeItem } from './registry.js';

export interface PodItem extends KubeItem {
  readonly pod: KubePod;
}

function ownerReferences(p: KubePod): Record<string, unknown>[] {
  if (!p.owner) return [];
  const apiVersion = p.owner.kind === 'Node' ? 'v1' : 'apps/v1';
  return [{ apiVersion, ...(p.owner.kind === 'Node' ? {} : { blockOwnerDeletion: true }), controller: true, kind: p.owner.kind, name: p.owner.name, uid: uid(p.owner.kind, p.owner.kind === 'Node' ? undefined : p.namespace, p.owner.name) }];
}

/** The service account token volume the ServiceAccount admission plugin adds to every pod (kube-api-access-XXXXX). */
function tokenVolume(name: string): Record<string, unknown> {
  return {
    name,
    projected: {
      defaultMode: 420,
      sources: [
        { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
        { configMap: { items: [{ key: 'ca.crt', path: 'ca.crt' }], name: 'kube-root-ca.crt' } },
        { downwardAPI: { items: [{ fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' }, path: 'namespace' }] } },
      ],
    },
  };
}

/** The DefaultTolerationSeconds admission plugin's two tolerations. */
const TOLERATIONS = ['not-ready', 'unreachable'].map((t) => ({ effect: 'NoExecute', key: `node.kubernetes.io/${t}`, operator: 'Exists', tolerationSeconds: 300 }));

export function podObject(p: KubePod): Record<string, unknown> {
  const meta = metadata('Pod', p.name, p.namespace, p.labels, p.createdMs);
  const owners = ownerReferences(p);
  const volume = podVolumeName(p);
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { ...meta, ...(owners.length > 0 ? { ownerReferences: owners } : {}) },
    spec: {
      containers: [{
        image: p.image, imagePullPolicy: 'IfNotPresent', name: p.container, ...(p.ports.length > 0 ? { ports: p.ports.map((c) => ({ containerPort: c.port, ...(c.name ? { name: c.name } : {}), protocol: c.protocol })) } : {}),
        volumeMounts: [{ mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', name: volume, readOnly: true }],
      }],
      dnsPolicy: p.hostNetwork ? 'ClusterFirstWithHostNet' : 'ClusterFirst', enableServiceLinks: true, ...(p.hostNetwork ? { hostNetwork: true } : {}),
      nodeName: p.node, priority: podPriority(p), ...(p.priorityClass ? { priorityClassName: p.priorityClass } : {}), restartPolicy: 'Always', schedulerName: 'default-scheduler',
      serviceAccount: serviceAccountOf(p), serviceAccountName: serviceAccountOf(p), tolerations: TOLERATIONS, volumes: [tokenVolume(volume)],
    },
    status: {
      conditions: ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled'].map((type) => ({ lastProbeTime: null, lastTransitionTime: timestamp(p.createdMs), status: 'True', type })),
      containerStatuses: [{ containerID: containerId(p), image: p.image, imageID: imageId(p.image), name: p.container, ready: true, restartCount: 0, started: true, state: { running: { startedAt: timestamp(p.createdMs + CONTAINER_START_MS) } } }],
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
