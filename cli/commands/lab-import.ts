// `tracelab lab import|status --backend kubectl [--kubeconfig F] [--context C]`: a lab file from a live cluster; its nodes.
import { localKubectl } from '../../lab/kubectl/cli.js';
import { importLab } from '../../lab/kubectl/import.js';
import { createKubectlBackend } from '../../lab/kubectl/backend.js';

export interface LabKubectlArgs {
  readonly kubeconfig?: string;
  readonly context?: string;
  /** Lab name of the imported file; default the context's name or "imported". */
  readonly name?: string;
}

/** Prints the lab file (YAML) of the cluster kubectl reaches: `tracelab lab import > lab.yaml`. */
export async function runLabImport(args: LabKubectlArgs, out: (text: string) => void = (t) => process.stdout.write(t)): Promise<number> {
  const kubectl = localKubectl({ kubeconfig: args.kubeconfig, context: args.context });
  const source = args.context ? `context ${args.context}` : args.kubeconfig ? `kubeconfig ${args.kubeconfig}` : 'the current kubectl context';
  out(await importLab(kubectl, { name: args.name ?? args.context ?? 'imported', source }));
  return 0;
}

/** One line per node (name, InternalIP, podCIDR, Ready); exit 0 when every node is Ready. */
export async function runKubectlStatus(args: LabKubectlArgs, out: (text: string) => void = (t) => process.stdout.write(t)): Promise<number> {
  const status = await createKubectlBackend({ kubeconfig: args.kubeconfig, context: args.context }).status();
  out(status.text);
  return status.up ? 0 : 1;
}
