// The scenario library through the training shell on the simulator: a scripted trainee runs the first probe, checks
// (NOT FIXED), walks to each fix step's place (ssh, kubectl exec), types the fix, walks back, and checks (FIXED).
import { debugImageOf } from '../topology/debug-container.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { trainMain } from '../cli/commands/train.js';
import { loadScenarios, scenarioLibraryDir, type Scenario } from '../lab/scenario/index.js';
import type { Device } from '../topology/model.js';
import { placeOf, resolvePlace } from '../topology/place.js';
import { readTranscript } from '../lab/train/transcript.js';

/** Every trainable library scenario (the others say `train: false`: baselines and demonstrations). */
const work = mkdtempSync(join(tmpdir(), 'tracelab-train-lib-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const library = new Map(loadScenarios([scenarioLibraryDir()]).map((s) => [s.name, s]));
const TRAINABLE = [...library.values()].filter((s) => s.trainable).map((s) => s.name);

function device(s: Scenario, place: string): Device {
  const where = resolvePlace(s.lab, place);
  if (!where.ok) throw new Error(where.message);
  return where.device;
}

const nodeOf = (d: Device) => (d.kind === 'pod' ? d.node! : d.id);

/** What the trainee types: the first probe, check, then each fix step typed at its place, then check. */
function traineeLines(s: Scenario): string[] {
  const first = s.probes[0]!;
  const start = device(s, first.at);
  const home = nodeOf(start);
  const lines = [first.run, 'check'];
  if (start.kind === 'pod') lines.push('exit');
  for (const step of s.fixSteps ?? []) {
    if (step.kind === 'wait') {
      lines.push(`sleep ${step.ms / 1000}`);
      continue;
    }
    const there = device(s, step.at);
    const node = nodeOf(there);
    if (node !== home) lines.push(`ssh ${node}`);
    // A pod without the fix's programs is entered as a trainee would: a debug container in it (place POD+IMAGE).
    const debugImage = debugImageOf(there);
    if (there.kind === 'pod') lines.push(debugImage ? `kubectl debug -it ${there.id} --image=${debugImage}` : `kubectl exec -it ${there.id} -- sh`);
    // On nodes and the host the trainee is an ordinary user: the trainer's fix steps need sudo there.
    lines.push(there.kind === 'pod' ? step.run : `sudo ${step.run}`);
    if (there.kind === 'pod') lines.push('exit');
    if (node !== home) lines.push('exit');
  }
  lines.push('check', 'quit');
  return lines;
}

describe('a scripted trainee fixes library scenarios through `tracelab train`', () => {
  it('has most of the library to train on', () => {
    expect(TRAINABLE.length).toBeGreaterThanOrEqual(25);
  });

  for (const name of TRAINABLE) {
    it(name, async () => {
      const s = library.get(name)!;
      const input = new PassThrough();
      let out = '';
      const output = new Writable({ write: (c, _e, done) => ((out += String(c)), done()) });
      const transcript = join(work, `${name}.jsonl`);
      const lines = traineeLines(s);
      input.end(lines.map((l) => `${l}\n`).join(''));
      const code = await trainMain({ scenario: name, backend: 'sim', transcript }, { input, output });
      const t = readTranscript(transcript);
      const checks = t.lines.filter((l) => l.builtin === 'check').map((l) => l.output);
      expect(checks.length, out).toBe(2);
      expect(checks[0], out).toMatch(/^NOT FIXED: /);
      expect(checks[1], out).toMatch(/^FIXED: /);
      expect(t.lines.map((l) => l.line)).toEqual(lines);
      // Every fix command ran where the scenario says, reached by the trainee's own moves, and succeeded.
      let from = 0;
      for (const step of s.fixSteps ?? []) {
        if (step.kind !== 'run') continue;
        from = t.lines.findIndex((l, i) => i >= from && (l.line === step.run || l.line === `sudo ${step.run}`));
        const typed = t.lines[from++]!;
        expect(typed.place, step.run).toBe(placeOf(device(s, step.at)));
        expect(typed.exitCode, `${step.run}: ${typed.output}`).toBe(0);
      }
      expect(t.summary).toMatchObject({ fixed: true, checks: 2, commands: lines.length });
      expect(code).toBe(0);
    });
  }
});
