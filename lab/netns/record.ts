// The crash-proof record of one namespace lab: every namespace, file and process is written here before it is made.
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync, openSync, fsyncSync, closeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { PlannedPlace } from './plan.js';

export const DEFAULT_STATE_DIR = '/run/tracelab';

/** Marks a shared parent directory (/etc/netns) as made by a tracelab lab, so the last lab down removes it. */
export const SHARED_DIR_MARKER = '.tracelab-created';

export interface RecordedProcess {
  readonly ns: string;
  readonly device: string;
  /** The command as it runs once exec'd (what /proc/PID/cmdline shows): the lab server's, shared by its entries. */
  readonly argv: readonly string[];
  /** What the entry is: a device's listeners or its DNS server (both served by the one lab server process). */
  readonly serves?: 'listeners' | 'dns';
  pid?: number;
}

export interface NetnsRecord {
  readonly version: 1;
  readonly prefix: string;
  lab: string;
  state: 'building' | 'up' | 'tearing-down';
  readonly createdAt: string;
  builtAt?: string;
  buildMs?: number;
  /** planFingerprint of the plan it was built from (reuse.ts). */
  fingerprint?: string;
  /** Namespaces in creation order (recorded before `ip netns add`). */
  readonly namespaces: string[];
  /** Directories we created (parents first), removed on down only when empty. */
  readonly dirs: string[];
  /** Parent directories a tracelab lab created (they hold SHARED_DIR_MARKER); removed when nothing else is left in them. */
  readonly sharedDirs: string[];
  readonly files: string[];
  readonly processes: RecordedProcess[];
  /** Persistent UTS namespaces (bind-mounted files) giving each device its hostname: namespace -> file. */
  readonly uts: Record<string, string>;
  /** Private directories removed with everything in them on down (the CNI host-local leases); recorded before made. */
  privateDirs?: string[];
  places: Record<string, PlannedPlace>;
}

/** The state directory: an explicit option, then $TRACELAB_STATE_DIR, then /run/tracelab. */
export function stateDirOf(explicit?: string): string {
  return explicit ?? process.env.TRACELAB_STATE_DIR ?? DEFAULT_STATE_DIR;
}

export function recordPath(stateDir: string, prefix: string): string {
  return join(stateDir, `netns-${prefix}.json`);
}

export function newRecord(prefix: string, lab: string): NetnsRecord {
  return { version: 1, prefix, lab, state: 'building', createdAt: new Date().toISOString(), namespaces: [], dirs: [], sharedDirs: [], files: [], processes: [], uts: {}, places: {} };
}

/** Writes the record durably and atomically (temp file, fsync, rename), so a SIGKILL never leaves half a file. */
export function writeRecord(path: string, record: NetnsRecord): void {
  writeDurably(path, JSON.stringify(record, null, 1) + '\n', 0o644);
}

/** Writes TEXT to PATH (created with MODE) through a temp file, fsync and rename. */
export function writeDurably(path: string, text: string, mode: number): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, text, { mode });
  const fd = openSync(tmp, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

/** Reads a record, or undefined when there is none; throws with the path when it is unreadable. */
export function readRecord(path: string): NetnsRecord | undefined {
  const text = readIfExists(path);
  if (text === undefined) return undefined;
  const parsed = JSON.parse(text) as NetnsRecord;
  if (parsed.version !== 1 || !Array.isArray(parsed.namespaces)) throw new Error(`${path}: not a tracelab namespace record`);
  return parsed;
}

/** PATH's text, or undefined when there is no such file (other errors are thrown). */
export function readIfExists(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/** Removes the record and what is kept beside it (the kubectl state: kubectl-state.ts). */
export function removeRecord(path: string): void {
  for (const p of [path, path.replace(/\.json$/, '.kubectl.json')]) {
    rmSync(p, { force: true });
    rmSync(`${p}.tmp`, { force: true });
  }
}
