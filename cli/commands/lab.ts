// `tracelab lab up|status|down|render|import --backend netns|vagrant|ansible|kubectl`: parse, call the backend's library, print.
import type { Argv, CommandModule } from 'yargs';
import { COMMAND_LINES } from './lines.js';
import { UsageError } from '../../lab/backend.js';
import { loadLab } from '../../topology/compile.js';
import { DEFAULT_LAB } from '../../topology/paths.js';
import { DEFAULT_PREFIX, NetnsError, formatStatus, netnsDown, netnsStatus, netnsUp } from '../../lab/netns/lifecycle.js';
import { vagrantDownAction, vagrantStatusAction, vagrantUpAction } from '../../lab/vagrant/actions.js';
import { runKubectlStatus, runLabImport } from './lab-import.js';
import { runLabRender } from './lab-render.js';
import { withAction, withBackendOptions } from '../options.js';

export interface LabArgs {
  readonly action: string;
  /** Optional only for `lab import`, which is always kubectl's. */
  readonly backend?: string;
  readonly lab?: string;
  readonly prefix?: string;
  readonly stateDir?: string;
  /** vagrant: the provider (default virtualbox). */
  readonly provider?: string;
  /** render: the output directory. */
  readonly out?: string;
  /** kubectl: which cluster; import: the lab's name. */
  readonly kubeconfig?: string;
  readonly context?: string;
  readonly name?: string;
}

const stdout = (text: string) => process.stdout.write(text);

type LabAction = (args: LabArgs) => Promise<number>;

/** Backends with lab subcommands, and the actions each supports. Other backends add their entries here. */
export const LAB_ACTIONS: Readonly<Record<string, Readonly<Record<string, LabAction>>>> = {
  netns: {
    up: netnsUpAction,
    status: netnsStatusAction,
    down: netnsDownAction,
  },
  vagrant: {
    up: (args) => vagrantUpAction(args, stdout),
    status: (args) => vagrantStatusAction(args, stdout),
    down: (args) => vagrantDownAction(args, stdout),
    render: (args) => runLabRender({ ...args, backend: 'vagrant' }, stdout),
  },
  ansible: {
    render: (args) => runLabRender({ ...args, backend: 'ansible' }, stdout),
  },
  kubectl: {
    import: (args) => runLabImport(args, stdout),
    status: (args) => runKubectlStatus(args, stdout),
  },
};

/** Every action some lab backend has. */
const ALL_ACTIONS = [...new Set(Object.values(LAB_ACTIONS).flatMap((a) => Object.keys(a)))];

/** The backend an action implies when --backend is not given. */
const IMPLIED_BACKEND: Readonly<Record<string, string>> = { import: 'kubectl' };

export const labCommand: CommandModule<object, LabArgs> = {
  ...COMMAND_LINES.lab,
  builder: (yargs: Argv<object>) =>
    withAction(withBackendOptions(yargs, { choices: Object.keys(LAB_ACTIONS), describe: `lab backend (${Object.keys(LAB_ACTIONS).join(', ')}); import implies kubectl`, defaultPrefix: DEFAULT_PREFIX }),
      'lab', ALL_ACTIONS, 'up, status, down (netns, vagrant), render (vagrant, ansible), import (kubectl)')
      .option('lab', { type: 'string', describe: `lab name under topology/labs or a lab file (default ${DEFAULT_LAB})` })
      .option('state-dir', { type: 'string', describe: 'netns: directory of the lab record (default $TRACELAB_STATE_DIR or /run/tracelab); vagrant: of the rendered files (default .tracelab next to the Vagrantfile)' })
      .option('provider', { type: 'string', describe: 'vagrant provider (default virtualbox)' })
      .option('out', { type: 'string', describe: 'render: output directory (default .tracelab next to the Vagrantfile, where it looks)' })
      .option('name', { type: 'string', describe: 'import: name of the lab written (default the context or "imported")' })
      .example('$0 lab up --backend vagrant', 'three VirtualBox VMs provisioned by Ansible from the model')
      .example('$0 lab render --backend ansible --out lab-files', 'the inventory and group_vars only')
      .example('$0 lab import --context prod > lab.yaml', 'a lab file from a live cluster') as unknown as Argv<LabArgs>,
  handler: async (args: LabArgs) => {
    process.exitCode = await runLabAction(args);
  },
};

/** Dispatches on --backend and the action; unknown ones are usage errors listing the known ones. */
export async function runLabAction(args: LabArgs): Promise<number> {
  const backend = args.backend ?? IMPLIED_BACKEND[args.action];
  if (backend === undefined) throw new UsageError(`lab ${args.action} needs --backend (${Object.keys(LAB_ACTIONS).join(', ')})`);
  const actions = LAB_ACTIONS[backend];
  if (!actions) throw new UsageError(`unknown lab backend "${backend}"; known: ${Object.keys(LAB_ACTIONS).join(', ')}`);
  const action = actions[args.action];
  if (!action) throw new UsageError(`backend ${backend} has no "lab ${args.action}"; its actions: ${Object.keys(actions).join(', ')}`);
  try {
    return await action(args);
  } catch (error) {
    if (error instanceof NetnsError) {
      // A lab error: one line, exit 2.
      process.stderr.write(`tracelab: lab ${args.action}: ${error.message.split('\n').join('; ')}\n`);
      return 2;
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
