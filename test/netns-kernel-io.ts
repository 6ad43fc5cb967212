// Shared helpers of the kernel recordings: the fixture file format, time masking, and running one case.
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Backend } from '../lab/backend.js';
import { maskMilliseconds } from '../sim/tools/mask.js';
import type { KernelCase } from './netns-kernel-cases.js';

export const KERNEL_FIXTURES = join(import.meta.dirname, 'fixtures', 'kernel');

export interface KernelFixtureStep {
  readonly at: string;
  readonly run: string;
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** One recorded case: what was applied to a fresh default lab, the probe, and what the real kernel and tools printed. */
export interface KernelFixture {
  readonly name: string;
  readonly title: string;
  readonly lab: string;
  readonly backend: 'netns';
  readonly environment: { readonly kernel: string; readonly traceroute: string; readonly busybox: string; readonly recordedAt: string };
  readonly apply: readonly KernelFixtureStep[];
  readonly probe: { readonly at: string; readonly run: string };
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Round-trip times (and mtr's Start: clock) are the only things that may differ between runs: masked as verify masks them. */
export const maskTimes = (text: string): string => maskMilliseconds(text);

export async function runCase(backend: Backend, c: KernelCase): Promise<{ apply: KernelFixtureStep[]; exitCode: number; stdout: string; stderr: string }> {
  const apply: KernelFixtureStep[] = [];
  for (const step of c.apply) {
    const r = await backend.run(step.at, step.run);
    apply.push({ at: step.at, run: step.run, exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr });
  }
  const r = await backend.run(c.probe.at, c.probe.run);
  return { apply, exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr };
}

export function readKernelFixtures(): KernelFixture[] {
  if (!existsSync(KERNEL_FIXTURES)) return [];
  return readdirSync(KERNEL_FIXTURES)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(readFileSync(join(KERNEL_FIXTURES, f), 'utf8')) as KernelFixture);
}
