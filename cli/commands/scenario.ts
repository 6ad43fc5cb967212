// `tracelab scenario run|list|show`: parse flags, call lab/scenario, print; exit 1 on a failed scenario, 2 on bad input.
import { writeFileSync } from 'node:fs';
import type { Argv, CommandModule } from 'yargs';
import { UsageError } from '../../lab/backend.js';
import { createBackend } from '../../lab/backends.js';
import {
  formatJunit, formatList, formatResultText, formatShow, loadScenarios, reportJson, runScenarios, scenarioLibraryDir,
  summaryLine, type Scenario,
} from '../../lab/scenario/index.js';
import { backendOptionsFrom, processIo, withClusterOptions, type CommandIo } from '../common.js';
import { SourceError } from '../../topology/yaml-source.js';

export interface ScenarioArgs {
  readonly action: string;
  readonly targets?: readonly string[];
  readonly backend: string;
  readonly seed?: number;
  readonly prefix?: string;
  readonly kubeconfig?: string;
  readonly context?: string;
  readonly json?: boolean;
  readonly junit?: string;
}

export type ScenarioIo = CommandIo;

export const scenarioCommand: CommandModule<object, ScenarioArgs> = {
  command: 'scenario <action> [targets..]',
  describe: 'Fault scenarios: `run [FILES|DIRS...]`, `list`, `show NAME`',
  builder: (yargs: Argv<object>) =>
    withClusterOptions(yargs)
      .positional('action', { choices: ['run', 'list', 'show'], demandOption: true, describe: 'run, list or show' })
      .positional('targets', { type: 'string', array: true, describe: 'run/list: scenario files or directories (default: the library); show: a scenario name' })
      .option('backend', { type: 'string', default: 'sim', describe: 'backend to run on (sim, netns, vagrant, kubectl)' })
      .option('seed', { type: 'number', describe: 'seed of the simulator\'s RTT model' })
      .option('prefix', { type: 'string', describe: 'namespace/VM prefix for real-lab backends' })
      .option('json', { type: 'boolean', describe: 'print results as JSON' })
      .option('junit', { type: 'string', describe: 'also write JUnit XML to FILE' })
      .example('$0 scenario run', 'run the whole library on the simulator')
      .example('$0 scenario run scenarios/forwarding-off-node-1.yaml --junit out.xml', 'one scenario, JUnit report')
      .example('$0 scenario show flannel-on-eth0', 'the brief, probes and hints of one scenario') as unknown as Argv<ScenarioArgs>,
  handler: async (args: ScenarioArgs) => {
    process.exitCode = await scenarioMain(args, processIo);
  },
};

/** The whole command as a function of its arguments: returns the exit status. */
export async function scenarioMain(args: ScenarioArgs, io: ScenarioIo): Promise<number> {
  try {
    if (args.action === 'run') return await runAction(args, io);
    if (args.action === 'list') {
      io.out(formatList(load(args.targets)));
      return 0;
    }
    if (args.action === 'show') return showAction(args, io);
    throw new UsageError(`unknown action "${args.action}" (run, list, show)`);
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

function load(targets: readonly string[] | undefined): Scenario[] {
  return loadScenarios(targets && targets.length > 0 ? targets : [scenarioLibraryDir()]);
}

async function runAction(args: ScenarioArgs, io: ScenarioIo): Promise<number> {
  const opts = backendOptionsFrom(args);
  const backend = createBackend(args.backend, opts); // unknown names fail here, before any scenario runs
  const scenarios = load(args.targets);
  const check = await backend.preflight();
  if (!check.ok) throw new UsageError(`the ${args.backend} backend cannot run here: ${check.message.split('\n').join('; ')}`);
  const report = await runScenarios(scenarios, () => createBackend(args.backend, opts), {
    onResult: args.json ? undefined : (r) => io.out(formatResultText(r)),
  });
  if (args.junit) {
    try {
      writeFileSync(args.junit, formatJunit(report));
    } catch (err) {
      throw new UsageError(`cannot write the JUnit report ${args.junit}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
  }
  io.out(args.json ? `${JSON.stringify(reportJson(report), null, 2)}\n` : `${summaryLine(report)}\n`);
  return report.failed > 0 ? 1 : 0;
}

function showAction(args: ScenarioArgs, io: ScenarioIo): number {
  const [name, ...rest] = args.targets ?? [];
  if (!name || rest.length > 0) throw new UsageError('scenario show takes one scenario name');
  const all = load(undefined);
  const found = all.find((s) => s.name === name);
  if (!found) throw new UsageError(`no scenario "${name}" (known: ${all.map((s) => s.name).join(', ')})`);
  io.out(formatShow(found));
  return 0;
}
