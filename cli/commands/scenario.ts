// `tracelab scenario run|list|show`: parse flags, call lab/scenario, print; exit 1 on a failed scenario, 2 on bad input.
import type { Argv, CommandModule } from 'yargs';
import { COMMAND_LINES } from './lines.js';
import { UsageError } from '../../lab/backend.js';
import { writeOutputFile } from '../../lab/io/output-file.js';
import { forTerminal } from '../../lab/io/terminal-text.js';
// From the modules themselves, not lab/scenario/index.js: that surface also carries the recorder and its YAML writer.
import { loadScenarios, scenarioLibraryDir } from '../../lab/scenario/load.js';
import { formatJunit, formatList, formatResultText, formatShow, reportJson, summaryLine } from '../../lab/scenario/report.js';
import { runScenarios } from '../../lab/scenario/run.js';
import type { Scenario } from '../../lab/scenario/types.js';
import { findScenario, processIo, type CommandIo } from '../common.js';
import { backendFactory, backendOptionsFrom, demand, withBackendOptions, withAction, withSeedOption, type BackendArgs } from '../options.js';

export interface ScenarioArgs extends BackendArgs {
  readonly action: string;
  readonly targets?: readonly string[];
  readonly json?: boolean;
  readonly junit?: string;
}

export type ScenarioIo = CommandIo;

export const scenarioCommand: CommandModule<object, ScenarioArgs> = {
  ...COMMAND_LINES.scenario,
  builder: (yargs: Argv<object>) =>
    withAction(withSeedOption(withBackendOptions(yargs, { default: 'sim' })), 'scenario', ['run', 'list', 'show'], 'run, list or show')
      .positional('targets', { type: 'string', array: true, describe: 'run/list: scenario files or directories (default: the library); show: a scenario name or file' })
      .option('json', { type: 'boolean', describe: 'print the results, the list or the scenario as JSON' })
      .option('junit', { type: 'string', describe: 'run: also write JUnit XML to FILE' })
      .check((a) => demand(a.junit === undefined || a.action === 'run', '--junit is for `scenario run`'))
      .example('$0 scenario run', 'run the whole library on the simulator')
      .example('$0 scenario run scenarios/forwarding-off-node-1.yaml --junit out.xml', 'one scenario, JUnit report')
      .example('$0 scenario show flannel-on-eth0', 'the brief, probes and hints of one scenario') as unknown as Argv<ScenarioArgs>,
  handler: async (args: ScenarioArgs) => {
    process.exitCode = await scenarioMain(args, processIo);
  },
};

/** The whole command as a function of its arguments: returns the exit status; bad input throws (main maps it). */
export async function scenarioMain(args: ScenarioArgs, io: ScenarioIo): Promise<number> {
  if (args.action === 'run') return runAction(args, io);
  if (args.action === 'list') {
    const scenarios = load(args.targets);
    io.out(args.json ? `${JSON.stringify(scenarios.map(listJson), null, 2)}\n` : forTerminal(formatList(scenarios)));
    return 0;
  }
  if (args.action === 'show') {
    const [nameOrFile, ...rest] = args.targets ?? [];
    if (!nameOrFile || rest.length > 0) throw new UsageError('scenario show takes one scenario name or file');
    const found = findScenario(nameOrFile);
    io.out(args.json ? `${JSON.stringify(showJson(found), null, 2)}\n` : forTerminal(formatShow(found)));
    return 0;
  }
  throw new UsageError(`unknown action "${args.action}" (run, list, show)`);
}

/** The scenarios of TARGETS (default: the library); none at all is a usage error, not an empty success. */
function load(targets: readonly string[] | undefined): Scenario[] {
  const where = targets && targets.length > 0 ? targets : [scenarioLibraryDir()];
  const scenarios = loadScenarios(where);
  if (scenarios.length === 0) throw new UsageError(`no scenario files in ${where.join(', ')}`);
  return scenarios;
}

const listJson = (s: Scenario) => ({ name: s.name, title: s.title, lab: s.labName, tags: s.tags, file: s.file });

/** What `show` prints, as data: never the break, its lab edits or the fix. */
const showJson = (s: Scenario) => ({ ...listJson(s), brief: s.brief, probes: s.probes.map((p) => ({ at: p.at, run: p.run })), hints: s.hints });

async function runAction(args: ScenarioArgs, io: ScenarioIo): Promise<number> {
  const opts = backendOptionsFrom(args);
  const createBackend = await backendFactory(args.backend);
  const backend = createBackend(opts); // unknown names fail here, before any scenario runs
  const scenarios = load(args.targets);
  const check = await backend.preflight();
  if (!check.ok) throw new UsageError(`the ${args.backend} backend cannot run here: ${check.message.split('\n').join('; ')}`);
  const report = await runScenarios(scenarios, () => createBackend(opts), {
    onResult: args.json ? undefined : (r) => io.out(forTerminal(formatResultText(r))),
  });
  if (args.junit) writeOutputFile(args.junit, formatJunit(report));
  io.out(args.json ? `${JSON.stringify(reportJson(report), null, 2)}\n` : `${summaryLine(report)}\n`);
  return report.failed > 0 ? 1 : 0;
}
