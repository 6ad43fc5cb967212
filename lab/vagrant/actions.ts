// `tracelab lab up|status|down --backend vagrant`: the actions cli/commands/lab.ts dispatches to (LAB_ACTIONS.vagrant).
import { loadLab } from '../../topology/compile.js';
import { DEFAULT_LAB } from '../../topology/paths.js';
import { createVagrantBackend, renderedMachines, vagrantCliFor, vagrantPaths, type VagrantBackendOptions } from './backend.js';

/** The flags these actions read; structurally a subset of the LabArgs of cli/commands/lab.ts. */
export interface VagrantActionArgs {
  readonly lab?: string;
  readonly stateDir?: string;
  readonly provider?: string;
}

export type Out = (text: string) => void;

function backendOptions(args: VagrantActionArgs, base: VagrantBackendOptions): VagrantBackendOptions {
  return { ...base, ...(args.stateDir ? { stateDir: args.stateDir } : {}), ...(args.provider ? { provider: args.provider } : {}) };
}

/** Renders the model, brings every VM up with a progress line per machine, and says how to use the lab. */
export async function vagrantUpAction(args: VagrantActionArgs, out: Out, base: VagrantBackendOptions = {}): Promise<number> {
  const lab = loadLab(args.lab ?? DEFAULT_LAB);
  const opts = backendOptions(args, base);
  const started = Date.now();
  await createVagrantBackend(opts).up(lab, { progress: (line) => out(`${line}\n`) });
  const nodes = lab.devices.filter((d) => d.kind === 'node').map((d) => d.id);
  const minutes = ((Date.now() - started) / 60_000).toFixed(1);
  out(
    `lab ${lab.name} is up: ${nodes.join(', ')} (${minutes} min). Try:\n` +
      `  tracelab scenario run --backend vagrant\n` +
      `  vagrant ssh ${nodes[0]} -c 'kubectl get nodes -o wide'\n` +
      `  KUBECONFIG=${vagrantPaths(opts).kubeconfig} kubectl get pods -o wide\n`,
  );
  return 0;
}

/** One line per machine of the rendered lab: name, state, provider. Exit 0 only when every machine is running. */
export async function vagrantStatusAction(args: VagrantActionArgs, out: Out, base: VagrantBackendOptions = {}): Promise<number> {
  const status = await createVagrantBackend(backendOptions(args, base)).status();
  out(status.text);
  return status.up ? 0 : 1;
}

/** Destroys exactly the machines of the rendered lab (`vagrant destroy --force NAMES...`). */
export async function vagrantDownAction(args: VagrantActionArgs, out: Out, base: VagrantBackendOptions = {}): Promise<number> {
  const opts = backendOptions(args, base);
  const machines = (await renderedMachines(vagrantPaths(opts))).map((m) => m.name);
  if (machines.length === 0) {
    out(`no vagrant lab rendered in ${vagrantPaths(opts).stateDir}: nothing to destroy\n`);
    return 0;
  }
  await vagrantCliFor(opts).destroy(machines);
  out(`destroyed ${machines.join(', ')}\n`);
  return 0;
}
