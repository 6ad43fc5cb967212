// `tracelab verify --generate N --seed S [--out DIR]`: the CLI side of lab/verify-generate.ts (namespace lab only).
import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../lab/backend.js';
import { createBackend } from '../lab/backends.js';
import { formatGenerateSummary, formatGeneratedResult } from '../lab/generate/report.js';
import { createReusingNetnsBackend } from '../lab/netns/reusing-backend.js';
import { verifyGenerated } from '../lab/verify-generate.js';
import type { CommandIo } from './common.js';

export interface GenerateArgs {
  readonly generate: number;
  readonly seed?: number;
  readonly backend: string;
  readonly prefix?: string;
  readonly out?: string;
  readonly retries?: number;
  readonly shrinkRuns?: number;
}

function checkOutDir(dir: string): void {
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    throw new UsageError(`--out ${dir}: no such directory`);
  }
  if (!isDir) throw new UsageError(`--out ${dir}: not a directory`);
  mkdirSync(join(dir, 'labs'), { recursive: true });
}

/** Runs the generated cases; 0 when all agree, 1 on a disagreement, 130 when interrupted. */
export async function verifyGenerateMain(args: GenerateArgs, io: CommandIo, signal: AbortSignal): Promise<number> {
  if (args.backend !== 'netns') throw new UsageError('verify --generate builds its labs in network namespaces: use --backend netns');
  if (!Number.isInteger(args.generate) || args.generate < 1) throw new UsageError(`--generate ${args.generate}: a positive number of cases`);
  const seed = args.seed ?? 1;
  if (!Number.isInteger(seed)) throw new UsageError(`--seed ${seed}: an integer`);
  if (args.out !== undefined) checkOutDir(args.out);
  const subject = createReusingNetnsBackend({ ...(args.prefix !== undefined ? { prefix: args.prefix } : {}) });
  const started = Date.now();
  try {
    const report = await verifyGenerated({
      count: args.generate, seed, signal,
      makeReference: () => createBackend('sim', { seed }),
      makeSubject: () => subject,
      retries: Math.max(0, Math.floor(args.retries ?? 1)),
      ...(args.out !== undefined ? { outDir: args.out } : {}),
      ...(args.shrinkRuns !== undefined ? { shrinkRuns: args.shrinkRuns } : {}),
      onCase: (r) => io.out(formatGeneratedResult(r, seed)),
    });
    io.out(`labs built: ${subject.stats.builds}, reset between cases: ${subject.stats.resets}${subject.stats.failedResets ? ` (${subject.stats.failedResets} resets not confirmed: rebuilt)` : ''}\n`);
    io.out(formatGenerateSummary(report, Date.now() - started));
    if (report.interrupted) return 130;
    return report.agreed === report.total ? 0 : 1;
  } finally {
    await subject.close();
  }
}
