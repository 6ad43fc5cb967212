// `tracelab lab up|status|down --backend vagrant`: the actions cli/commands/lab.ts dispatches to (LAB_ACTIONS.vagrant).
import type { LabModel } from '../../topology/model.js';
import { createVagrantBackend, vagrantCliFor, type VagrantBackendOptions } from './backend.js';

/** The flags these actions read; structurally the LabArgs of cli/commands/lab.ts. */
export interface VagrantActionArgs {
  readonly lab?: string;
  readonly stateDir?: string;
  readonly prefix?: string;
}

export interface VagrantActionIo {
  readonly loadLab: (nameOrPath: string) => LabModel;
  readonly defaultLab: string;
  readonly out: (text: string) => void;
  readonly opts?: VagrantBackendOptions;
}

export async function vagrantUpAction(args: VagrantActionArgs, io: VagrantActionIo): Promise<number> {
  const lab = io.loadLab(args.lab ?? io.defaultLab);
  const backend = createVagrantBackend({ ...io.opts, ...(args.stateDir ? { stateDir: args.stateDir } : {}) });
  await backend.up(lab, { progress: (line) => io.out(`${line}\n`) });
  io.out(`lab ${lab.name} is up: ${lab.devices.filter((d) => d.kind === 'node').length} VMs; run commands with \`vagrant ssh NODE -c ...\` or \`tracelab run --backend vagrant\`\n`);
  return 0;
}

export async function vagrantStatusAction(args: VagrantActionArgs, io: VagrantActionIo): Promise<number> {
  const statuses = await vagrantCliFor({ ...io.opts, ...(args.stateDir ? { stateDir: args.stateDir } : {}) }).status();
  const width = Math.max(4, ...statuses.map((s) => s.name.length));
  for (const s of statuses) io.out(`${s.name.padEnd(width)}  ${s.state.padEnd(12)}  ${s.provider}\n`);
  return statuses.length > 0 && statuses.every((s) => s.state === 'running') ? 0 : 1;
}

export async function vagrantDownAction(args: VagrantActionArgs, io: VagrantActionIo): Promise<number> {
  const backend = createVagrantBackend({ ...io.opts, ...(args.stateDir ? { stateDir: args.stateDir } : {}) });
  await backend.down();
  io.out('destroyed the lab\'s VMs\n');
  return 0;
}
