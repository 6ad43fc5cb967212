// Loads the kernel recordings in test/fixtures (scenario YAML, cli/capture-scenario.ts) and flattens one-probe cases.
import { join } from 'node:path';
import { loadScenarios, type Scenario } from '../../lab/scenario/index.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures');

/** One-probe cases on a fresh lab: test/fixtures/kernel. */
export const KERNEL_DIR = join(FIXTURES, 'kernel');
/** Scenarios with a break, probes and a fix, recorded for the br_netfilter work: test/fixtures/kernel-e1. */
export const KERNEL_E1_DIR = join(FIXTURES, 'kernel-e1');

/** Every kernel-recorded scenario in `dir` (sorted by file name). */
export function loadKernelRecordings(dir: string = KERNEL_DIR): Scenario[] {
  return loadScenarios([dir]);
}

/** A one-probe kernel case: the break applied to a fresh lab, the probe and what the kernel and tools printed. */
export interface KernelCase {
  readonly name: string;
  readonly title: string;
  readonly lab: string;
  readonly apply: readonly { readonly at: string; readonly run: string }[];
  readonly probe: { readonly at: string; readonly run: string };
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

function kernelCase(s: Scenario): KernelCase {
  const [probe, ...more] = s.probes;
  if (!probe || more.length > 0 || s.fixSteps) throw new Error(`${s.file}: a kernel case has one probe and no fix`);
  const apply = s.breakSteps.map((step) => {
    if (step.kind !== 'run') throw new Error(`${s.file}: a kernel case applies commands only`);
    return { at: step.at, run: step.run };
  });
  return {
    name: s.name, title: s.title, lab: s.labName, apply, probe: { at: probe.at, run: probe.run },
    exitCode: probe.exit, stdout: probe.expect, stderr: probe.stderr ?? '',
  };
}

/** The one-probe cases of test/fixtures/kernel. */
export function readKernelCases(): KernelCase[] {
  return loadKernelRecordings(KERNEL_DIR).map(kernelCase);
}
