// The one Backend interface every way of realising a lab implements (sim, netns, vagrant, kubectl).
import type { Device, LabModel } from '../topology/model.js';
import { resolvePlace } from '../topology/place.js';
import type { CommandResult } from '../topology/trace.js';

export type BackendName = 'sim' | 'netns' | 'vagrant' | 'kubectl';

export interface UpOptions {
  /** Progress lines for large labs ("12/300 namespaces"). */
  readonly progress?: (line: string) => void;
  /** Aborts a build half-way; the backend cleans up what it made. */
  readonly signal?: AbortSignal;
}

/** Whether a backend can work here; `message` says exactly what is missing and how to fix it (empty when ok). */
export interface Preflight {
  readonly ok: boolean;
  readonly message: string;
}

/** What a backend's lab looks like now, as `tracelab lab status` prints it. */
export interface BackendStatus {
  /** A lab is there and whole (`lab status` exits 0). */
  readonly up: boolean;
  /** Lines for a person, ending in a newline. */
  readonly text: string;
}

export interface Backend {
  readonly name: BackendName;
  /** Checks what the backend needs (root, tools, programs) before anything is built; never throws for a missing one. */
  preflight(): Promise<Preflight>;
  /** Build or connect to the lab; idempotent. */
  up(lab: LabModel, opts?: UpOptions): Promise<void>;
  /**
   * Run a Linux command at a place (a node name, a pod name, or node/pod); output in the real tool's format.
   * An unknown place is a UsageError on every backend.
   */
  run(place: string, command: string): Promise<CommandResult>;
  /**
   * Runs a command while tcpdump listens at each tap (`PLACE:IFACE`, FILTER for all): the command's result, each
   * tap's tcpdump text, and (`pcap`) all tapped frames as one pcap file. Backends that cannot capture leave it out.
   */
  runTapped?(place: string, command: string, taps: readonly TapSpec[], filter: string): Promise<TappedResult>;
  /**
   * Starts COMMAND (a capture: `tcpdump ...`) in the background at a place, as `COMMAND &` in a shell: the job, or
   * the command's own error. Backends that cannot run background jobs leave it out.
   */
  startJob?(place: string, command: string): Promise<{ ok: true; job: BackgroundJob } | { ok: false; result: CommandResult }>;
  /**
   * Starts COMMAND in the foreground when it runs until Ctrl-C (`ping` without -c/-w): undefined when it is not such a
   * command (run it as usual), else the job or the command's own error. Backends without it run such commands as usual.
   */
  startUntilInterrupted?(place: string, command: string): Promise<{ ok: true; job: ForegroundJob } | { ok: false; result: CommandResult } | undefined>;
  /** Lets time pass (a scenario's `wait: 15s`): controllers such as Flannel reconcile meanwhile. */
  wait(ms: number): Promise<void>;
  /** The lab as it is now (it may have been built by another process, e.g. `tracelab lab up`). */
  status(): Promise<BackendStatus>;
  /** Tear down: leaves nothing behind. */
  down(): Promise<void>;
}

/** A command running in the foreground until Ctrl-C: its first lines, one interval at a time, and its end. */
export interface ForegroundJob {
  readonly header: string;
  /** One interval passes (a simulated second for ping): what it printed meanwhile. */
  tick(): Promise<string>;
  /** Ctrl-C: what it printed before the signal (`before`), the rest (ping's statistics) and its exit status. */
  interrupt(): Promise<CommandResult & { readonly before?: string }>;
}

/** Where a capture listens: a place and one of its interfaces (or `any`). */
export interface TapSpec {
  readonly place: string;
  readonly iface: string;
}

/** A command's result with what each tap's tcpdump printed (stdout: packet lines; stderr: header and trailer). */
export interface TappedResult {
  readonly result: CommandResult;
  readonly taps: readonly (TapSpec & { readonly stdout: string; readonly stderr: string; readonly exitCode: number })[];
  /** Every tapped frame as one pcap file, when the backend can produce it. */
  readonly pcap?: Uint8Array;
}

/** A command running in the background (the training shell's `tcpdump ... &`). */
export interface BackgroundJob {
  /** What it printed on stderr when it started (tcpdump's `listening on ...`). */
  readonly header: string;
  /** Its standard output since the last call (packet lines as they come). */
  output(): Promise<string>;
  /** Whether it ended by itself (tcpdump -c N). */
  done(): boolean;
  /** Stops it as Ctrl-C does and returns the rest of its output and its trailer. */
  stop(): Promise<CommandResult>;
}

/** Why `PROGRAM ... &` is refused: only captures run in the background (the training shell's job control). */
export function notABackgroundJob(program: string): CommandResult {
  return { stdout: '', stderr: `sh: ${program} &: only tcpdump runs in the background in the tracelab training shell\n`, exitCode: 3 };
}

/** The device PLACE names in the lab a backend was brought up with; no lab or an unknown place is a UsageError. */
export function deviceAt(lab: LabModel | undefined, backend: BackendName, place: string): Device {
  if (!lab) throw new UsageError(`the ${backend} backend has no lab: call up(lab) first`);
  const where = resolvePlace(lab, place);
  if (!where.ok) throw new UsageError(where.message);
  return where.device;
}

/** Lets real time pass: on a real cluster, controllers reconcile on their own clock. */
export function sleepFor(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

/** Options every backend factory receives; each backend reads the ones it understands. */
export interface BackendOptions {
  /** Seed for the simulator's RTT model. */
  readonly seed?: number;
  /** Namespace/VM name prefix for the netns and vagrant labs. */
  readonly prefix?: string;
  readonly kubeconfig?: string;
  readonly context?: string;
  /** Working directory for state files (recorded namespaces, rendered inventories). */
  readonly stateDir?: string;
}

export type BackendFactory = (opts: BackendOptions) => Backend;

import { UsageError } from '../topology/usage-error.js';

export { UsageError };
