// The processes inside named network namespaces, found as `ip netns pids` finds them (a process's /proc/PID/ns/net is
// the same nsfs inode as the namespace's /run/netns file), for all namespaces in one scan of /proc, without a process.
import { readdirSync, statSync } from 'node:fs';

const identity = (path: string): string | undefined => {
  try {
    const s = statSync(path);
    return `${s.dev}:${s.ino}`;
  } catch {
    return undefined;
  }
};

/** PIDs per namespace file (e.g. /run/netns/NAME) of the given ones that exist; a missing file maps to nothing. */
export function pidsByNamespace(nsFiles: readonly string[], proc = '/proc'): Map<string, number[]> {
  const byIdentity = new Map<string, string[]>();
  for (const file of new Set(nsFiles)) {
    const id = identity(file);
    if (id !== undefined) byIdentity.set(id, [...(byIdentity.get(id) ?? []), file]);
  }
  const found = new Map<string, number[]>();
  if (byIdentity.size === 0) return found;
  for (const entry of readdirSync(proc)) {
    if (!/^\d+$/.test(entry)) continue;
    const files = byIdentity.get(identity(`${proc}/${entry}/ns/net`) ?? '');
    for (const file of files ?? []) found.set(file, [...(found.get(file) ?? []), Number(entry)]);
  }
  return found;
}
