// Regression without root: the simulator must print what the real kernel and tools printed (test/fixtures/kernel/*.yaml,
// recorded by cli/capture-scenario.ts), compared exactly as `tracelab verify` compares (millisecond figures masked,
// stdout, stderr and exit code); the break steps must succeed silently on the simulator as they did on the kernel.
import { describe, expect, it } from 'vitest';
import { createSimBackend } from '../lab/sim.js';
import { compareResults, formatDifference } from '../lab/verify.js';
import { loadLab } from '../topology/compile.js';
import { readKernelCases } from './helpers/kernel-recordings.js';

const fixtures = readKernelCases();
const lab = loadLab('three-node');

describe('the simulator against recorded kernel outputs', () => {
  it('has recorded fixtures to compare with', () => {
    expect(fixtures.length).toBeGreaterThan(0);
  });

  it.each(fixtures.map((f) => [f.name, f] as const))('%s', async (_name, f) => {
    expect(f.lab).toBe(lab.name);
    const sim = createSimBackend();
    await sim.up(lab);
    for (const step of f.apply) {
      const r = await sim.run(step.at, step.run);
      expect({ step: `${step.at}: ${step.run}`, exitCode: r.exitCode, stderr: r.stderr }).toEqual({ step: `${step.at}: ${step.run}`, exitCode: 0, stderr: '' });
    }
    const got = await sim.run(f.probe.at, f.probe.run);
    const difference = compareResults({ phase: 'broken', index: 1, at: f.probe.at, run: f.probe.run }, got, f);
    expect(difference && formatDifference(difference, 'sim', 'netns'), `${f.name}: ${f.probe.at}: ${f.probe.run}`).toBeUndefined();
  });
});
