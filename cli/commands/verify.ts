// `tracelab verify [FILES|DIRS...] [--backend netns] [--prefix P] [--json]`: the simulator against a real backend, per scenario.
import type { Argv, CommandModule } from 'yargs';
import { UsageError } from '../../lab/backend.js';
import { createBackend } from '../../lab/backends.js';
import { preflight } from '../../lab/netns/exec.js';
import { netnsDown } from '../../lab/netns/lifecycle.js';
import { loadScenarios, scenarioLibraryDir } from '../../lab/scenario/index.js';
import { agreementLine, formatVerifyResult, verifyReportJson, verifyScenarios } from '../../lab/verify.js';
import { backendOptionsFrom, processIo, withClusterOptions, type CommandIo } from '../common.js';
import { SourceError } from '../../topology/yaml-source.js';
import { verifyGenerateMain } from '../verify-generate.js';

export interface VerifyArgs {
  readonly targets?: readonly string[];
  readonly backend: string;
  readonly prefix?: string;
  readonly kubeconfig?: string;
  readonly context?: string;
  readonly seed?: number;
  readonly json?: boolean;
  readonly retries?: number;
  readonly generate?: number;
  readonly out?: string;
  readonly shrinkRuns?: number;
}

export type VerifyIo = CommandIo;

export const verifyCommand: CommandModule<object, VerifyArgs> = {
  command: 'verify [targets..]',
  describe: 'Run scenarios on the simulator and on a real backend and compare the outputs (millisecond figures masked)',
  builder: (yargs: Argv<object>) =>
    withClusterOptions(yargs)
      .positional('targets', { type: 'string', array: true, describe: 'scenario files or directories (default: the library)' })
      .option('backend', { type: 'string', default: 'netns', describe: 'the backend the simulator is compared with' })
      .option('prefix', { type: 'string', describe: 'namespace prefix of the lab verify builds (netns)' })
      .option('seed', { type: 'number', describe: "seed of the simulator's RTT model (with --generate: of the generated cases too, default 1)" })
      .option('generate', { type: 'number', describe: 'run N generated labs, faults and probes instead of scenario files (netns, root)' })
      .option('out', { type: 'string', describe: 'with --generate: directory the shrunk disagreements are written to as scenario files' })
      .option('shrink-runs', { type: 'number', describe: 'with --generate: kernel runs one shrink may take (default 30)' })
      .option('json', { type: 'boolean', describe: 'print the results (with both outputs) as JSON' })
      .option('retries', { type: 'number', default: 1, describe: 'fresh kernel runs after a disagreement before it counts (timing flakes of the real tools are reported)' })
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

/** The whole command as a function of its arguments: 0 when every scenario agrees, 1 on a disagreement, 2 on bad input. */
export async function verifyMain(args: VerifyArgs, io: VerifyIo): Promise<number> {
  try {
    if (args.backend === 'sim') throw new UsageError('verify compares the simulator with a real backend: choose --backend netns (or vagrant, kubectl)');
    const subjectOpts = backendOptionsFrom({ ...args, seed: undefined });
    createBackend(args.backend, subjectOpts); // unknown names fail here, before any scenario runs
    if (args.backend === 'netns') {
      const check = preflight();
      if (!check.ok) throw new UsageError(`verify --backend netns: ${check.message.split('\n').join('; ')}`);
      // Every scenario starts from a freshly built lab: never from one a crashed run left behind.
      await netnsDown(subjectOpts);
    }
    if (args.generate !== undefined) return await withInterrupt(io, (signal) => verifyGenerateMain({ ...args, generate: args.generate! }, io, signal));
    const targets = args.targets && args.targets.length > 0 ? args.targets : [scenarioLibraryDir()];
    const scenarios = loadScenarios(targets);
    if (scenarios.length === 0) throw new UsageError(`no scenario files in ${targets.join(', ')}`);
    const report = await withInterrupt(io, (signal) => verifyScenarios(scenarios, {
      signal,
      makeReference: () => createBackend('sim', { ...(args.seed !== undefined ? { seed: args.seed } : {}) }),
      makeSubject: () => createBackend(args.backend, subjectOpts),
      retries: Math.max(0, Math.floor(args.retries ?? 1)),
      ...(args.json ? {} : { onResult: (r) => io.out(formatVerifyResult(r, 'sim', args.backend)) }),
    }));
    io.out(args.json ? `${JSON.stringify(verifyReportJson(report), null, 2)}\n` : `${agreementLine(report)}${report.interrupted ? ` (interrupted after ${report.total} of ${scenarios.length})` : ''}\n`);
    if (report.interrupted) return 130;
    return report.agreed === report.total ? 0 : 1;
  } catch (err) {
    if (err instanceof SourceError) {
      io.err(`${err.message}\n`);
      return 2;
    }
    if (err instanceof UsageError) {
      io.err(`tracelab: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
}
