// Every disagreement `verify --generate` found, kept as a kernel-recorded scenario under scenarios/generated: the
// simulator must print what the kernel printed.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatResultText, loadScenarios, runScenario, scenarioLibraryDir } from '../lab/scenario/index.js';
import { createSimBackend } from '../lab/sim.js';

const scenarios = loadScenarios([join(scenarioLibraryDir(), 'generated')]);

describe('scenarios/generated on the simulator', () => {
  it('holds regression scenarios', () => {
    expect(scenarios.length).toBeGreaterThan(0);
  });
  for (const s of scenarios) {
    it(s.name, async () => {
      const r = await runScenario(s, () => createSimBackend());
      expect(r.pass, formatResultText(r)).toBe(true);
    });
  }
});
