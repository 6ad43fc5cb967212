// The lab's hostnames: `ip netns exec` keeps the host's hostname, so each device gets a persistent UTS namespace (a
// file its nsfs is bind-mounted on) with its own hostname, entered with nsenter when commands run (mtr's HOST line,
// `hostname`). The build's namespace helper (ns-helper.ts) makes them all, as `unshare --uts=FILE hostname NAME` makes one.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { NetnsPlan, PlannedNamespace } from './plan.js';
import type { NetnsRecord } from './record.js';
import type { NsHelper } from './ns-helper.js';

const hostnamed = (plan: NetnsPlan): PlannedNamespace[] => plan.namespaces.filter((ns) => ns.role === 'device' && ns.device !== undefined);

/** Records the UTS namespace files (and their directory, `uts-PREFIX` under STATEDIR, when new); returns the directory. */
export function recordHostnames(plan: NetnsPlan, record: NetnsRecord, stateDir: string): string {
  const dir = join(stateDir, `uts-${plan.prefix}`);
  if (!existsSync(dir)) record.dirs.push(dir);
  // Down unmounts and removes whichever were made.
  for (const ns of hostnamed(plan)) record.uts[ns.name] = join(dir, ns.name);
  return dir;
}

/** Makes the UTS namespace files recordHostnames recorded, in DIR, through HELPER; a problem, or undefined. */
export async function createHostnames(plan: NetnsPlan, record: NetnsRecord, dir: string, helper: NsHelper): Promise<string | undefined> {
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  const pairs = hostnamed(plan).map((ns) => [record.uts[ns.name]!, plan.places[ns.device!]!.hostname] as const);
  if (pairs.length === 0) return undefined;
  const problem = await helper.hostnames(pairs);
  return problem === undefined ? undefined : `hostnames: ${problem}`;
}
