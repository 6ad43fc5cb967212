// The parts every API object shares as kubectl receives them: metadata with the creation time, on a fixed lab epoch.
import { createHash } from 'node:crypto';
import type { KubectlCall } from './registry.js';
import { humanDuration } from './table.js';

/** The wall-clock instant of simulated time 0 (timestamps in -o yaml and describe; ages come from the difference). */
export const LAB_EPOCH_MS = Date.UTC(2024, 8, 2, 8, 0, 0);

/** RFC 3339 in UTC as the API server serialises metav1.Time ("2024-09-02T07:00:00Z"). */
export function timestamp(simMs: number): string {
  return new Date(LAB_EPOCH_MS + simMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Time as kubectl describe prints it (time.RFC1123Z): "Mon, 02 Sep 2024 07:00:00 +0000". */
export function describeTime(simMs: number): string {
  const d = new Date(LAB_EPOCH_MS + simMs);
  const day = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'][d.getUTCDay()];
  const month = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][d.getUTCMonth()];
  const p = (n: number) => String(n).padStart(2, '0');
  return `${day}, ${p(d.getUTCDate())} ${month} ${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

/** An object's AGE column. */
export function age(call: KubectlCall, createdMs: number): string {
  return humanDuration(call.nowMs - createdMs);
}

/** A stable UID for an object (a version-4-shaped UUID from its kind and name). */
export function uid(kind: string, namespace: string | undefined, name: string): string {
  const h = createHash('sha256').update(`${kind}/${namespace ?? ''}/${name}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export function metadata(kind: string, name: string, namespace: string | undefined, labels: Readonly<Record<string, string>>, createdMs: number): Record<string, unknown> {
  return {
    creationTimestamp: timestamp(createdMs),
    ...(Object.keys(labels).length > 0 ? { labels: { ...labels } } : {}),
    name,
    ...(namespace !== undefined ? { namespace } : {}),
    uid: uid(kind, namespace, name),
  };
}
