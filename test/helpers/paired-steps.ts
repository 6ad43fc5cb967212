// Runs one list of commands, in order, on the namespace lab and on the simulator built from the same lab file and
// registers one test per command comparing the two, masked by sim/tools/mask.ts (root-only suites: the caller skips).
import { afterAll, beforeAll, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createNetnsBackend } from '../../lab/netns/backend.js';
import { netnsDown } from '../../lab/netns/lifecycle.js';
import { createSimBackend } from '../../lab/sim.js';
import { loadLab } from '../../topology/compile.js';
import { maskMilliseconds } from '../../sim/tools/mask.js';

/** A command at a place; `false` third: run on both (its flows count) but not compared (a known difference elsewhere). */
export type Step = readonly [place: string, line: string, compare?: false];

/** Inside a describe: up both backends, run KERNELSETUP on the kernel only, then STEPS on both; one `it` per step. */
export function pairedSteps(prefix: string, labFile: string, steps: readonly Step[], kernelSetup: readonly Step[] = []): void {
  const stateDir = mkdtempSync(join(tmpdir(), `tracelab-${prefix}-`));
  const kernel = createNetnsBackend({ prefix, stateDir });
  const sim = createSimBackend();
  const lab = loadLab(labFile);
  const seen: { kernel: string; sim: string }[] = [];

  beforeAll(async () => {
    await kernel.up(lab);
    await sim.up(lab);
    for (const [at, line] of kernelSetup) await kernel.run(at, line);
    const view = (r: { stdout: string; stderr: string; exitCode: number }) => `${maskMilliseconds(r.stdout)}|${maskMilliseconds(r.stderr)}|${r.exitCode}`;
    // One pass, in order (what one step leaves behind is what the next one lists).
    for (const [at, line] of steps) seen.push({ kernel: view(await kernel.run(at, line)), sim: view(await sim.run(at, line)) });
  }, 180_000);
  afterAll(async () => {
    await netnsDown({ prefix, stateDir });
    rmSync(stateDir, { recursive: true, force: true });
  }, 120_000);

  for (const [i, [at, line, compare]] of steps.entries()) {
    if (compare === false) continue;
    it(`${i}. ${at}: ${line}`, () => {
      expect(seen[i]!.sim).toEqual(seen[i]!.kernel);
    });
  }
}
