// `tracelab lab render --backend vagrant|ansible [--lab FILE] [--out DIR]`: writes the real lab's files from the model.
import { resolve } from 'node:path';
import { UsageError } from '../../lab/backend.js';
import { allowedHostOnlyRanges, renderLabFiles, writeRenderedFiles, type RenderBackend } from '../../lab/render.js';
import { DEFAULT_RENDER_DIR } from '../../lab/render-vagrant.js';
import { loadLab } from '../../topology/compile.js';
import { DEFAULT_LAB, packageRoot } from '../../topology/paths.js';

export interface LabRenderArgs {
  readonly backend: string;
  readonly lab?: string;
  /** Output directory; default .tracelab next to the Vagrantfile (the package root), where the Vagrantfile looks. */
  readonly out?: string;
}

/** Renders and writes, printing each path written; unknown backends and bad labs are UsageErrors. */
export async function runLabRender(args: LabRenderArgs, out: (text: string) => void = (t) => process.stdout.write(t)): Promise<number> {
  if (args.backend !== 'vagrant' && args.backend !== 'ansible') {
    throw new UsageError(`lab render knows --backend vagrant or ansible, not "${args.backend}"`);
  }
  const lab = loadLab(args.lab ?? DEFAULT_LAB);
  const vagrantDir = packageRoot();
  const outDir = resolve(args.out ?? resolve(vagrantDir, DEFAULT_RENDER_DIR));
  const files = renderLabFiles(lab, args.backend as RenderBackend, { allowedRanges: await allowedHostOnlyRanges(), vagrantDir, renderDir: outDir });
  for (const path of await writeRenderedFiles(outDir, files)) out(`${path}\n`);
  return 0;
}
