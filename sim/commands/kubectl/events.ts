// Events: what the scheduler and kubelet record for a pod (Scheduled, Pulled, Created, Started), kept for the API
// server's --event-ttl (1 h); the Events section of kubectl describe and `kubectl get events`.
import { createHash } from 'node:crypto';
import type { KubePod } from '../../../topology/kube-objects.js';
import { timestamp, uid } from './api-meta.js';
import { humanDuration } from './table.js';
import { registerKubectlResource, type KubectlCall, type KubeItem } from './registry.js';

export interface KubeEvent {
  readonly type: 'Normal' | 'Warning';
  readonly reason: string;
  /** Simulated time of the event. */
  readonly atMs: number;
  readonly from: string;
  readonly message: string;
}

const EVENT_TTL_MS = 60 * 60_000;

/** How long after its pod's creation the container started (a second per step: image present, created, started). */
export const CONTAINER_START_MS = 3000;

/** The events of a pod's start, a second apart; a static pod's mirror is not scheduled. */
export function podEvents(p: KubePod): KubeEvent[] {
  const scheduled: KubeEvent[] = p.owner?.kind === 'Node' ? [] : [{ type: 'Normal', reason: 'Scheduled', atMs: p.createdMs, from: 'default-scheduler', message: `Successfully assigned ${p.namespace}/${p.name} to ${p.node}` }];
  return [
    ...scheduled,
    { type: 'Normal', reason: 'Pulled', atMs: p.createdMs + 1000, from: 'kubelet', message: `Container image "${p.image}" already present on machine` },
    { type: 'Normal', reason: 'Created', atMs: p.createdMs + 2000, from: 'kubelet', message: `Created container ${p.container}` },
    { type: 'Normal', reason: 'Started', atMs: CONTAINER_START_MS + p.createdMs, from: 'kubelet', message: `Started container ${p.container}` },
  ];
}

function live(events: readonly KubeEvent[], call: KubectlCall): KubeEvent[] {
  return events.filter((e) => call.nowMs - e.atMs < EVENT_TTL_MS);
}

/** Tab-separated lines for the describe tabwriter (the caller formats the whole text). */
export function describeEvents(events: readonly KubeEvent[], call: KubectlCall): string {
  const shown = live(events, call);
  if (shown.length === 0) return 'Events:\t<none>\n';
  return 'Events:\n  Type\tReason\tAge\tFrom\tMessage\n  ----\t------\t----\t----\t-------\n'
    + shown.map((e) => `  ${e.type}\t${e.reason}\t${humanDuration(call.nowMs - e.atMs)}\t${e.from}\t${e.message}\n`).join('');
}

interface EventItem extends KubeItem {
  readonly event: KubeEvent;
  readonly pod: KubePod;
}

/** The Event object (core/v1) as the API server serves it: kubelet's with its source, the scheduler's reporting one. */
function eventObject(e: KubeEvent, p: KubePod, name: string): Record<string, unknown> {
  const at = timestamp(e.atMs);
  const kubelet = e.from === 'kubelet';
  return {
    apiVersion: 'v1', kind: 'Event', count: 1, firstTimestamp: at, lastTimestamp: at, message: e.message, reason: e.reason, type: e.type,
    involvedObject: { apiVersion: 'v1', kind: 'Pod', name: p.name, namespace: p.namespace, uid: uid('Pod', p.namespace, p.name), ...(kubelet ? { fieldPath: `spec.containers{${p.container}}` } : {}) },
    metadata: { creationTimestamp: at, name, namespace: p.namespace, uid: uid('Event', p.namespace, name) },
    reportingComponent: kubelet ? 'kubelet' : 'default-scheduler', reportingInstance: kubelet ? p.node : '',
    source: kubelet ? { component: 'kubelet', host: p.node } : {},
  };
}

function eventItems(call: KubectlCall): EventItem[] {
  return call.cluster.pods.flatMap((pod) => live(podEvents(pod), call).map((event) => {
    const name = `${pod.name}.${createHash('sha256').update(`${pod.name}/${event.reason}/${event.atMs}`).digest('hex').slice(0, 16)}`;
    return { name, namespace: pod.namespace, labels: {}, event, pod, object: () => eventObject(event, pod, name) };
  }));
}

registerKubectlResource({
  plural: 'events', aliases: ['ev', 'event'], group: '', kind: 'Event', namespaced: true,
  list: eventItems,
  table: (items, call) => ({
    header: ['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE'],
    rows: items.map((i) => {
      const { event, pod } = i as EventItem;
      return [humanDuration(call.nowMs - event.atMs), event.type, event.reason, `pod/${pod.name}`, event.message];
    }),
  }),
  fields: ['involvedObject.kind', 'involvedObject.name', 'involvedObject.namespace', 'involvedObject.uid', 'reason', 'type', 'source'],
});
