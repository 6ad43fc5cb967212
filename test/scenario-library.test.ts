// The whole scenario library on the simulator: every scenario's expected outputs were recorded from the real kernel
// (cli/capture-scenario.ts), so a failure here is a disagreement between the simulator and the kernel.
import { describe, expect, it, vi } from 'vitest';
import { formatResultText, loadScenarios, runScenario, scenarioLibraryDir } from '../lab/scenario/index.js';
import { createSimBackend } from '../lab/sim.js';

// The machine is shared: building labs and running probes may be slow, never wrong.
vi.setConfig({ testTimeout: 60_000 });

const scenarios = loadScenarios([scenarioLibraryDir()]);

describe('the scenario library on the simulator', () => {
  it('has at least 20 scenarios', () => {
    expect(scenarios.length).toBeGreaterThanOrEqual(20);
  });

  for (const s of scenarios) {
    it(s.name, async () => {
      const r = await runScenario(s, () => createSimBackend());
      expect(r.pass, formatResultText(r)).toBe(true);
    });
  }
});
