// The netns Backend: builds the lab in network namespaces and runs Linux commands at its places with `ip netns exec`.
import { hasTool, notFound } from '../../topology/images.js';
import type { LabModel } from '../../topology/model.js';
import type { CommandResult } from '../../topology/trace.js';
import { deviceAt, notABackgroundJob, UsageError, type Backend, type BackendOptions, type BackendStatus, type TappedResult, type TapSpec, type UpOptions } from '../backend.js';
import { runTappedNetns, startNetnsJob } from './capture.js';
import { placeOf, resolvePlace } from '../../topology/place.js';
import { debugImageOf } from '../../topology/debug-container.js';
import { commandWords } from '../../sim/words.js';
import { notModelledRefusal } from '../../sim/commands/not-modelled.js';
import { endlessPing, startNetnsPing } from './ping-job.js';
import { preflight } from './preflight.js';
import { runArgv } from '../process.js';
import { DEFAULT_PREFIX, formatStatus, netnsDown, netnsStatus, netnsUp } from './lifecycle.js';
import { newFlannelClock, waitAndReconcile } from './flannel.js';
import { NetnsKubectl } from './kubectl.js';
import { kubectlStatePath } from './kubectl-state.js';
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
export function toolArgv(place: Pick<PlannedPlace, 'toolset' | 'kind' | 'image'>, argv: readonly string[], applets: ReadonlySet<string>): { ok: true; argv: string[] } | { ok: false; result: CommandResult } {
  const program = argv[0];
  // L4 clients the place's image lacks (topology/images.ts) are not there, whatever this host has.
  if (program !== undefined && place.kind !== undefined && !hasTool(place, program)) return { ok: false, result: notFound(place, program) };
  if (place.toolset !== 'busybox' || program === undefined || program === 'busybox') return { ok: true, argv: [...argv] };
  if (applets.has(program)) return { ok: true, argv: ['busybox', ...argv] };
  return { ok: false, result: { stdout: '', stderr: `sh: ${program}: not found\n`, exitCode: 127 } };
}

/** The place WHERE names in the lab (a device id, or a debug container's `ID+IMAGE`); without a lab, WHERE itself. */
function placeIn(lab: LabModel | undefined, where: string): string {
  if (!lab) return where;
  const device = deviceAt(lab, 'netns', where);
  return debugImageOf(device) === undefined ? device.id : placeOf({ id: device.id, kind: device.kind, debugImage: debugImageOf(device) });
}

/** Finds a place among the recorded places (a node, a pod, node/pod, the host or an external host); unknown: UsageError. */
export function placeFromRecord(places: Readonly<Record<string, PlannedPlace>>, place: string): { id: string; place: PlannedPlace } {
  const devices = Object.entries(places).map(([id, p]) => ({ ...p, id }));
  const where = resolvePlace({ devices, device: (id) => devices.find((d) => d.id === id) }, place);
  if (!where.ok) throw new UsageError(where.message);
  const own = places[where.device.id]!;
  // A debug container (POD+IMAGE): the pod's namespace, the debug image's tools.
  const { image, toolset } = where.device;
  return { id: where.device.id, place: debugImageOf(where.device) === undefined ? own : { ...own, toolset, ...(image !== undefined ? { image } : {}) } };
}

/**
 * The argv that runs COMMAND at a recorded place: in its namespace (and UTS namespace, for its hostname), with the
 * place's tools; or the result when nothing is to be run (a syntax error, an empty line, a program not there).
 */
export function placeArgv(place: PlannedPlace, uts: string | undefined, command: string, applets: ReadonlySet<string>): { ok: true; argv: string[] } | { ok: false; result: CommandResult } {
  const parsed = commandWords(command);
  if (!parsed.ok) return parsed;
  if (parsed.words.length === 0) return { ok: false, result: { stdout: '', stderr: '', exitCode: 0 } }; // an empty line, as a shell takes it
  const tool = toolArgv(place, parsed.words, applets);
  if (!tool.ok) return tool;
  // What the simulator refuses by its words alone is refused here too, with its words and exit code, not run.
  const refused = notModelledRefusal(parsed.words);
  if (refused) return { ok: false, result: refused };
  const enter = uts !== undefined ? ['nsenter', `--uts=${uts}`] : [];
  return { ok: true, argv: [...enter, 'ip', 'netns', 'exec', place.ns, ...tool.argv] };
}

const NO_APPLETS: ReadonlySet<string> = new Set();

