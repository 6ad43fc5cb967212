// Brings a namespace lab up, reports its status and tears it down, driven by the plan and the crash-proof record.
import { existsSync, readdirSync, rmdirSync, rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LabModel } from '../../topology/model.js';
import type { UpOptions } from '../backend.js';
import { preflight } from './preflight.js';
import { runArgv } from '../process.js';
import { buildNetnsPlan, type NetnsPlan } from './plan.js';
import { newRecord, readRecord, recordPath, removeRecord, stateDirOf, writeRecord, type NetnsRecord } from './record.js';
import { cmdlineMatches, processCmdline, terminate } from './listener.js';
import { checkPrefix } from './names.js';
import { isReusable, planFingerprint } from './reuse.js';
import { releaseSharedDir } from './etc.js';
import { forEachLimit } from './batch.js';
import { buildLab, NetnsError } from './build.js';
import { pidsByNamespace } from './pids.js';

export const DEFAULT_PREFIX = 'tlns';

/** Listeners stopped at once on down (each waits up to 2 s for its process to exit). */
const TEARDOWN_CONCURRENCY = 16;

export interface NetnsLabOptions {
  readonly prefix?: string;
  /** Directory of the record file (default $TRACELAB_STATE_DIR or /run/tracelab). */
  readonly stateDir?: string;
}

export interface NetnsUpOptions extends NetnsLabOptions, UpOptions {
  /** Turn SIGINT/SIGTERM during the build into an abort that cleans up (default true). */
  readonly catchSignals?: boolean;
  /** Skip the root/tool check (tests that already did it). */
  readonly skipPreflight?: boolean;
  /** Keep a lab of this prefix that is up, whole and built from the same plan, instead of rebuilding it. */
  readonly reuse?: boolean;
}

export interface UpSummary {
  readonly prefix: string;
  readonly namespaces: number;
  readonly commands: number;
  readonly listeners: number;
  readonly warnings: readonly string[];
  readonly ms: number;
  /** True when an identical lab was already up and was kept (opts.reuse). */
  readonly reused?: boolean;
}

export interface DownSummary {
  readonly prefix: string;
  readonly found: boolean;
  readonly namespaces: number;
  /** Record entries (a device's listeners, a DNS server) whose process was ended. */
  readonly processes: number;
  readonly files: number;
  readonly ms: number;
  readonly problems: readonly string[];
}

export { NetnsError };

const nsPath = (name: string): string => `/run/netns/${name}`;

function resolvedPrefix(opts: NetnsLabOptions): string {
  const prefix = opts.prefix ?? DEFAULT_PREFIX;
  const error = checkPrefix(prefix);
  if (error) throw new NetnsError(error);
  return prefix;
}

