// `tracelab lab up|status|down|render|import --backend netns|vagrant|ansible|kubectl`: parse, call the backend's library, print.
import type { Argv, CommandModule } from 'yargs';
import { COMMAND_LINES } from './lines.js';
import { UsageError } from '../../lab/backend.js';
import { DEFAULT_LAB } from '../../topology/paths.js';
import { DEFAULT_PREFIX, netnsDownAction, netnsStatusAction, netnsUpAction } from '../../lab/netns/actions.js';
import { vagrantDownAction, vagrantStatusAction, vagrantUpAction } from '../../lab/vagrant/actions.js';
import { lxcBoxAction, lxcDownAction, lxcUpAction, providerOf } from '../../lab/lxc/actions.js';
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
  /** box: its action (`lab box build`). */
  readonly what?: string;
}

const stdout = (text: string) => process.stdout.write(text);
const io = { out: stdout, err: (text: string) => process.stderr.write(text) };

type LabAction = (args: LabArgs) => Promise<number>;

/** Backends with lab subcommands, and the actions each supports. Other backends add their entries here. */
export const LAB_ACTIONS: Readonly<Record<string, Readonly<Record<string, LabAction>>>> = {
  netns: {
    up: (args) => netnsUpAction(args, io),
    status: (args) => netnsStatusAction(args, io),
    down: (args) => netnsDownAction(args, io),
  },
  vagrant: {
    up: (args) => (providerOf(args) === 'lxc' ? lxcUpAction(args, stdout) : vagrantUpAction(args, stdout)),
    status: (args) => vagrantStatusAction(args, stdout),
    down: (args) => (providerOf(args) === 'lxc' ? lxcDownAction(args, stdout) : vagrantDownAction(args, stdout)),
    box: (args) => (providerOf(args) === 'lxc' ? lxcBoxAction(args, stdout) : Promise.reject(new UsageError('lab box build is for --provider lxc (VirtualBox uses bento/debian-12)'))),
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
const IMPLIED_BACKEND: Readonly<Record<string, string>> = { import: 'kubectl', box: 'vagrant' };

export const labCommand: CommandModule<object, LabArgs> = {
  ...COMMAND_LINES.lab,
  builder: (yargs: Argv<object>) =>
    withAction(withBackendOptions(yargs, { choices: Object.keys(LAB_ACTIONS), describe: `lab backend (${Object.keys(LAB_ACTIONS).join(', ')}); import implies kubectl`, defaultPrefix: DEFAULT_PREFIX }),
      'lab', ALL_ACTIONS, 'up, status, down (netns, vagrant), render (vagrant, ansible), import (kubectl)')
      .option('lab', { type: 'string', describe: `lab name under topology/labs or a lab file (default ${DEFAULT_LAB})` })
      .option('state-dir', { type: 'string', describe: 'netns: directory of the lab record (default $TRACELAB_STATE_DIR or /run/tracelab); vagrant: of the rendered files (default .tracelab next to the Vagrantfile)' })
      .positional('what', { type: 'string', describe: 'box: build' })
      .option('provider', { type: 'string', describe: 'vagrant provider: virtualbox (default) or lxc (or TRACELAB_PROVIDER)' })
      .option('out', { type: 'string', describe: 'render: output directory (default .tracelab next to the Vagrantfile, where it looks)' })
      .option('name', { type: 'string', describe: 'import: name of the lab written (default the context or "imported")' })
      .example('$0 lab up --backend vagrant', 'three VirtualBox VMs provisioned by Ansible from the model')
      .example('$0 lab up --backend vagrant --provider lxc', 'the same machines as LXC containers (network-only lab; docs/real-lab.md)')
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
  return action(args);
}
