// kubectl describe deployment and daemonset (describe.go DeploymentDescriber, DaemonSetDescriber), 1.31 layout for the
// objects res-workloads.ts serves (their pod template is the containers' names and images only).
import type { KubeWorkload } from '../../../topology/kube-objects.js';
import { describeTime } from './api-meta.js';
import { multilineLabels } from './describe-pod.js';
import { describeEvents } from './events.js';
import type { KubectlCall } from './registry.js';
import { labelsText } from './table.js';
import { tabwrite } from './tabwriter.js';

function podTemplate(w: KubeWorkload): string {
  const containers = w.containers.map((c) => `   ${c.name}:\n    Image:\t${c.image}\n    Port:\t<none>\n    Host Port:\t<none>\n    Environment:\t<none>\n    Mounts:\t<none>\n`).join('');
  return `Pod Template:\n${multilineLabels('Labels', w.selector, '  ')}  Containers:\n${containers}  Volumes:\t<none>\n  Node-Selectors:\t${labelsText(w.nodeSelector)}\n  Tolerations:\t<none>\n`;
}

export function describeDeployment(w: KubeWorkload, call: KubectlCall): string {
  const n = w.current;
  const conditions = 'Conditions:\n  Type\tStatus\tReason\n  ----\t------\t------\n'
    + [['Available', 'MinimumReplicasAvailable'], ['Progressing', 'NewReplicaSetAvailable']].map(([t, r]) => `  ${t}  \tTrue\t${r}\n`).join('');
  const text = `Name:\t${w.name}\nNamespace:\t${w.namespace}\nCreationTimestamp:\t${describeTime(w.createdMs)}\n${multilineLabels('Labels', w.labels)}`
    + `Annotations:\tdeployment.kubernetes.io/revision: 1\nSelector:\t${labelsText(w.selector)}\n`
    + `Replicas:\t${w.desired} desired | ${n} updated | ${n} total | ${n} available | ${w.desired - n} unavailable\n`
    + 'StrategyType:\tRollingUpdate\nMinReadySeconds:\t0\nRollingUpdateStrategy:\t1 max unavailable, 25% max surge\n'
    + podTemplate(w) + conditions
    + `OldReplicaSets:\t<none>\nNewReplicaSet:\t${w.name}-${w.replicaSetHash ?? ''} (${n}/${w.desired} replicas created)\n` + describeEvents([], call);
  return tabwrite(text, 0, 2);
}

export function describeDaemonSet(w: KubeWorkload, call: KubectlCall): string {
  const n = w.current;
  const text = `Name:\t${w.name}\nSelector:\t${labelsText(w.selector)}\nNode-Selector:\t${labelsText(w.nodeSelector)}\n${multilineLabels('Labels', w.labels)}Annotations:\t<none>\n`
    + `Desired Number of Nodes Scheduled: ${w.desired}\nCurrent Number of Nodes Scheduled: ${n}\nNumber of Nodes Scheduled with Up-to-date Pods: ${n}\n`
    + `Number of Nodes Scheduled with Available Pods: ${n}\nNumber of Nodes Misscheduled: 0\nPods Status:\t${n} Running / 0 Waiting / 0 Succeeded / 0 Failed\n`
    + podTemplate(w) + describeEvents([], call);
  return tabwrite(text, 0, 2);
}
