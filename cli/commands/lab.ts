// `tracelab lab up|status|down --backend netns [--lab FILE] [--prefix P]`: parse, call the backend's library, print.
import type { Argv, CommandModule } from 'yargs';
import { UsageError } from '../../lab/backend.js';
import { loadLab } from '../../topology/compile.js';
import { DEFAULT_LAB } from '../../topology/paths.js';
import { DEFAULT_PREFIX, NetnsError, formatStatus, netnsDown, netnsStatus, netnsUp } from '../../lab/netns/lifecycle.js';

export interface LabArgs {
  readonly action: string;
  readonly backend: string;
  readonly lab?: string;
  readonly prefix?: string;
  readonly stateDir?: string;
}

type LabAction = (args: LabArgs) => Promise<number>;

/** Backends with lab subcommands, and the actions each supports. Other backends add their entries here. */
export const LAB_ACTIONS: Readonly<Record<string, Readonly<Record<string, LabAction>>>> = {
  netns: {
    up: netnsUpAction,
    status: netnsStatusAction,
    down: netnsDownAction,
  },
};

export const labCommand: CommandModule<object, LabArgs> = {
  command: 'lab <action>',
  describe: 'Build, inspect or tear down a real lab (up | status | down)',
  builder: (yargs: Argv<object>) =>
    yargs
      .positional('action', { type: 'string', describe: 'up, status or down', demandOption: true })
      .option('backend', { type: 'string', describe: `lab backend (${Object.keys(LAB_ACTIONS).join(', ')})`, demandOption: true })
      .option('lab', { type: 'string', describe: `lab name under topology/labs or a lab file (default ${DEFAULT_LAB})` })
      .option('prefix', { type: 'string', describe: `namespace prefix of the netns lab (default ${DEFAULT_PREFIX})` })
      .option('state-dir', { type: 'string', describe: 'directory of the lab record (default $TRACELAB_STATE_DIR or /run/tracelab)' }) as unknown as Argv<LabArgs>,
  handler: async (args: LabArgs) => {
    process.exitCode = await runLabAction(args);
  },
};

/** Dispatches on --backend and the action; unknown ones are usage errors listing the known ones. */
export async function runLabAction(args: LabArgs): Promise<number> {
  const actions = LAB_ACTIONS[args.backend];
  if (!actions) throw new UsageError(`unknown lab backend "${args.backend}"; known: ${Object.keys(LAB_ACTIONS).join(', ')}`);
  const action = actions[args.action];
  if (!action) throw new UsageError(`backend ${args.backend} has no "lab ${args.action}"; its actions: ${Object.keys(actions).join(', ')}`);
  try {
    return await action(args);
  } catch (error) {
    if (error instanceof NetnsError) {
      process.stderr.write(`tracelab lab ${args.action}: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

const netnsOpts = (args: LabArgs) => ({
  ...(args.prefix !== undefined ? { prefix: args.prefix } : {}),
  ...(args.stateDir !== undefined ? { stateDir: args.stateDir } : {}),
});

async function netnsUpAction(args: LabArgs): Promise<number> {
  const lab = loadLab(args.lab ?? DEFAULT_LAB);
  const summary = await netnsUp(lab, { ...netnsOpts(args), progress: (line) => process.stdout.write(line + '\n') });
  for (const w of summary.warnings) process.stderr.write(`warning: ${w}\n`);
  process.stdout.write(`${summary.namespaces} namespaces, ${summary.commands} commands, ${summary.listeners} listeners; run commands with: ip netns exec ${summary.prefix}-<device> ...\n`);
  return 0;
}

async function netnsStatusAction(args: LabArgs): Promise<number> {
  const status = await netnsStatus(netnsOpts(args));
  process.stdout.write(formatStatus(status));
  return status.record ? 0 : 1;
}

async function netnsDownAction(args: LabArgs): Promise<number> {
  const s = await netnsDown(netnsOpts(args));
  if (!s.found) {
    process.stdout.write(`no namespace lab with prefix ${s.prefix}: nothing to remove\n`);
    return 0;
  }
  process.stdout.write(`removed ${s.namespaces} namespaces, ${s.processes} listeners, ${s.files} files in ${s.ms} ms\n`);
  for (const p of s.problems) process.stderr.write(`problem: ${p}\n`);
  return s.problems.length === 0 ? 0 : 1;
}
