// `tracelab lab render --backend vagrant|ansible [--lab FILE] [--out DIR]`: writes the real lab's files from the model.
import { resolve } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { UsageError } from '../../lab/backend.js';
import { allowedHostOnlyRanges, renderLabFiles, writeRenderedFiles, type RenderBackend } from '../../lab/render.js';
import { DEFAULT_RENDER_DIR } from '../../lab/render-vagrant.js';
import { loadLab } from '../../topology/compile.js';
import { DEFAULT_LAB } from '../../topology/paths.js';

export interface LabRenderArgs {
  readonly backend: string;
  readonly lab?: string;
  readonly out?: string;
}

/** Renders and writes; returns the exit code. Unknown backends and bad labs are UsageErrors. */
export async function runLabRender(args: LabRenderArgs, out: (text: string) => void = (t) => process.stdout.write(t)): Promise<number> {
  if (args.backend !== 'vagrant' && args.backend !== 'ansible') {
    throw new UsageError(`lab render knows --backend vagrant or ansible, not "${args.backend}"`);
  }
  const lab = loadLab(args.lab ?? DEFAULT_LAB);
  const outDir = args.out ?? DEFAULT_RENDER_DIR;
  const files = renderLabFiles(lab, args.backend as RenderBackend, { allowedRanges: await allowedHostOnlyRanges(), vagrantDir: process.cwd(), renderDir: resolve(outDir) });
  for (const path of await writeRenderedFiles(outDir, files)) out(`${path}\n`);
  return 0;
}

export const labRenderCommand: CommandModule<object, LabRenderArgs> = {
  command: 'render',
  describe: 'Write the Vagrant JSON and Ansible inventory/vars of the real lab from the model',
  builder: (yargs: Argv<object>) =>
    yargs
      .option('backend', { type: 'string', choices: ['vagrant', 'ansible'], demandOption: true, describe: 'vagrant (JSON + Ansible files) or ansible (inventory and group_vars)' })
      .option('lab', { type: 'string', describe: `lab name under topology/labs or a lab file (default ${DEFAULT_LAB})` })
      .option('out', { type: 'string', describe: `output directory (default ${DEFAULT_RENDER_DIR}, where the Vagrantfile looks)` }) as unknown as Argv<LabRenderArgs>,
  handler: async (args: LabRenderArgs) => {
    process.exitCode = await runLabRender(args);
  },
};
