// `tracelab lab import [--kubeconfig F] [--context C] [--name N] > lab.yaml`: a lab file from a live cluster.
import type { Argv, CommandModule } from 'yargs';
import { localKubectl } from '../../lab/kubectl/cli.js';
import { importLab } from '../../lab/kubectl/import.js';

export interface LabImportArgs {
  readonly kubeconfig?: string;
  readonly context?: string;
  readonly name?: string;
}

export async function runLabImport(args: LabImportArgs, out: (text: string) => void = (t) => process.stdout.write(t)): Promise<number> {
  const kubectl = localKubectl({ kubeconfig: args.kubeconfig, context: args.context });
  const source = args.context ? `context ${args.context}` : args.kubeconfig ? `kubeconfig ${args.kubeconfig}` : 'the current kubectl context';
  out(await importLab(kubectl, { name: args.name ?? args.context ?? 'imported', source }));
  return 0;
}

export const labImportCommand: CommandModule<object, LabImportArgs> = {
  command: 'import',
  describe: 'Print a lab file (YAML) describing a live cluster: nodes, pod subnets, pods, services, endpoints',
  builder: (yargs: Argv<object>) =>
    yargs
      .option('kubeconfig', { type: 'string', describe: 'kubeconfig file (default: kubectl\'s)' })
      .option('context', { type: 'string', describe: 'kubeconfig context (default: the current one)' })
      .option('name', { type: 'string', describe: 'lab name (default: the context name or "imported")' }) as unknown as Argv<LabImportArgs>,
  handler: async (args: LabImportArgs) => {
    process.exitCode = await runLabImport(args);
  },
};
