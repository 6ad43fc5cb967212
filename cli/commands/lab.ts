// `tracelab lab up|status|down|render|import --backend netns|vagrant|ansible|kubectl`: parse, call the backend's library, print.
import type { Argv, CommandModule } from 'yargs';
import { UsageError } from '../../lab/backend.js';
import { DEFAULT_LAB } from '../../topology/paths.js';
import { DEFAULT_PREFIX, netnsDownAction, netnsStatusAction, netnsUpAction } from '../../lab/netns/actions.js';
import { vagrantDownAction, vagrantStatusAction, vagrantUpAction } from '../../lab/vagrant/actions.js';
import { runKubectlStatus, runLabImport } from './lab-import.js';
import { runLabRender } from './lab-render.js';

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

/** The backend an action implies when --backend is not given. */
const IMPLIED_BACKEND: Readonly<Record<string, string>> = { import: 'kubectl' };

export const labCommand: CommandModule<object, LabArgs> = {
  command: 'lab <action>',
  describe: 'Build, inspect or tear down a real lab (up | status | down), render the Vagrant/Ansible files, import a cluster',
  builder: (yargs: Argv<object>) =>
    yargs
      .positional('action', { type: 'string', describe: 'up, status, down (netns, vagrant), render (vagrant, ansible), import (kubectl)', demandOption: true })
      .option('backend', { type: 'string', describe: `lab backend (${Object.keys(LAB_ACTIONS).join(', ')}); import implies kubectl` })
      .option('lab', { type: 'string', describe: `lab name under topology/labs or a lab file (default ${DEFAULT_LAB})` })
      .option('prefix', { type: 'string', describe: `namespace prefix of the netns lab (default ${DEFAULT_PREFIX})` })
      .option('state-dir', { type: 'string', describe: 'netns: directory of the lab record (default $TRACELAB_STATE_DIR or /run/tracelab); vagrant: of the rendered files (default .tracelab next to the Vagrantfile)' })
      .option('provider', { type: 'string', describe: 'vagrant provider (default virtualbox)' })
      .option('out', { type: 'string', describe: 'render: output directory (default .tracelab next to the Vagrantfile, where it looks)' })
      .option('kubeconfig', { type: 'string', describe: 'kubectl: kubeconfig file (default kubectl\'s)' })
      .option('context', { type: 'string', describe: 'kubectl: kubeconfig context (default the current one)' })
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
  return action(args);
}
