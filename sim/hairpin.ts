// Bridge port hairpin mode: whether a node's bridge may send a switched frame back out of the port it came in by.
import type { Interface } from '../topology/model.js';
import type { Attachment, DeviceState } from './dataplane.js';
import type { Journey, Outcome } from './engine.js';

/**
 * br_forward()'s should_deliver(): a switched frame leaves by the port it came in by only when that port is in
 * hairpin mode (the bridge plugin's hairpinMode; a pod reaching itself through its Service's ClusterIP needs it).
 * Only frames switched back after a bridged DNAT come here; a routed packet leaves from the bridge device itself.
 */
export function hairpinRefused(j: Journey, s: DeviceState, out: string, to: Attachment, from: NonNullable<Interface['peer']>): Outcome | undefined {
  const target = j.dp.state(to.device).ifaces.get(to.iface)?.peer;
  if (!target || from.device !== s.id || target.device !== from.device || target.iface !== from.iface) return undefined;
  const inPort = from.iface;
  const port = s.ifaces.get(inPort);
  if (port?.master !== out || port.hairpin) return undefined;
  if (j.recording) j.note(s.id, `${out} would send the frame back out of ${inPort}, the port it came in by, and its hairpin mode is off: dropped`, { in: inPort, out: inPort });
  return { kind: 'dropped', device: s.id, disposition: 'hairpin-off' };
}
