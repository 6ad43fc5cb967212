// `tracelab verify [FILES|DIRS...] [--backend netns] [--prefix P] [--json]`: the simulator against a real backend, per scenario.
import type { Argv, CommandModule } from 'yargs';
import { COMMAND_LINES } from './lines.js';
import { UsageError } from '../../lab/backend.js';
import { networkOnlyScenarios } from '../../lab/lxc/verify-filter.js';
import { createBackend } from '../../lab/backends.js';
import { forTerminal } from '../../lab/io/terminal-text.js';
import { loadScenarios, scenarioLibraryDir } from '../../lab/scenario/index.js';
import { agreementLine, formatVerifyResult, verifyReportJson, verifyScenarios } from '../../lab/verify.js';
import { processIo, type CommandIo } from '../common.js';
import { backendOptionsFrom, withBackendOptions, withWholeNumber, withSeedOption, type BackendArgs } from '../options.js';
import { verifyGenerateMain } from '../verify-generate.js';

/** The most fresh kernel runs --retries asks for after a disagreement. */
const MAX_RETRIES = 20;

export interface VerifyArgs extends BackendArgs {
  readonly targets?: readonly string[];
  readonly json?: boolean;
  readonly retries?: number;
  readonly generate?: number;
  readonly out?: string;
  readonly shrinkRuns?: number;
}

export type VerifyIo = CommandIo;

/** The most generated cases one run takes, and the most kernel runs one shrink may take. */
const MAX_GENERATE = 100_000;
const MAX_SHRINK_RUNS = 1_000;

/** --generate N and --shrink-runs N (whole numbers, checked before anything runs); --out is a plain string. */
function withGenerateOptions<T>(y: Argv<T>): Argv<T & { generate?: number; shrinkRuns?: number }> {
  return withWholeNumber(
    withWholeNumber(y, 'generate', { min: 1, max: MAX_GENERATE }, `run N (1 to ${MAX_GENERATE}) generated labs, faults and probes instead of scenario files (netns, root); --seed picks them (default 1)`),
    'shrink-runs', { min: 0, max: MAX_SHRINK_RUNS }, `with --generate: kernel runs one shrink may take (0 to ${MAX_SHRINK_RUNS}, default 30)`,
  ) as unknown as Argv<T & { generate?: number; shrinkRuns?: number }>;
}

export const verifyCommand: CommandModule<object, VerifyArgs> = {
  ...COMMAND_LINES.verify,
  builder: (yargs: Argv<object>) =>
    withGenerateOptions(withWholeNumber(withSeedOption(withBackendOptions(yargs, { default: 'netns', describe: 'the backend the simulator is compared with' })), 'retries',
      { min: 0, max: MAX_RETRIES, default: 1 }, `fresh kernel runs after a disagreement before it counts, 0 to ${MAX_RETRIES} (timing flakes of the real tools are reported)`))
      .positional('targets', { type: 'string', array: true, describe: 'scenario files or directories (default: the library)' })
      .option('out', { type: 'string', describe: 'with --generate: directory the shrunk disagreements are written to as scenario files' })
      .option('json', { type: 'boolean', describe: 'print the results (with both outputs) as JSON' })
      .example('$0 verify scenarios/', 'every scenario on the simulator and in network namespaces (root)')
      .example('$0 verify scenarios/forwarding-off-node-1.yaml --prefix tlv1', 'one scenario, in namespaces named tlv1-*')
      .example('$0 verify --generate 300 --seed 1 --out found/', 'generated cases; shrunk disagreements kept under found/') as unknown as Argv<VerifyArgs>,
  handler: async (args: VerifyArgs) => {
    process.exitCode = await verifyMain(args, processIo);
  },
};

/**
 * Runs RUN with a signal Ctrl-C aborts: the running scenario or case finishes and takes its lab down, then verify
 * stops (a second Ctrl-C exits at once; its lab is then removed by the next verify or by `tracelab lab down`).
 */
async function withInterrupt<T>(io: VerifyIo, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const stop = new AbortController();
  const onSignal = (): void => {
    if (stop.signal.aborted) process.exit(130);
    io.err('tracelab: interrupted; finishing the running scenario and taking its lab down\n');
    stop.abort();
  };
  process.on('SIGINT', onSignal);
  return run(stop.signal).finally(() => process.off('SIGINT', onSignal));
}

/** The whole command as a function of its arguments: 0 when every scenario agrees, 1 on a disagreement; bad input throws. */
export async function verifyMain(args: VerifyArgs, io: VerifyIo): Promise<number> {
  if (args.backend === 'sim') throw new UsageError('verify compares the simulator with a real backend: choose --backend netns (or vagrant, kubectl)');
  if (args.generate === undefined && (args.out !== undefined || args.shrinkRuns !== undefined)) throw new UsageError('--out and --shrink-runs go with --generate N');
  if (args.generate !== undefined && args.backend !== 'netns') throw new UsageError('verify --generate builds its labs in network namespaces: use --backend netns');
  const subjectOpts = backendOptionsFrom({ ...args, seed: undefined });
  const subject = createBackend(args.backend, subjectOpts); // unknown names fail here, before any scenario runs
  const check = await subject.preflight();
  if (!check.ok) throw new UsageError(`verify --backend ${args.backend}: ${check.message.split('\n').join('; ')}`);
  // Every scenario starts from a freshly built lab: never from one a crashed run left behind.
  await subject.down();
  if (args.generate !== undefined) return await withInterrupt(io, (signal) => verifyGenerateMain({ ...args, generate: args.generate! }, io, signal));

  const targets = args.targets && args.targets.length > 0 ? args.targets : [scenarioLibraryDir()];
  const loaded = loadScenarios(targets);
  if (loaded.length === 0) throw new UsageError(`no scenario files in ${targets.join(', ')}`);
  const scenarios = args.backend === 'vagrant' ? networkOnlyScenarios(loaded, subjectOpts, io) : loaded;
  const report = await withInterrupt(io, (signal) => verifyScenarios(scenarios, {
    signal,
    makeReference: () => createBackend('sim', { ...(args.seed !== undefined ? { seed: args.seed } : {}) }),
    makeSubject: () => createBackend(args.backend, subjectOpts),
    retries: args.retries ?? 1,
    ...(args.json ? {} : { onResult: (r) => io.out(forTerminal(formatVerifyResult(r, 'sim', args.backend))) }),
  }));
  io.out(args.json ? `${JSON.stringify(verifyReportJson(report), null, 2)}\n` : `${agreementLine(report)}${report.interrupted ? ` (interrupted after ${report.total} of ${scenarios.length})` : ''}\n`);
  if (report.interrupted) return 130;
  return report.agreed === report.total ? 0 : 1;
}
