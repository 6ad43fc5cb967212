// Records the kernel fixtures (test/fixtures/kernel/*.json): TRACELAB_RECORD_KERNEL=1 npx vitest run test/netns-record-fixtures.test.ts
// TRACELAB_RECORD_KERNEL=verify replays every case on a fresh lab and compares with the stored file (times masked).
import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { preflight } from '../lab/netns/preflight.js';
import { runArgv } from '../lab/process.js';
import { createNetnsBackend } from '../lab/netns/backend.js';
import { netnsDown } from '../lab/netns/lifecycle.js';
import { loadLab } from '../topology/compile.js';
import { KERNEL_CASES } from './netns-kernel-cases.js';
import { KERNEL_FIXTURES, maskTimes, runCase, type KernelFixture } from './netns-kernel-io.js';

const check = preflight();
const mode = process.env.TRACELAB_RECORD_KERNEL;
const reason = mode !== '1' && mode !== 'verify' ? 'set TRACELAB_RECORD_KERNEL=1 to record (or =verify to replay)' : !check.ok ? check.message.split('\n').join('; ') : '';
if (reason) console.log(`skipping kernel fixture recording: ${reason}`);
const only = process.env.TRACELAB_RECORD_ONLY ? new RegExp(process.env.TRACELAB_RECORD_ONLY) : undefined;

describe.skipIf(reason !== '')('record kernel fixtures from the default lab', () => {
  it('records every case on a freshly built lab', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'tracelab-record-'));
    const backend = createNetnsBackend({ prefix: 'tlt6', stateDir });
    const lab = loadLab('three-node');
    const first = (r: { stdout: string; stderr: string }) => (r.stdout + r.stderr).split('\n')[0]!.trim();
    const environment = {
      kernel: (await runArgv(['uname', '-r'])).stdout.trim(),
      traceroute: first(await runArgv(['traceroute', '--version'])),
      busybox: first(await runArgv(['busybox'])),
      recordedAt: new Date().toISOString(),
    };
    mkdirSync(KERNEL_FIXTURES, { recursive: true });
    const timings: string[] = [];
    try {
      for (const c of KERNEL_CASES) {
        if (only && !only.test(c.name)) continue;
        let t = Date.now();
        await backend.up(lab);
        const upMs = Date.now() - t;
        const result = await runCase(backend, c);
        t = Date.now();
        await backend.down();
        timings.push(`${c.name}: up ${upMs} ms, down ${Date.now() - t} ms`);
        for (const a of result.apply) expect(a.exitCode, `${c.name}: ${a.run}: ${a.stderr}`).toBe(0);
        const fixture: KernelFixture = { name: c.name, title: c.title, lab: lab.name, backend: 'netns', environment, apply: result.apply, probe: c.probe, exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr };
        const file = join(KERNEL_FIXTURES, `${c.name}.json`);
        if (mode === 'verify') {
          const stored = JSON.parse(readFileSync(file, 'utf8')) as KernelFixture;
          expect.soft({ name: c.name, exitCode: fixture.exitCode, out: maskTimes(fixture.stdout + fixture.stderr) }).toEqual({ name: c.name, exitCode: stored.exitCode, out: maskTimes(stored.stdout + stored.stderr) });
        } else writeFileSync(file, JSON.stringify(fixture, null, 2) + '\n');
      }
    } finally {
      await netnsDown({ prefix: 'tlt6', stateDir });
      rmSync(stateDir, { recursive: true, force: true });
      console.log(timings.join('\n'));
    }
  }, 1_800_000);
});