/** Builds LAB in namespaces named `<prefix>-<device>`; removes a previous lab of the same prefix first. */
export async function netnsUp(lab: LabModel, opts: NetnsUpOptions = {}): Promise<UpSummary> {
  const started = Date.now();
  const prefix = resolvedPrefix(opts);
  if (!opts.skipPreflight) {
    const check = preflight();
    if (!check.ok) throw new NetnsError(check.message);
  }
  let plan: NetnsPlan;
  try {
    plan = buildNetnsPlan(lab, { prefix });
  } catch (error) {
    throw new NetnsError(`lab ${lab.name} cannot be built in namespaces: ${(error as Error).message}`);
  }
  const path = recordPath(stateDirOf(opts.stateDir), prefix);
  const progress = opts.progress ?? ((): void => undefined);
  const previous = readRecord(path);
  if (opts.reuse && isReusable(previous, plan)) {
    progress(`lab ${lab.name} is already up as ${prefix}`);
    return { prefix, namespaces: plan.namespaces.length, commands: plan.steps.length, listeners: previous.processes.length, warnings: [], ms: Date.now() - started, reused: true };
  }
  if (previous) {
    progress(`removing the previous ${prefix} lab`);
    await netnsDown(opts);
  }
  assertNothingInTheWay(plan);

  const controller = new AbortController();
  const signal = opts.signal ? AbortSignal.any([opts.signal, controller.signal]) : controller.signal;
  const onSignal = (): void => controller.abort(new NetnsError('interrupted'));
  if (opts.catchSignals !== false) {
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }
  const record = newRecord(prefix, lab.name);
  record.places = { ...plan.places };
  record.fingerprint = planFingerprint(plan);
  const warnings: string[] = [];
  try {
    // buildLab writes the record (everything it will make) before it makes anything.
    await buildLab({ plan, record, path, stateDir: stateDirOf(opts.stateDir), signal, progress, warnings });
    record.state = 'up';
    record.builtAt = new Date().toISOString();
    record.buildMs = Date.now() - started;
    writeRecord(path, record);
    progress(`lab ${lab.name} up as ${prefix}: ${plan.namespaces.length} namespaces in ${record.buildMs} ms`);
    return {
      prefix,
      namespaces: plan.namespaces.length,
      commands: plan.steps.length,
      listeners: record.processes.length,
      warnings,
      ms: record.buildMs,
    };
  } catch (error) {
    progress(`build failed (${(error as Error).message.split('\n')[0]}); removing what was made`);
    await netnsDown(opts);
    throw error;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** Refuses to build over namespaces or /etc/netns directories that exist without being ours. */
function assertNothingInTheWay(plan: NetnsPlan): void {
  const clashes = plan.namespaces.filter((n) => existsSync(nsPath(n.name))).map((n) => `namespace ${n.name}`);
  for (const dir of plan.dirs.slice(1)) if (existsSync(dir)) clashes.push(`directory ${dir}`);
  if (clashes.length > 0) {
    throw new NetnsError(
      `not in any tracelab record, refusing to touch: ${clashes.slice(0, 8).join(', ')}${clashes.length > 8 ? ', ...' : ''}` +
        `\n(remove them yourself if they are stale, e.g. ip netns del NAME, or choose another --prefix)`,
    );
  }
}

/** How long down waits, polling every 2 ms, for the listeners to exit on SIGTERM before terminate() takes over. */
const QUICK_EXIT_MS = 200;

function signalProcess(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

/** Resolves once none of PIDS is alive (processCmdline: gone or a zombie), or after MS. */
async function waitGone(pids: readonly number[], ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (pids.some((pid) => processCmdline(pid) !== undefined) && Date.now() < deadline) await sleep(2);
}

/** Removes exactly what the record lists: its processes (when their command line still matches), namespaces, files. */
export async function netnsDown(opts: NetnsLabOptions = {}): Promise<DownSummary> {
  const started = Date.now();
  const prefix = resolvedPrefix(opts);
  const path = recordPath(stateDirOf(opts.stateDir), prefix);
  const record = readRecord(path);
  if (!record) return { prefix, found: false, namespaces: 0, processes: 0, files: 0, ms: Date.now() - started, problems: [] };
  record.state = 'tearing-down';
  writeRecord(path, record);
  const problems: string[] = [];
  let processes = 0;
  // A process started just before a crash may not have its PID recorded yet: look in its namespace too (one scan of /proc).
  const inNamespace = pidsByNamespace(record.processes.map((p) => nsPath(p.ns)));
  // The lab server lives in one of the namespaces: search them all for each entry (entries share its command line).
  const scanned = [...new Set([...inNamespace.values()].flat())];
  const matched = new Map<number, string>();
  /** How many record entries (listener sets, DNS servers) each matched process serves: down reports entries. */
  const served = new Map<number, number>();
  const cmdlines = new Map<number, string[] | undefined>();
  const cmdlineOf = (pid: number): string[] | undefined => (cmdlines.has(pid) ? cmdlines.get(pid) : cmdlines.set(pid, processCmdline(pid)).get(pid));
  for (const proc of record.processes) {
    const pids = new Set<number>(scanned);
    if (proc.pid !== undefined) pids.add(proc.pid);
    for (const pid of pids) {
      const cmdline = cmdlineOf(pid);
      if (!cmdline || !cmdlineMatches(cmdline, proc.ns, proc.argv)) continue;
      if (!matched.has(pid)) matched.set(pid, proc.ns);
      served.set(pid, (served.get(pid) ?? 0) + 1);
    }
  }
  // SIGTERM to all at once, and a short wait polled often (they exit at once); terminate() then deals with stragglers.
  for (const pid of matched.keys()) signalProcess(pid, 'SIGTERM');
  await waitGone([...matched.keys()], QUICK_EXIT_MS);
  await forEachLimit([...matched], TEARDOWN_CONCURRENCY, async ([pid, ns]) => {
    if (processCmdline(pid) === undefined || (await terminate(pid))) processes += served.get(pid)!;
    else problems.push(`process ${pid} in ${ns} did not exit`);
  });
  // All recorded namespaces that exist, in one `ip -force -batch` (newest first); whatever is still there is a problem.
  const present = [...record.namespaces].reverse().filter((ns) => existsSync(nsPath(ns)));
  let namespaces = 0;
  if (present.length > 0) {
    const r = await runArgv(['ip', '-force', '-batch', '-'], { input: present.map((ns) => `netns del ${ns}`).join('\n') + '\n' });
    for (const ns of present) {
      if (!existsSync(nsPath(ns))) namespaces++;
      else problems.push(`ip netns del ${ns}: ${r.stderr.trim() || `exit ${r.exitCode}`}`);
    }
  }
  const utsFiles = Object.values(record.uts ?? {}).filter((f) => existsSync(f));
  if (utsFiles.length > 0) {
    // umount fails (harmlessly) for files a crash left unmounted; a file still mounted cannot be removed (EBUSY).
    await runArgv(['umount', '-q', ...utsFiles]);
    for (const file of utsFiles) {
      try {
        rmSync(file, { force: true });
      } catch (e) {
        problems.push(`umount ${file}: ${(e as Error).message}`);
      }
    }
  }
  let files = 0;
  for (const file of record.files) {
    if (existsSync(file)) {
      rmSync(file, { force: true });
      files++;
    }
  }
  for (const dir of [...record.dirs].reverse()) {
    try {
      if (existsSync(dir) && readdirSync(dir).length === 0) rmdirSync(dir);
    } catch (e) {
      problems.push(`rmdir ${dir}: ${(e as Error).message}`);
    }
  }
  for (const dir of record.privateDirs ?? []) {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch (e) {
      problems.push(`rm -r ${dir}: ${(e as Error).message}`);
    }
  }
  for (const dir of record.sharedDirs ?? []) {
    const problem = releaseSharedDir(dir);
    if (problem) problems.push(problem);
  }
  if (problems.length === 0) removeRecord(path);
  return { prefix, found: true, namespaces, processes, files, ms: Date.now() - started, problems };
}

export interface NetnsStatus {
  readonly prefix: string;
  readonly recordPath: string;
  readonly record?: NetnsRecord;
  readonly namespaces: readonly { readonly name: string; readonly exists: boolean }[];
  readonly processes: readonly { readonly ns: string; readonly device: string; readonly pid?: number; readonly alive: boolean }[];
  readonly files: readonly { readonly path: string; readonly exists: boolean }[];
}

export async function netnsStatus(opts: NetnsLabOptions = {}): Promise<NetnsStatus> {
  const prefix = resolvedPrefix(opts);
  const path = recordPath(stateDirOf(opts.stateDir), prefix);
  const record = readRecord(path);
  if (!record) return { prefix, recordPath: path, namespaces: [], processes: [], files: [] };
  return {
    prefix,
    recordPath: path,
    record,
    namespaces: record.namespaces.map((name) => ({ name, exists: existsSync(nsPath(name)) })),
    processes: record.processes.map((p) => {
      const cmdline = p.pid !== undefined ? processCmdline(p.pid) : undefined;
      return { ns: p.ns, device: p.device, ...(p.pid !== undefined ? { pid: p.pid } : {}), alive: !!cmdline && cmdlineMatches(cmdline, p.ns, p.argv) };
    }),
    files: record.files.map((f) => ({ path: f, exists: existsSync(f) })),
  };
}

/** Status as the CLI prints it. */
export function formatStatus(s: NetnsStatus): string {
  if (!s.record) return `no namespace lab with prefix ${s.prefix} (no record at ${s.recordPath})\n`;
  const r = s.record;
  const nsUp = s.namespaces.filter((n) => n.exists).length;
  const alive = s.processes.filter((p) => p.alive).length;
  const lines = [
    `lab ${r.lab} (prefix ${s.prefix}): ${r.state}${r.buildMs !== undefined ? `, built in ${r.buildMs} ms` : ''}`,
    `record: ${s.recordPath}`,
    `namespaces: ${nsUp}/${s.namespaces.length} present`,
    `listeners: ${alive}/${s.processes.length} running`,
    `files: ${s.files.filter((f) => f.exists).length}/${s.files.length} present`,
  ];
  for (const n of s.namespaces) if (!n.exists) lines.push(`  missing namespace ${n.name}`);
  for (const p of s.processes) if (!p.alive) lines.push(`  listener of ${p.device} (${p.pid ?? 'no pid'}) not running`);
  const places = Object.entries(r.places);
  if (places.length > 0) lines.push('places:', ...places.map(([id, p]) => `  ${id.padEnd(20)} ${p.kind.padEnd(8)} ${p.ns}`));
  return lines.join('\n') + '\n';
}
