// The simulator backend: the embedded default; no root, no VMs, deterministic for a seed.
import { resolvePlace } from '../topology/place.js';
import type { LabModel } from '../topology/model.js';
import { Simulator } from '../sim/simulator.js';
import type { CommandResult } from '../topology/trace.js';
import { UsageError, type Backend, type BackendOptions } from './backend.js';

export class SimBackend implements Backend {
  readonly name = 'sim' as const;
  private simulator?: Simulator;

  constructor(private readonly opts: BackendOptions = {}) {}

  /** The running simulator (after up). */
  get sim(): Simulator {
    if (!this.simulator) throw new UsageError('the simulator lab is not up');
    return this.simulator;
  }

  async up(lab: LabModel): Promise<void> {
    if (this.simulator?.model !== lab) this.simulator = new Simulator(lab, { seed: this.opts.seed });
  }

  /** Synchronous run, for library users and tests that want no promises. */
  runSync(place: string, command: string): CommandResult {
    const sim = this.sim;
    const where = resolvePlace(sim.model, place);
    if (!where.ok) return { stdout: '', stderr: `tracelab: ${where.message}\n`, exitCode: 2 };
    return sim.run(where.device.id, command);
  }

  async run(place: string, command: string): Promise<CommandResult> {
    return this.runSync(place, command);
  }

  async wait(ms: number): Promise<void> {
    this.sim.advance(ms);
  }

  async down(): Promise<void> {
    this.simulator = undefined;
  }
}

export function createSimBackend(opts: BackendOptions = {}): SimBackend {
  return new SimBackend(opts);
}
