// The netns Backend: builds the lab in network namespaces and runs Linux commands at its places with `ip netns exec`.
import type { LabModel } from '../../topology/model.js';
import type { CommandResult } from '../../sim/trace.js';
import type { Backend, BackendOptions, UpOptions } from '../backend.js';
import { resolvePlace } from '../../topology/place.js';
import { splitCommand } from './argv.js';
import { runArgv } from './exec.js';
import { DEFAULT_PREFIX, netnsDown, netnsUp } from './lifecycle.js';
import type { PlannedPlace } from './plan.js';
import { readRecord, recordPath, stateDirOf } from './record.js';

/** Commands that a busybox image provides as busybox applets (its traceroute and ping print differently). */
export const BUSYBOX_APPLETS: ReadonlySet<string> = new Set([
  'traceroute', 'ping', 'nc', 'wget', 'nslookup', 'ip', 'ifconfig', 'route', 'netstat', 'arp', 'hostname', 'cat', 'ls',
]);

/** Longest a command may run before it is killed (exit 124). */
export const RUN_TIMEOUT_MS = 300_000;

/** The argv actually run for COMMAND at a place: busybox pods get busybox's applets. */
export function toolArgv(place: Pick<PlannedPlace, 'image'>, argv: readonly string[]): string[] {
  const image = place.image ?? '';
  const isBusybox = /^(.*\/)?busybox(:.*)?$/.test(image);
  if (isBusybox && argv.length > 0 && BUSYBOX_APPLETS.has(argv[0]!)) return ['busybox', ...argv];
  return [...argv];
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
  return {
    name: 'netns',
    async up(model: LabModel, upOpts: UpOptions = {}): Promise<void> {
      await netnsUp(model, { ...common, ...upOpts });
      lab = model;
    },
    async run(where: string, command: string): Promise<CommandResult> {
      if (lab) {
        const resolved = resolvePlace(lab, where);
        if (!resolved.ok) return { stdout: '', stderr: resolved.message + '\n', exitCode: 2 };
        where = resolved.device.id;
      }
      const record = readRecord(recordPath(stateDirOf(opts.stateDir), prefix));
      if (!record || record.state !== 'up') {
        return { stdout: '', stderr: `no namespace lab with prefix ${prefix} is up (tracelab lab up --backend netns)\n`, exitCode: 2 };
      }
      const found = placeFromRecord(record.places, where);
      if (!found.ok) return { stdout: '', stderr: found.message + '\n', exitCode: 2 };
      const split = splitCommand(command);
      if (!split.ok) return { stdout: '', stderr: `cannot parse command: ${split.message}\n`, exitCode: 2 };
      if (split.argv.length === 0) return { stdout: '', stderr: 'empty command\n', exitCode: 2 };
      const argv = toolArgv(found.place, split.argv);
      const uts = record.uts?.[found.place.ns];
      const enter = uts !== undefined ? ['nsenter', `--uts=${uts}`] : [];
      return runArgv([...enter, 'ip', 'netns', 'exec', found.place.ns, ...argv], { timeoutMs: RUN_TIMEOUT_MS });
    },
    async down(): Promise<void> {
      const summary = await netnsDown(common);
      lab = undefined;
      if (summary.problems.length > 0) throw new Error(`netns down left problems:\n${summary.problems.join('\n')}`);
    },
  };
}
