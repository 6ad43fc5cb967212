// The one Backend interface every way of realising a lab implements (sim, netns, vagrant, kubectl).
import type { LabModel } from '../topology/model.js';
import type { CommandResult } from '../topology/trace.js';

export type BackendName = 'sim' | 'netns' | 'vagrant' | 'kubectl';

export interface UpOptions {
  /** Progress lines for large labs ("12/300 namespaces"). */
  readonly progress?: (line: string) => void;
  /** Aborts a build half-way; the backend cleans up what it made. */
  readonly signal?: AbortSignal;
}

export interface Backend {
  readonly name: BackendName;
  /** Build or connect to the lab; idempotent. */
  up(lab: LabModel, opts?: UpOptions): Promise<void>;
  /** Run a Linux command at a place (a node name, a pod name, or node/pod); output in the real tool's format. */
  run(place: string, command: string): Promise<CommandResult>;
  /** Lets time pass (a scenario's `wait: 15s`): controllers such as Flannel reconcile meanwhile. */
  wait?(ms: number): Promise<void>;
  /** Tear down: leaves nothing behind. */
  down(): Promise<void>;
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

/** A usage error the CLI prints as one line and exits 2 for. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
