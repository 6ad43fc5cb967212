// The Events section of kubectl describe (DescribeEvents): Type, Reason, Age, From, Message; events older than the
// API server's --event-ttl (1 h) are gone, and none left prints `Events:  <none>`.
import { humanDuration } from './table.js';
import type { KubectlCall } from './registry.js';

export interface KubeEvent {
  readonly type: 'Normal' | 'Warning';
  readonly reason: string;
  /** Simulated time of the event. */
  readonly atMs: number;
  readonly from: string;
  readonly message: string;
}

const EVENT_TTL_MS = 60 * 60_000;

/** Tab-separated lines for the describe tabwriter (the caller formats the whole text). */
export function describeEvents(events: readonly KubeEvent[], call: KubectlCall): string {
  const live = events.filter((e) => call.nowMs - e.atMs < EVENT_TTL_MS);
  if (live.length === 0) return 'Events:\t<none>\n';
  return 'Events:\n  Type\tReason\tAge\tFrom\tMessage\n  ----\t------\t----\t----\t-------\n'
    + live.map((e) => `  ${e.type}\t${e.reason}\t${humanDuration(call.nowMs - e.atMs)}\t${e.from}\t${e.message}\n`).join('');
}
