// The one format of kernel recordings (scenario YAML with `recorded:`): what the recorder writes and what the tests load.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyObservation, loadScenarioFile, scenarioLibraryDir, type ScenarioObservation } from '../lab/scenario/index.js';
import { CAPTURES_DIR } from './helpers/captures.js';
import { KERNEL_E1_DIR, loadKernelRecordings, readKernelCases } from './helpers/kernel-recordings.js';

describe('kernel recordings', () => {
  it('the recorder writes `recorded:` (kernel, tools, time) and the file loads with it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tracelab-recorded-'));
    try {
      const file = join(dir, 'martian-own-source-loop.yaml');
      const text = readFileSync(join(scenarioLibraryDir(), 'martian-own-source-loop.yaml'), 'utf8').replace(/^recorded:\n(?: .*\n)*/m, '');
      writeFileSync(file, text);
      const s = loadScenarioFile(file);
      expect(s.recorded).toBeUndefined();
      const seen: ScenarioObservation = { backend: 'netns', broken: s.probes.map(() => ({ stdout: 'x\n', stderr: '', exitCode: 0 })) };
      const on = { kernel: '6.18.44', tools: { traceroute: 'Modern traceroute for Linux, version 2.1.2' }, at: '2026-12-04T21:50:00.000Z' };
      writeFileSync(file, applyObservation(text, s, seen, on).text);
      expect(loadScenarioFile(file).recorded).toEqual(on);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('test/fixtures/kernel: 54 one-probe cases, each saying where it was recorded', () => {
    const cases = loadKernelRecordings();
    expect(cases).toHaveLength(54);
    expect(cases.filter((s) => !s.recorded).map((s) => s.name)).toEqual([]);
    expect(readKernelCases()).toHaveLength(54);
  });

  it('test/fixtures/captures: 98 captures, each the capture rig and its fault then one probe', () => {
    const captures = loadKernelRecordings(CAPTURES_DIR);
    expect(captures).toHaveLength(98);
    expect(captures.filter((s) => s.probes.length !== 1 || s.breakSteps.length < 13).map((s) => s.name)).toEqual([]);
  });

  it('test/fixtures/kernel-e1: 4 scenarios with a fix', () => {
    const e1 = loadKernelRecordings(KERNEL_E1_DIR);
    expect(e1.map((s) => [s.name, s.fixSteps !== undefined])).toEqual([
      ['bridge-nf-call-iptables-off', true], ['bridged-dnat-without-forwarding', true], ['bridged-forward-interfaces', true], ['reject-for-routed-pod-traffic', true],
    ]);
  });
});
