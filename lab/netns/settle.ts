// Waits, after a build, until every link of the lab can carry packets: the kernel activates a device's queueing
// discipline (until then `noop`, which drops everything) and sets its operstate (a bridge forwards through a port only
// once it is up) from its link-watch work, which may run up to a second after the carrier came up (events of a veth
// whose peer has the same ifindex, in another namespace, are not urgent and wait for the once-a-second run); the first
// ARP request of a probe sent before that is lost (a `*` for a whole second). Asking for such a link on its own
// (RTM_GETLINK, `ip link show dev X`) makes the kernel run its pending link-watch work then (measured on 6.18: a
// bridge port left DOWN for 0.7 s of polling was UP right after), so the wait asks for each link still pending.
import { setTimeout as sleep } from 'node:timers/promises';
import { runArgv } from '../process.js';
import { forEachLimit } from './batch.js';

interface LinkJson {
  readonly ifname: string;
  readonly flags?: readonly string[];
  readonly qdisc?: string;
  readonly operstate?: string;
}

/** What stands for the links of a namespace whose `ip link` failed. */
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

/** The links of each namespace, in one `ip -batch` (ip forks `ip -j link show` in each); undefined if any failed. */
async function linksOf(namespaces: readonly string[]): Promise<LinkJson[][] | undefined> {
  const r = await runArgv(['ip', '-batch', '-'], { input: namespaces.map((ns) => `netns exec ${ns} ip -j link show`).join('\n') + '\n' });
  const lines = r.stdout.split('\n').filter((l) => l.startsWith('['));
  return r.exitCode === 0 && lines.length === namespaces.length ? lines.map((l) => JSON.parse(l) as LinkJson[]) : undefined;
}

/** One namespace's links that are not settled, or a line saying its `ip link` failed. */
async function pendingIn(ns: string): Promise<string[]> {
  const r = await runArgv(['ip', '-n', ns, '-j', 'link', 'show']);
  return r.exitCode === 0 ? unsettledLinks(JSON.parse(r.stdout) as LinkJson[]) : [LINK_FAILED];
}

/** Asks for each pending link on its own (see above): its pending link-watch work runs now. */
async function askEach(pending: ReadonlyMap<string, readonly string[]>, concurrency: number): Promise<void> {
  const links = [...pending].flatMap(([ns, names]) => names.filter((n) => n !== LINK_FAILED).map((name) => [ns, name] as const));
  await forEachLimit(links, concurrency, async ([ns, name]) => void (await runArgv(['ip', '-n', ns, 'link', 'show', 'dev', name])));
}


/**
 * Polls the namespaces until all their links are settled, all of them per round in one `ip -batch` (each one on its
 * own, CONCURRENCY at a time, when a name would not survive batch-line splitting or the batch fails); returns
 * `ns: link` for those still not ready at the timeout.
 */
export async function settleLinks(namespaces: readonly string[], concurrency: number, signal?: AbortSignal): Promise<string[]> {
  const deadline = Date.now() + SETTLE_TIMEOUT_MS;
  const plain = namespaces.every((ns) => /^[A-Za-z0-9_.-]+$/.test(ns));
  let waiting = [...namespaces];
  for (;;) {
    signal?.throwIfAborted();
    const batched = plain && waiting.length > 0 ? await linksOf(waiting) : undefined;
    const pending = new Map<string, string[]>();
    if (batched) waiting.forEach((ns, i) => pending.set(ns, unsettledLinks(batched[i]!)));
    else await forEachLimit(waiting, concurrency, async (ns) => void pending.set(ns, await pendingIn(ns)));
    waiting = waiting.filter((ns) => pending.get(ns)!.length > 0);
    if (waiting.length === 0) return [];
    if (Date.now() >= deadline) return waiting.flatMap((ns) => pending.get(ns)!.map((l) => `${ns}: ${l}`));
    await askEach(pending, concurrency);
    await sleep(5);
  }
}
