// Class files of `tracelab serve --class`: docs/example-class.yaml loads; every problem is reported at FILE:LINE:COL
// (schema problems through the generated validator, unknown or untrainable scenarios, a missing transcript directory).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadClassFile } from '../lab/web/class-file.js';
import { SourceError } from '../topology/yaml-source.js';

const ROOT = join(import.meta.dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'tracelab-class-test-'));

function problems(name: string, text: string): string[] {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, text);
  try {
    loadClassFile(file);
  } catch (err) {
    if (err instanceof SourceError) return err.message.split('\n').map((l) => l.replace(`${file}:`, 'FILE:'));
    throw err;
  }
  return [];
}

describe('class files', () => {
  it('docs/example-class.yaml: its scenarios in order with their limits and rules; a token is made when none is given', () => {
    const cls = loadClassFile(join(ROOT, 'docs', 'example-class.yaml'));
    expect(cls.steps.map((s) => s.scenario.name)).toEqual(['forwarding-off-node-1', 'eth1-down-node-1', 'blackhole-route']);
    expect(cls.steps.map((s) => [s.timeLimitMs, s.hints, s.solutions])).toEqual([[1_200_000, true, false], [1_200_000, true, false], [1_500_000, true, true]]);
    expect(cls.tokenGenerated).toBe(true);
    expect(cls.trainerToken).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(cls.idleTimeoutMs).toBe(1_800_000);
  });

  it('reports schema problems at their line and column', () => {
    const out = problems('schema', 'name: c\ntrainerToken: short\nscenarios:\n  - scenario: forwarding-off-node-1\n    timeLimit: 20 minutes\n    colour: red\n');
    expect(out).toHaveLength(3);
    expect(out.some((l) => l.startsWith('FILE:2:15: '))).toBe(true);
    expect(out.some((l) => l.startsWith('FILE:5:16: '))).toBe(true);
    expect(out.some((l) => l.startsWith('FILE:6:5: '))).toBe(true);
  });

  it('reports an unknown scenario, one that cannot be trained, and a transcript directory that does not exist', () => {
    const out = problems('refs', 'name: c\ntranscripts: no-such-dir\nscenarios:\n  - scenario: no-such-scenario\n  - scenario: seed-lab-baseline\n');
    expect(out[0]).toBe('FILE:4:15: no scenario "no-such-scenario" in the library (`tracelab scenario list` names them)');
    expect(out[1]).toMatch(/^FILE:5:15: scenario seed-lab-baseline is not a training exercise/);
    expect(out[2]).toBe(`FILE:2:14: no such directory: ${join(dir, 'no-such-dir')} (create it first; it is never created for you)`);
  });
});
