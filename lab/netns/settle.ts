// Waits, after a build, until every link of the lab can carry packets: the kernel activates a device's queueing
// discipline (until then `noop`, which drops everything) and sets its operstate (a bridge forwards through a port only
// once it is up) from its link-watch work, which may run up to a second after the carrier came up (events of a veth
// whose peer has the same ifindex, in another namespace, are not urgent and wait for the once-a-second run); the first
// ARP request of a probe sent before that is lost (a `*` for a whole second). Asking for such a link on its own
// (RTM_GETLINK, `ip link show dev X`) makes the kernel run its pending link-watch work then (measured on 6.18: a
// bridge port left DOWN for 0.7 s of polling was UP right after), so the wait asks for each link still pending.
import { setTimeout as sleep } from 'node:timers/promises';
import type { LinkJson, NsHelper } from './ns-helper.js';

/** What stands for the links of a namespace the helper could not list. */
const LINK_FAILED = '(ip link failed)';

/** Longest we wait for the links of one namespace. */
export const SETTLE_TIMEOUT_MS = 5_000;

/** Links that are up with a carrier but cannot send yet (qdisc still `noop`, or operstate not up). */
export function unsettledLinks(links: readonly LinkJson[]): string[] {
  return links
    .filter((l) => l.flags?.includes('UP') && l.flags.includes('LOWER_UP'))
    .filter((l) => l.qdisc === 'noop' || (l.operstate !== 'UP' && l.operstate !== 'UNKNOWN'))
    .map((l) => l.ifname);
}

/**
 * Polls the namespaces until all their links are settled, through HELPER (its netlink socket in each namespace: no
 * process per round), and asks for each pending link on its own; returns `ns: link` for those still not ready at the
 * timeout.
 */
export async function settleLinks(namespaces: readonly string[], helper: NsHelper, signal?: AbortSignal): Promise<string[]> {
  const deadline = Date.now() + SETTLE_TIMEOUT_MS;
  let waiting = [...namespaces];
  for (;;) {
    signal?.throwIfAborted();
    const listed = waiting.length > 0 ? await helper.links(waiting) : [];
    const pending = new Map<string, string[]>();
    waiting.forEach((ns, i) => pending.set(ns, listed[i] ? unsettledLinks(listed[i]) : [LINK_FAILED]));
    waiting = waiting.filter((ns) => pending.get(ns)!.length > 0);
    if (waiting.length === 0) return [];
    if (Date.now() >= deadline) return waiting.flatMap((ns) => pending.get(ns)!.map((l) => `${ns}: ${l}`));
    await helper.ask([...pending].flatMap(([ns, names]) => names.filter((n) => n !== LINK_FAILED).map((name) => [ns, name] as const)));
    await sleep(2);
  }
}
