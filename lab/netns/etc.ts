// The lab's per-namespace /etc files (hosts, resolv.conf, nsswitch.conf that `ip netns exec` bind-mounts) and the
// shared /etc/netns above them, which several labs (in several processes) create and remove at the same time.
import { existsSync, mkdirSync, readdirSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NetnsPlan } from './plan.js';
import { SHARED_DIR_MARKER, type NetnsRecord } from './record.js';

const errno = (e: unknown): string | undefined => (e as NodeJS.ErrnoException).code;

/** Makes DIR if it is missing, marked as tracelab's (so the last lab down removes it); leaves an existing one alone. */
function ensureSharedDir(dir: string): void {
  if (mkdirSync(dir, { recursive: true, mode: 0o755 }) !== undefined) {
    writeFileSync(join(dir, SHARED_DIR_MARKER), 'created by a tracelab namespace lab; removed by the last one down\n');
  }
}

/** Records the plan's directories and files (the caller writes the record before makeEtcFiles makes them). */
export function recordEtcFiles(plan: NetnsPlan, record: NetnsRecord): void {
  const [parent, ...own] = plan.dirs;
  if (parent !== undefined) record.sharedDirs.push(parent);
  record.dirs.push(...own.filter((d) => !existsSync(d)));
  record.files.push(...plan.files.map((f) => f.path));
}

/**
 * Creates the plan's directories and files. A concurrent `down` of another lab may remove the shared parent between
 * our check and our mkdir: then the parent is made again and the directories retried.
 */
export function makeEtcFiles(plan: NetnsPlan): void {
  const [parent, ...own] = plan.dirs;
  for (let attempt = 1; ; attempt++) {
    try {
      if (parent !== undefined) ensureSharedDir(parent);
      for (const dir of own) mkdirSync(dir, { recursive: true, mode: 0o755 });
      for (const file of plan.files) writeFileSync(file.path, file.content, { mode: 0o644 });
      return;
    } catch (e) {
      if (errno(e) !== 'ENOENT' || attempt >= 5) throw e;
    }
  }
}

/**
 * Removes a shared directory when only tracelab's marker is left in it. If another lab puts something in it at the
 * same moment (rmdir: ENOTEMPTY), the marker is put back for the last one down. Returns a problem, or undefined.
 */
export function releaseSharedDir(dir: string): string | undefined {
  try {
    const left = existsSync(dir) ? readdirSync(dir) : [];
    if (left.length !== 1 || left[0] !== SHARED_DIR_MARKER) return undefined;
    rmSync(join(dir, SHARED_DIR_MARKER), { force: true });
    rmdirSync(dir);
    return undefined;
  } catch (e) {
    if (errno(e) === 'ENOENT') return undefined;
    if (errno(e) === 'ENOTEMPTY' || errno(e) === 'EEXIST') {
      writeFileSync(join(dir, SHARED_DIR_MARKER), 'created by a tracelab namespace lab; removed by the last one down\n');
      return undefined;
    }
    return `rmdir ${dir}: ${(e as Error).message}`;
  }
}
