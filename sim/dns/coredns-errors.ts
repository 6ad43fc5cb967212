// The lines CoreDNS's errors plugin logs when `forward . /etc/resolv.conf` gets no answer from the upstream: per
// CoreDNS pod, in order, as `kubectl logs` shows them after the banner. Format from CoreDNS's plugin/errors
// (`log.Errorf("%d %s %s: %v", rcode, state.Name(), state.Type(), err)` through the plugin logger, `[ERROR]
// plugin/errors: `), the error being Go's net error for the forward's connected UDP socket.
import type { Packet as DnsMessage } from 'dns-packet';
import { formatIp } from '../../topology/address.js';
import type { Dataplane } from '../dataplane.js';

const logs = new WeakMap<Dataplane, Map<string, string[]>>();

/** Why the upstream did not answer: no reply at all (the read deadline), or an ICMP port unreachable. */
export type ForwardFailure = 'timeout' | 'refused';

const REASON: Readonly<Record<ForwardFailure, string>> = { timeout: 'i/o timeout', refused: 'read: connection refused' };

/** Records the SERVFAIL (rcode 2) CoreDNS pod POD answered QUERY with, after its forward from SRC:SPORT failed. */
export function noteForwardFailure(dp: Dataplane, pod: string, query: DnsMessage, src: number, sport: number, upstream: number, why: ForwardFailure): void {
  const q = query.questions?.[0];
  if (!q) return;
  let byPod = logs.get(dp);
  if (!byPod) logs.set(dp, (byPod = new Map()));
  const lines = byPod.get(pod) ?? [];
  lines.push(`[ERROR] plugin/errors: 2 ${q.name.replace(/\.?$/, '.')} ${q.type}: read udp ${formatIp(src)}:${sport}->${formatIp(upstream)}:53: ${REASON[why]}`);
  byPod.set(pod, lines);
}

/** The error lines CoreDNS pod POD has logged so far. */
export function corednsErrorLines(dp: Dataplane, pod: string): readonly string[] {
  return logs.get(dp)?.get(pod) ?? [];
}
