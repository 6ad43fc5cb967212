// Root-only: library scenarios run on the namespace lab still match their recorded expectations (the kernel output
// is repeatable), and the runner leaves no namespace behind.
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { preflight } from '../lab/netns/preflight.js';
import { createNetnsBackend } from '../lab/netns/backend.js';
import { formatResultText, loadScenarios, runScenarios, scenarioLibraryDir } from '../lab/scenario/index.js';

const check = preflight();
if (!check.ok) console.log(`skipping scenario kernel tests: ${check.message.split('\n').join('; ')}`);

const PREFIX = 'tls1t';
const SAMPLE = ['forwarding-off-node-1', 'forward-reject-variants', 'mtu-eth1-node-2', 'flannel-reconciles-route'];

describe.skipIf(!check.ok)('library scenarios on the kernel (namespace lab)', () => {
  it(`${SAMPLE.join(', ')} pass, and nothing named ${PREFIX}-* is left`, async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'tracelab-scenario-kernel-'));
    const files = SAMPLE.map((n) => join(scenarioLibraryDir(), `${n}.yaml`));
    const report = await runScenarios(loadScenarios(files), () => createNetnsBackend({ prefix: PREFIX, stateDir }));
    const left = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }).split('\n').filter((l) => l.startsWith(`${PREFIX}-`));
    expect(left).toEqual([]);
    expect(report.backend).toBe('netns');
    expect(report.failed, report.results.map(formatResultText).join('')).toBe(0);
    expect(report.passed).toBe(SAMPLE.length);
  }, 240_000);
});
