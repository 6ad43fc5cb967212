// `tracelab train SCENARIO`: a trainee shell on a broken lab; `tracelab train report TRANSCRIPTS...`: a class summary.
import { dirname } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { COMMAND_LINES } from './lines.js';
import { UsageError } from '../../lab/backend.js';
import { createBackend } from '../../lab/backends.js';
import { forTerminal } from '../../lab/io/terminal-text.js';
import { untrainableReason } from '../../lab/train/check.js';
import { classReport, formatClassReport } from '../../lab/train/report.js';
import { TrainingSession } from '../../lab/train/session.js';
import { runShell } from '../../lab/train/shell.js';
import { formatSummary } from '../../lab/train/texts.js';
import { privateTranscriptPath, readTranscript, TranscriptWriter } from '../../lab/train/transcript.js';
import { findScenario, write } from '../common.js';
import { backendOptionsFrom, demand, withBackendOptions, withSeedOption, type BackendArgs } from '../options.js';

interface TrainArgs extends BackendArgs {
  readonly scenario: string;
  readonly at?: string;
  readonly transcript?: string;
  readonly name?: string;
  readonly json?: boolean;
}

interface ReportArgs {
  readonly transcripts: readonly string[];
  readonly json?: boolean;
}

/** Namespace prefix of training labs on the netns backend (unless --prefix says otherwise). */
export const TRAIN_PREFIX = 'tltrain';

const NEEDS_SCENARIO = 'train needs a scenario: a name from `tracelab scenario list`, or a scenario file';

/**
 * The whole session as a function of its arguments and streams; returns the exit status (0 fixed, also when a FIXED
 * check was followed by a reset; 1 not fixed). The transcript goes where --transcript says (its directory must
 * exist; diagrams go beside it) or into a new private directory; files that cannot be written are OutputFileError.
 */
export async function trainMain(args: TrainArgs, io: { input: NodeJS.ReadableStream & { isTTY?: boolean }; output: NodeJS.WritableStream & { isTTY?: boolean } }): Promise<number> {
  if (!args.scenario) throw new UsageError(NEEDS_SCENARIO);
  const scenario = findScenario(args.scenario);
  const refused = untrainableReason(scenario);
  if (refused) throw new UsageError(refused);
  // A training lab gets its own namespace prefix, so a session never touches a lab built with `tracelab lab up`.
  const prefix = args.prefix ?? (args.backend === 'netns' ? TRAIN_PREFIX : undefined);
  const backendOpts = backendOptionsFrom({ ...args, prefix });
  createBackend(args.backend, backendOpts); // an unknown backend fails before anything is built
  const transcriptPath = args.transcript ?? privateTranscriptPath(scenario.name, new Date());
  const transcript = new TranscriptWriter(transcriptPath);
  const terminal = io.input.isTTY === true && io.output.isTTY === true;
  let fixed = false;
  const session = new TrainingSession({
    scenario,
    makeBackend: () => createBackend(args.backend, backendOpts),
    ...(backendOpts.seed !== undefined ? { seed: backendOpts.seed } : {}),
    out: (text) => io.output.write(text),
    ...(args.at !== undefined ? { startAt: args.at } : {}),
    transcript,
    trainee: args.name ?? process.env.USER ?? 'trainee',
    diagramDir: dirname(transcriptPath),
    // On a terminal Ctrl-C reaches the session: ping without -c runs until it, a line a second.
    ...(terminal ? { untilInterrupted: { tickMs: 1000 } } : {}),
  });
  try {
    await session.start();
  } catch (err) {
    await session.abort();
    transcript.close();
    throw err;
  }
  try {
    await runShell(session, { input: io.input, output: io.output, terminal });
  } finally {
    try {
      const summary = await session.finish(transcriptPath);
      io.output.write(args.json ? `${JSON.stringify(summary, null, 2)}\n` : forTerminal(formatSummary(summary)));
      fixed = summary.fixed || summary.firstFixedAtMs !== undefined;
    } finally {
      transcript.close();
    }
  }
  return fixed ? 0 : 1;
}

const runCommand: CommandModule<object, TrainArgs> = {
  command: '$0 [scenario]',
  describe: 'Break the scenario\'s lab and open a trainee shell on it',
  builder: (y: Argv<object>) =>
    withSeedOption(withBackendOptions(y, { default: 'sim', defaultPrefix: `${TRAIN_PREFIX}, apart from \`lab up\`'s` }))
      .positional('scenario', { type: 'string', describe: 'a scenario name from the library, or a scenario file' })
      .check((a) => demand(typeof a.scenario === 'string' && a.scenario !== '', NEEDS_SCENARIO))
      .option('at', { type: 'string', describe: 'start at this place (default: where the scenario\'s first probe runs)' })
      .option('transcript', { type: 'string', describe: 'write the transcript here, diagrams beside it; the directory must exist (default: a new private directory under $TMPDIR)' })
      .option('name', { type: 'string', describe: 'the trainee\'s name in the transcript (default: $USER)' })
      .option('json', { type: 'boolean', describe: 'print the end-of-session summary as JSON (for instructors)' })
      .example('$0 train forwarding-off-node-1', 'fix a node that stopped forwarding')
      .example('printf "ip route\\ncheck\\n" | $0 train forwarding-off-node-1 --json', 'a scripted session') as unknown as Argv<TrainArgs>,
  handler: async (args: TrainArgs) => {
    process.exitCode = await trainMain(args, { input: process.stdin, output: process.stdout });
  },
};

const reportCommand: CommandModule<object, ReportArgs> = {
  command: 'report <transcripts..>',
  describe: 'Summarise a class: one row per transcript, then per scenario',
  builder: (y: Argv<object>) =>
    y
      .positional('transcripts', { type: 'string', array: true, demandOption: true, describe: 'transcript files (.jsonl)' })
      .option('json', { type: 'boolean', describe: 'print the report as JSON' }) as unknown as Argv<ReportArgs>,
  handler: (args: ReportArgs) => {
    const report = classReport(args.transcripts.map((f) => readTranscript(String(f))));
    write(args.json ? `${JSON.stringify(report, null, 2)}\n` : forTerminal(formatClassReport(report)));
  },
};

export const trainCommand: CommandModule = {
  ...COMMAND_LINES.train,
  builder: (y: Argv) => y.command(reportCommand).command(runCommand),
  handler: () => undefined,
};
