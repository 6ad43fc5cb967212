// kubectl describe pod (describe.go describePod/describeContainers): the 1.31 layout for the cluster's pods.
import { createHash } from 'node:crypto';
import type { KubePod } from '../../../topology/kube-objects.js';
import { nameSuffix } from '../../../topology/kube-names.js';
import { describeTime } from './api-meta.js';
import { CONTAINER_START_MS, describeEvents, podEvents } from './events.js';
import type { KubectlCall } from './registry.js';
import { labelsText } from './table.js';
import { tabwrite } from './tabwriter.js';

/** kube-scheduler's priority classes (scheduling.SystemCriticalPriority + 1000 for node-critical). */
const PRIORITY: Readonly<Record<string, number>> = { 'system-node-critical': 2000001000, 'system-cluster-critical': 2000000000 };

const hex = (text: string) => createHash('sha256').update(text).digest('hex');

/** Labels one per line, the later ones indented under the first (printLabelsMultiline). */
export function multilineLabels(title: string, labels: Readonly<Record<string, string>> | undefined, indent = ''): string {
  const text = labelsText(labels);
  if (text === '<none>') return `${indent}${title}:\t<none>\n`;
  return text.split(',').map((l, i) => (i === 0 ? `${indent}${title}:\t${l}\n` : `${indent}\t${l}\n`)).join('');
}

/** The container runtime's ids: the container's (64 hex digits) and the image's digest, stable for the object. */
export function containerId(p: KubePod): string {
  return `containerd://${hex(`container/${p.namespace}/${p.name}`)}`;
}

export function imageId(image: string): string {
  return `${image.split(':')[0]}@sha256:${hex(`image/${image}`)}`;
}

export function podPriority(p: KubePod): number {
  return p.priorityClass ? PRIORITY[p.priorityClass]! : 0;
}

function containerText(p: KubePod): string {
  const ports = p.ports.map((c) => `${c.port}/${c.protocol}`).join(', ');
  const portLines = p.ports.length === 0 ? '    Port:\t<none>\n    Host Port:\t<none>\n'
    : p.ports.length === 1 ? `    Port:\t${ports}\n    Host Port:\t0/${p.ports[0]!.protocol}\n`
      : `    Ports:\t${ports}\n    Host Ports:\t${p.ports.map((c) => `0/${c.protocol}`).join(', ')}\n`;
  return `Containers:\n  ${p.container}:\n    Container ID:\t${containerId(p)}\n`
    + `    Image:\t${p.image}\n    Image ID:\t${imageId(p.image)}\n${portLines}`
    + `    State:\tRunning\n      Started:\t${describeTime(p.createdMs + CONTAINER_START_MS)}\n    Ready:\tTrue\n    Restart Count:\t0\n    Environment:\t<none>\n`
    + `    Mounts:\n      /var/run/secrets/kubernetes.io/serviceaccount from ${podVolumeName(p)} (ro)\n`;
}

export function podVolumeName(p: KubePod): string {
  return `kube-api-access-${nameSuffix(0, `volume/${p.namespace}/${p.name}`)}`;
}

export function describePod(p: KubePod, call: KubectlCall): string {
  const priority = `Priority:\t${podPriority(p)}\n${p.priorityClass ? `Priority Class Name:\t${p.priorityClass}\n` : ''}`;
  const owner = p.owner ? `Controlled By:\t${p.owner.kind}/${p.owner.name}\n` : '';
  const text = `Name:\t${p.name}\nNamespace:\t${p.namespace}\n${priority}Service Account:\t${serviceAccountOf(p)}\n`
    + `Node:\t${p.node}/${p.hostIp}\nStart Time:\t${describeTime(p.createdMs)}\n${multilineLabels('Labels', p.labels)}Annotations:\t<none>\nStatus:\tRunning\n`
    + `IP:\t${p.ip}\nIPs:\n  IP:\t${p.ip}\n${owner}${containerText(p)}`
    + 'Conditions:\n  Type\tStatus\n' + ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled'].map((c) => `  ${c} \tTrue \n`).join('')
    + `Volumes:\n  ${podVolumeName(p)}:\n    Type:\tProjected (a volume that contains injected data from multiple sources)\n    TokenExpirationSeconds:\t3607\n`
    + '    ConfigMapName:\tkube-root-ca.crt\n    ConfigMapOptional:\t<nil>\n    DownwardAPI:\ttrue\n'
    + `QoS Class:\tBestEffort\nNode-Selectors:\t<none>\nTolerations:\tnode.kubernetes.io/not-ready:NoExecute op=Exists for 300s\n\tnode.kubernetes.io/unreachable:NoExecute op=Exists for 300s\n`
    + describeEvents(podEvents(p), call);
  return tabwrite(text, 0, 2);
}

/** The pod's service account: the DaemonSets' and CoreDNS's own (their manifests), `default` otherwise. */
export function serviceAccountOf(p: KubePod): string {
  if (p.owner?.name === 'kube-proxy') return 'kube-proxy';
  if (p.owner?.name === 'kube-flannel-ds') return 'flannel';
  return p.owner?.kind === 'ReplicaSet' ? 'coredns' : 'default';
}
