// The netns Backend: builds the lab in network namespaces and runs Linux commands at its places with `ip netns exec`.
import type { LabModel } from '../../topology/model.js';
import type { CommandResult } from '../../topology/trace.js';
import type { Backend, BackendOptions, UpOptions } from '../backend.js';
import { resolvePlace } from '../../topology/place.js';
import { splitCommand } from './argv.js';
import { runArgv } from './exec.js';
import { DEFAULT_PREFIX, netnsDown, netnsUp } from './lifecycle.js';
import { newFlannelClock, waitAndReconcile } from './flannel.js';
import type { PlannedPlace } from './plan.js';
import { readRecord, recordPath, stateDirOf } from './record.js';

/** Longest a command may run before it is killed (exit 124). */
export const RUN_TIMEOUT_MS = 300_000;

/** The applets this host's busybox provides (`busybox --list`). */
export async function busyboxApplets(): Promise<ReadonlySet<string>> {
  const r = await runArgv(['busybox', '--list']);
  if (r.exitCode !== 0) throw new Error(`busybox --list: exit ${r.exitCode}: ${r.stderr.trim()}`);
  return new Set(r.stdout.split('\n').filter((w) => w !== ''));
}

/**
 * What COMMAND runs at a place: places get the tools of their toolset. With busybox's, an applet runs as
 * `busybox APPLET ...` (its traceroute and ping print differently) and anything else is not there, as its shell says.
 */
export function toolArgv(place: Pick<PlannedPlace, 'toolset'>, argv: readonly string[], applets: ReadonlySet<string>): { ok: true; argv: string[] } | { ok: false; result: CommandResult } {
  const program = argv[0];
  if (place.toolset !== 'busybox' || program === undefined || program === 'busybox') return { ok: true, argv: [...argv] };
  if (applets.has(program)) return { ok: true, argv: ['busybox', ...argv] };
  return { ok: false, result: { stdout: '', stderr: `sh: ${program}: not found\n`, exitCode: 127 } };
}

/** Finds a place in the recorded places (a node, a pod, node/pod, the host or an external host). */
export function placeFromRecord(places: Readonly<Record<string, PlannedPlace>>, place: string): { ok: true; id: string; place: PlannedPlace } | { ok: false; message: string } {
  const slash = place.indexOf('/');
  const id = slash >= 0 ? place.slice(slash + 1) : place;
  const found = places[id];
  if (found && found.kind !== 'nat' && (slash < 0 || (found.kind === 'pod' && found.node === place.slice(0, slash)))) {
    return { ok: true, id, place: found };
  }
  const names = Object.entries(places).filter(([, p]) => p.kind === 'node' || p.kind === 'pod').map(([n]) => n);
  return { ok: false, message: `unknown place "${place}"; places: ${names.slice(0, 12).join(', ')}${names.length > 12 ? ', ...' : ''}` };
}

export function createNetnsBackend(opts: BackendOptions = {}): Backend {
  const prefix = opts.prefix ?? DEFAULT_PREFIX;
  const common = { prefix, ...(opts.stateDir !== undefined ? { stateDir: opts.stateDir } : {}) };
  let lab: LabModel | undefined;
  let clock = newFlannelClock();
  let applets: Promise<ReadonlySet<string>> | undefined;
  const upRecord = () => {
    const record = readRecord(recordPath(stateDirOf(opts.stateDir), prefix));
    return record && record.state === 'up' ? record : undefined;
  };
  return {
    name: 'netns',
    async up(model: LabModel, upOpts: UpOptions = {}): Promise<void> {
      // Idempotent: an identical lab that is already up (a previous `tracelab exec`) is connected to, with its state.
      await netnsUp(model, { ...common, ...upOpts, reuse: true });
      lab = model;
      clock = newFlannelClock();
    },
    async run(where: string, command: string): Promise<CommandResult> {
      if (lab) {
        const resolved = resolvePlace(lab, where);
        if (!resolved.ok) return { stdout: '', stderr: resolved.message + '\n', exitCode: 2 };
        where = resolved.device.id;
      }
      const record = upRecord();
      if (!record) {
        return { stdout: '', stderr: `no namespace lab with prefix ${prefix} is up (tracelab lab up --backend netns)\n`, exitCode: 2 };
      }
      const found = placeFromRecord(record.places, where);
      if (!found.ok) return { stdout: '', stderr: found.message + '\n', exitCode: 2 };
      const split = splitCommand(command);
      if (!split.ok) return { stdout: '', stderr: `cannot parse command: ${split.message}\n`, exitCode: 2 };
      // Commands run as root already: a leading sudo (as typed on a VM) is dropped, as the simulator drops it.
      let words = split.argv;
      while (words[0] === 'sudo') words = words.slice(1);
      if (words.length === 0) return { stdout: '', stderr: '', exitCode: 0 }; // an empty line, as a shell takes it
      const tool = toolArgv(found.place, words, await (applets ??= busyboxApplets()));
      if (!tool.ok) return tool.result;
      const argv = tool.argv;
      const uts = record.uts?.[found.place.ns];
      const enter = uts !== undefined ? ['nsenter', `--uts=${uts}`] : [];
      return runArgv([...enter, 'ip', 'netns', 'exec', found.place.ns, ...argv], { timeoutMs: RUN_TIMEOUT_MS });
    },
    /** Lab time passes: a real sleep of at most MAX_REAL_WAIT_MS, and flanneld's route reconciliation (flannel.ts). */
    async wait(ms: number): Promise<void> {
      const record = upRecord();
      if (!lab || !record) throw new Error(`no namespace lab with prefix ${prefix} is up in this backend`);
      await waitAndReconcile(lab, record.places, clock, ms);
    },
    async down(): Promise<void> {
      const summary = await netnsDown(common);
      lab = undefined;
      if (summary.problems.length > 0) throw new Error(`netns down left problems:\n${summary.problems.join('\n')}`);
    },
  };
}
