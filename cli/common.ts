// What every CLI command shares: the --lab/--seed/--json options, loading the lab, and printing command results.
import type { Argv } from 'yargs';
import { loadLab } from '../topology/compile.js';
import type { LabModel } from '../topology/model.js';
import { DEFAULT_LAB } from '../topology/paths.js';
import type { CommandResult } from '../topology/trace.js';

export interface LabOptions {
  readonly lab?: string;
  readonly seed?: number;
  readonly json?: boolean;
}

export function withLabOptions<T>(y: Argv<T>): Argv<T & LabOptions> {
  return y
    .option('lab', { type: 'string', describe: `lab name under topology/labs, or a lab file (default: ${DEFAULT_LAB})` })
    .option('seed', { type: 'number', describe: 'seed of the simulator\'s RTT model (default 1): same seed, same bytes' })
    .option('json', { type: 'boolean', describe: 'print data as JSON' }) as Argv<T & LabOptions>;
}

export function labFromArgs(args: LabOptions): LabModel {
  return loadLab(args.lab ?? DEFAULT_LAB);
}

export function write(text: string): void {
  process.stdout.write(text);
}

export function writeErr(text: string): void {
  process.stderr.write(text);
}

/** Prints a command's output as the tool would (stdout then stderr) and sets the exit code. */
export function printResult(result: CommandResult): void {
  if (result.stdout) write(result.stdout);
  if (result.stderr) writeErr(result.stderr);
  process.exitCode = result.exitCode;
}

/** Where a command writes: the process's streams, or a test's buffers. */
export interface CommandIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

export const processIo: CommandIo = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };

/** --kubeconfig and --context, for commands that can run on the kubectl backend. */
export function withClusterOptions<T>(y: Argv<T>): Argv<T & { kubeconfig?: string; context?: string }> {
  return y
    .option('kubeconfig', { type: 'string', describe: 'kubeconfig of the cluster (kubectl backend)' })
    .option('context', { type: 'string', describe: 'kubeconfig context (kubectl backend)' }) as Argv<T & { kubeconfig?: string; context?: string }>;
}

/** The backend options a command's flags carry (only those given). */
export function backendOptionsFrom(args: { seed?: number; prefix?: string; kubeconfig?: string; context?: string }): {
  seed?: number; prefix?: string; kubeconfig?: string; context?: string;
} {
  const out: { seed?: number; prefix?: string; kubeconfig?: string; context?: string } = {};
  if (args.seed !== undefined) out.seed = args.seed;
  if (args.prefix !== undefined) out.prefix = args.prefix;
  if (args.kubeconfig !== undefined) out.kubeconfig = args.kubeconfig;
  if (args.context !== undefined) out.context = args.context;
  return out;
}
