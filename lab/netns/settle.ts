// Waits, after a build, until every link of the lab can carry packets: the kernel activates a device's queueing
// discipline (until then `noop`, which drops everything) from its link-watch work, which may run up to a second
// after the carrier came up; the first ARP request of a probe sent before that is lost (a `*` for a whole second).
import { setTimeout as sleep } from 'node:timers/promises';
import { runArgv } from '../process.js';
import { forEachLimit } from './batch.js';

interface LinkJson {
  readonly ifname: string;
  readonly flags?: readonly string[];
  readonly qdisc?: string;
  readonly operstate?: string;
}

/** Longest we wait for the links of one namespace. */
export const SETTLE_TIMEOUT_MS = 5_000;

/** Links that are up with a carrier but cannot send yet (qdisc still `noop`, or operstate not up). */
export function unsettledLinks(links: readonly LinkJson[]): string[] {
  return links
    .filter((l) => l.flags?.includes('UP') && l.flags.includes('LOWER_UP'))
    .filter((l) => l.qdisc === 'noop' || (l.operstate !== 'UP' && l.operstate !== 'UNKNOWN'))
    .map((l) => l.ifname);
}

/** Polls each namespace until all its links are settled; returns `ns: link` for those still not ready at the timeout. */
export async function settleLinks(namespaces: readonly string[], concurrency: number, signal?: AbortSignal): Promise<string[]> {
  const late: string[] = [];
  await forEachLimit(namespaces, concurrency, async (ns) => {
    const deadline = Date.now() + SETTLE_TIMEOUT_MS;
    for (;;) {
      signal?.throwIfAborted();
      const r = await runArgv(['ip', '-n', ns, '-j', 'link', 'show']);
      const pending = r.exitCode === 0 ? unsettledLinks(JSON.parse(r.stdout) as LinkJson[]) : ['(ip link failed)'];
      if (pending.length === 0) return;
      if (Date.now() >= deadline) {
        late.push(...pending.map((l) => `${ns}: ${l}`));
        return;
      }
      await sleep(20);
    }
  });
  return late;
}