export function createNetnsBackend(opts: BackendOptions = {}): Backend {
  const prefix = opts.prefix ?? DEFAULT_PREFIX;
  const common = { prefix, ...(opts.stateDir !== undefined ? { stateDir: opts.stateDir } : {}) };
  let lab: LabModel | undefined;
  let clock = newFlannelClock();
  let applets: Promise<ReadonlySet<string>> | undefined;
  let kubectl: NetnsKubectl | undefined;
  const upRecord = () => {
    const record = readRecord(recordPath(stateDirOf(opts.stateDir), prefix));
    return record && record.state === 'up' ? record : undefined;
  };
  return {
    name: 'netns',
    /** Root and the tools (netns/preflight.ts); the answer also lists what is missing. */
    preflight: async () => preflight(),
    async up(model: LabModel, upOpts: UpOptions = {}): Promise<void> {
      // Idempotent: an identical lab that is already up (a previous `tracelab exec`) is connected to, with its state.
      await netnsUp(model, { ...common, ...upOpts, reuse: true });
      lab = model;
      clock = newFlannelClock();
      kubectl = new NetnsKubectl(model, kubectlStatePath(recordPath(stateDirOf(opts.stateDir), prefix)));
    },
    /** Runs at a place of the lab this backend brought up, or (without up) of the lab recorded under its prefix. */
    async run(where: string, command: string): Promise<CommandResult> {
      const id = placeIn(lab, where);
      const record = upRecord();
      if (!record) {
        return { stdout: '', stderr: `no namespace lab with prefix ${prefix} is up (tracelab lab up --backend netns)\n`, exitCode: 2 };
      }
      const kube = await kubectl?.run(id, command, record);
      if (kube) return kube.kind === 'done' ? kube.result : this.run(kube.device, kube.command);
      const { place } = placeFromRecord(record.places, id);
      const tools = place.toolset === 'busybox' ? await (applets ??= busyboxApplets()) : NO_APPLETS;
      const run = placeArgv(place, record.uts?.[place.ns], command, tools);
      return run.ok ? runArgv(run.argv, { timeoutMs: RUN_TIMEOUT_MS }) : run.result;
    },
    /** The real tcpdump at each tap's namespace while the command runs (capture.ts). */
    async runTapped(where: string, command: string, taps: readonly TapSpec[], filter: string): Promise<TappedResult> {
      const record = upRecord();
      if (!record) return { result: await this.run(where, command), taps: [] };
      const nsTaps = taps.map((t) => ({ ...t, ns: placeFromRecord(record.places, placeIn(lab, t.place)).place.ns }));
      return runTappedNetns(nsTaps, filter, () => this.run(where, command));
    },
    /** `tcpdump ... &` in the place's namespace (capture.ts); other programs are not run in the background. */
    async startJob(where: string, command: string) {
      const record = upRecord();
      const words = commandWords(command);
      if (!words.ok) return { ok: false as const, result: words.result };
      if (words.words[0] !== 'tcpdump') return { ok: false as const, result: notABackgroundJob(words.words[0] ?? '') };
      if (!record) return { ok: false as const, result: await this.run(where, command) };
      const { place } = placeFromRecord(record.places, placeIn(lab, where));
      // On a terminal tcpdump's lines come as packets do; to our pipe they would be block-buffered: -l and immediate mode.
      const run = placeArgv(place, record.uts?.[place.ns], command.replace(/^tcpdump\b/, 'tcpdump -l --immediate-mode'), NO_APPLETS);
      return run.ok ? startNetnsJob(run.argv) : { ok: false as const, result: run.result };
    },
    /** ping without -c/-w: the real one in the place's namespace until Ctrl-C (ping-job.ts). */
    async startUntilInterrupted(where: string, command: string) {
      const record = upRecord();
      const words = commandWords(command);
      if (!record || !words.ok) return undefined;
      const { place } = placeFromRecord(record.places, placeIn(lab, where));
      if (!endlessPing(words.words, place.toolset === 'busybox')) return undefined;
      const tools = place.toolset === 'busybox' ? await (applets ??= busyboxApplets()) : NO_APPLETS;
      const run = placeArgv(place, record.uts?.[place.ns], command, tools);
      return run.ok ? startNetnsPing(run.argv) : { ok: false as const, result: run.result };
    },
    /** Lab time passes: a real sleep of at most MAX_REAL_WAIT_MS, and flanneld's route reconciliation (flannel.ts). */
    async wait(ms: number): Promise<void> {
      const record = upRecord();
      if (!lab || !record) throw new Error(`no namespace lab with prefix ${prefix} is up in this backend`);
      await waitAndReconcile(lab, record.places, clock, ms);
    },
    async status(): Promise<BackendStatus> {
      const status = await netnsStatus(common);
      return { up: status.record !== undefined, text: formatStatus(status) };
    },
    async down(): Promise<void> {
      const summary = await netnsDown(common);
      lab = undefined;
      kubectl = undefined;
      if (summary.problems.length > 0) throw new Error(`netns down left problems:\n${summary.problems.join('\n')}`);
    },
  };
}
