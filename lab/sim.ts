// The simulator backend: the embedded default; no root, no VMs, deterministic for a seed.
import type { LabModel } from '../topology/model.js';
import { Simulator } from '../sim/simulator.js';
import type { CommandResult } from '../topology/trace.js';
import { deviceAt, notABackgroundJob, UsageError, type Backend, type BackendOptions, type BackendStatus, type Preflight, type TappedResult, type TapSpec } from './backend.js';
import { commandWords } from '../sim/words.js';
import { lazyFunction } from '../sim/lazy.js';
import { hasTool, notFound } from '../topology/images.js';
import type { BackgroundJob, ForegroundJob } from './backend.js';
import { inContainer, runInContainer } from '../sim/debug-container.js';

// The capture code, loaded when a tap or a background tcpdump is asked for; through sim/lazy.ts like the simulator's
// own programs, so that no module is ever both required (the tcpdump command) and imported asynchronously at once.
type Oneshot = typeof import('../sim/capture/oneshot.js');
type Tcpdump = typeof import('../sim/capture/tcpdump.js');
const runTapped = lazyFunction<Oneshot, 'runTapped'>(import.meta.url, '../sim/capture/oneshot.js', 'runTapped');
const parseTcpdump = lazyFunction<Tcpdump, 'parseTcpdump'>(import.meta.url, '../sim/capture/tcpdump.js', 'parseTcpdump');
const startTcpdump = lazyFunction<Tcpdump, 'startTcpdump'>(import.meta.url, '../sim/capture/tcpdump.js', 'startTcpdump');
type PingJob = typeof import('../sim/tools/ping-job.js');
const startPingJob = lazyFunction<PingJob, 'startPingJob'>(import.meta.url, '../sim/tools/ping-job.js', 'startPingJob');

export class SimBackend implements Backend {
  readonly name = 'sim' as const;
  private simulator?: Simulator;

  constructor(private readonly opts: BackendOptions = {}) {}

  /** The running simulator (after up). */
  get sim(): Simulator {
    if (!this.simulator) throw new UsageError('the simulator lab is not up');
    return this.simulator;
  }

  /** The simulator needs nothing from the machine. */
  async preflight(): Promise<Preflight> {
    return { ok: true, message: '' };
  }

  async up(lab: LabModel): Promise<void> {
    if (this.simulator?.model !== lab) this.simulator = new Simulator(lab, { seed: this.opts.seed });
  }

  /** Synchronous run, for library users and tests that want no promises. */
  runSync(place: string, command: string): CommandResult {
    const sim = this.sim;
    return runInContainer(sim, deviceAt(sim.model, this.name, place), command);
  }

  async run(place: string, command: string): Promise<CommandResult> {
    return this.runSync(place, command);
  }

  async runTapped(place: string, command: string, taps: readonly TapSpec[], filter: string): Promise<TappedResult> {
    const sim = this.sim;
    const at = (p: string) => deviceAt(sim.model, this.name, p).id;
    const tapped = taps.map((t) => ({ device: at(t.place), iface: t.iface }));
    const ran = inContainer(sim, deviceAt(sim.model, this.name, place), (id) => runTapped(sim, id, command, tapped, filter));
    return { result: ran.result, taps: ran.taps.map((t, k) => ({ ...taps[k]!, ...t })), pcap: ran.pcap };
  }

  /** `tcpdump ... &`: a capture that listens while later commands run (other programs are not run in the background). */
  async startJob(place: string, command: string): Promise<{ ok: true; job: BackgroundJob } | { ok: false; result: CommandResult }> {
    const sim = this.sim;
    return inContainer(sim, deviceAt(sim.model, this.name, place), (device) => this.startTcpdumpAt(device, command));
  }

  private startTcpdumpAt(device: string, command: string): { ok: true; job: BackgroundJob } | { ok: false; result: CommandResult } {
    const sim = this.sim;
    const words = commandWords(command);
    if (!words.ok) return { ok: false, result: words.result };
    if (words.words[0] !== 'tcpdump') return { ok: false, result: notABackgroundJob(words.words[0] ?? '') };
    const at = sim.dp.state(device).device;
    if (!hasTool(at, 'tcpdump')) return { ok: false, result: notFound(at, 'tcpdump') };
    const parsed = parseTcpdump(words.words.slice(1));
    if (!parsed.ok) return { ok: false, result: parsed.result };
    if (parsed.opts.readFile !== undefined) return { ok: false, result: sim.run(device, command) };
    const started = startTcpdump(sim.dp, device, parsed.opts);
    if (!started.ok) return started;
    const t = started.job;
    return { ok: true, job: { header: t.header, output: async () => t.flush(), done: () => t.done(), stop: async () => t.stop(!t.done()) } };
  }

  /** ping without -c/-w (iputils, or busybox's applet in busybox pods): one request per tick on the simulated clock until interrupted. */
  async startUntilInterrupted(place: string, command: string): Promise<{ ok: true; job: ForegroundJob } | { ok: false; result: CommandResult } | undefined> {
    const sim = this.sim;
    const at = deviceAt(sim.model, this.name, place);
    const words = commandWords(command);
    if (!words.ok) return undefined;
    const [program, ...args] = words.words;
    if (program !== 'ping') return undefined;
    if (!hasTool(at, 'ping')) return { ok: false, result: notFound(at, 'ping') };
    const started = inContainer(sim, at, (device) => startPingJob(args, sim.toolContext(device), at.toolset === 'busybox'));
    if (!started?.ok) return started;
    const j = started.job;
    return { ok: true, job: { header: j.header, tick: async () => j.step(), interrupt: async () => j.stop() } };
  }

  async wait(ms: number): Promise<void> {
    this.sim.advance(ms);
  }

  async status(): Promise<BackendStatus> {
    const sim = this.simulator;
    if (!sim) return { up: false, text: 'the simulator lab is not up (it lives in this process only)\n' };
    return { up: true, text: `lab ${sim.model.name} on the simulator (seed ${this.opts.seed ?? 1}), lab time ${sim.dp.nowMs} ms\n` };
  }

  async down(): Promise<void> {
    this.simulator = undefined;
  }
}

export function createSimBackend(opts: BackendOptions = {}): SimBackend {
  return new SimBackend(opts);
}
