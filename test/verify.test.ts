// `tracelab verify`: the comparison on recorded outputs (no root), sim against sim, and (root) the namespace lab
// against itself and against the simulator through the CLI.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSimBackend } from '../lab/sim.js';
import { createNetnsBackend } from '../lab/netns/backend.js';
import { preflight } from '../lab/netns/preflight.js';
import { runArgv } from '../lab/process.js';
import { loadScenarioFile, loadScenarios } from '../lab/scenario/index.js';
import type { ScenarioObservation } from '../lab/scenario/run.js';
import {
  agreementLine, compareObservations, compareResults, firstDifferingLine, formatDifference, formatVerifyResult, verifyScenarios,
} from '../lab/verify.js';
import { verifyMain } from '../cli/commands/verify.js';
import { runCli } from './helpers/cli.js';
import { readKernelCases } from './helpers/kernel-recordings.js';

const FIXTURES = join(import.meta.dirname, 'fixtures', 'verify');
const AGREES = join(FIXTURES, 'forwarding-off-agrees.yaml');
const DISAGREES = join(FIXTURES, 'uname-disagrees.yaml');
const kernel = Object.fromEntries(readKernelCases().map((f) => [f.name, f]));
const result = (stdout: string, exitCode = 0, stderr = '') => ({ stdout, stderr, exitCode });
const where = { phase: 'broken' as const, index: 2, at: 'node-2/netshoot', run: 'traceroute -n 10.244.1.3' };

describe('comparing outputs', () => {
  it('treats outputs that differ only in millisecond figures as agreeing', () => {
    const f = kernel['seed-linux-cross-node']!;
    const retimed = f.stdout.replace(/\d+\.\d{3} ms/g, '9.999 ms');
    expect(retimed).not.toBe(f.stdout);
    expect(firstDifferingLine(f.stdout, retimed)).toBeUndefined();
    expect(compareResults(where, f, { ...f, stdout: retimed })).toBeUndefined();
  });

  it('finds the first differing line of two recorded kernel outputs', () => {
    const forwarding = kernel['fault-ip-forward-off']!;
    const dropped = kernel['fault-forward-drop']!;
    const d = compareResults(where, forwarding, dropped);
    expect(d).toMatchObject({ stream: 'stdout', line: 3 });
    const [a, b] = [forwarding.stdout.split('\n')[2]!, dropped.stdout.split('\n')[2]!];
    expect(a).toBe(' 2  *');
    expect(b).toMatch(/^ 2  192\.168\.56\.11  \d+\.\d{3} ms$/);
    expect(formatDifference(d!, 'sim', 'netns')).toBe(`differs at probe 2 line 3: sim ${JSON.stringify(a)} kernel ${JSON.stringify(b)}`);
  });

  it('reports missing lines, stderr lines and exit codes', () => {
    expect(formatDifference(compareResults(where, result('a\nb\n'), result('a\n'))!, 'sim', 'netns')).toBe('differs at probe 2 line 2: sim "b" kernel ""');
    expect(formatDifference(compareResults(where, result('a\n'), result('a\nb'))!, 'sim', 'netns')).toBe('differs at probe 2 line 2: sim "" kernel "b"');
    expect(formatDifference(compareResults(where, result('a'), result('a\nb'))!, 'sim', 'netns')).toBe('differs at probe 2 line 2: sim (no such line) kernel "b"');
    const noRoute = kernel['error-no-route-at-source']!;
    const unknown = kernel['error-unknown-host']!;
    expect(formatDifference(compareResults({ ...where, phase: 'fixed' }, { ...noRoute, stdout: '' }, { ...unknown, stdout: '' })!, 'sim', 'netns')).toBe(
      `differs at probe 2 (after fix) stderr line 1: sim ${JSON.stringify(noRoute.stderr.split('\n')[0])} kernel ${JSON.stringify(unknown.stderr.split('\n')[0])}`,
    );
    expect(formatDifference(compareResults(where, result('x', 1), result('x', 2))!, 'sim', 'vagrant')).toBe('differs at probe 2 exit code: sim 1 vagrant 2');
  });

  it('compares broken probes, then fixed probes, then failed steps', () => {
    const scenario = loadScenarioFile(AGREES);
    const ok = kernel['seed-linux-cross-node']!;
    const seen = (broken: ReturnType<typeof result>[], fixed?: ReturnType<typeof result>[], stepFailure?: ScenarioObservation['stepFailure']): ScenarioObservation => ({
      backend: 'x', broken, ...(fixed ? { fixed } : {}), ...(stepFailure ? { stepFailure } : {}),
    });
    const a = seen([result(ok.stdout), result('b\n')], [result(ok.stdout), result('c\n')]);
    expect(compareObservations(scenario, a, a)).toBeUndefined();
    expect(compareObservations(scenario, a, seen([result(ok.stdout), result('b\n')], [result(ok.stdout), result('d\n')]))).toMatchObject({ phase: 'fixed', index: 2, line: 1, reference: 'c', subject: 'd' });
    const failed = { phase: 'break' as const, at: 'node-1', run: 'sysctl -w net.ipv4.ip_forward=0', exitCode: 127, stderr: 'sh: sysctl: not found\n' };
    const d = compareObservations(scenario, seen([], undefined, failed), a);
    expect(d).toMatchObject({ phase: 'break', index: 1, stream: 'step' });
    expect(formatDifference(d!, 'sim', 'netns')).toBe('break step 1 (node-1: sysctl -w net.ipv4.ip_forward=0) differs: sim "exit 127: sh: sysctl: not found" kernel (did not fail)');
    expect(compareObservations(scenario, seen([], undefined, failed), seen([], undefined, failed))).toBeUndefined();
  });

  it('formats results and the agreement line', () => {
    expect(formatVerifyResult({ name: 's', title: '', file: '', agree: true, durationMs: 1 }, 'sim', 'netns')).toBe('s: agree\n');
    expect(formatVerifyResult({ name: 's', title: '', file: '', agree: false, error: { backend: 'netns', message: 'boom' }, durationMs: 1 }, 'sim', 'netns')).toBe('s: error on kernel: boom\n');
    expect(agreementLine({ agreed: 3, total: 4 })).toBe('agreement: 3/4');
    const flake = { phase: 'broken' as const, index: 1, at: 'node-2/netshoot', run: 'traceroute -n -T 10.96.0.20', stream: 'stdout' as const, line: 2, reference: ' 1  10.96.0.20  0.1 ms  0.1 ms  0.1 ms', subject: ' 1  10.96.0.20  0.063 ms * *' };
    expect(formatVerifyResult({ name: 's', title: '', file: '', agree: true, retried: [flake], durationMs: 1 }, 'sim', 'netns')).toBe(
      's: agree (on kernel run 2; run 1 differs at probe 1 line 2: sim " 1  10.96.0.20  0.1 ms  0.1 ms  0.1 ms" kernel " 1  10.96.0.20  0.063 ms * *")\n',
    );
  });
});

describe('verify on the simulator alone', () => {
  it('agrees with itself across seeds (only the millisecond figures change)', async () => {
    const scenarios = loadScenarios([AGREES]);
    const report = await verifyScenarios(scenarios, { makeReference: () => createSimBackend({ seed: 1 }), makeSubject: () => createSimBackend({ seed: 7 }) });
    expect(report).toMatchObject({ reference: 'sim', subject: 'sim', agreed: 1, total: 1 });
  });

  it('stops before the next scenario once its signal is aborted (Ctrl-C), keeping the results so far', async () => {
    const stop = new AbortController();
    const report = await verifyScenarios(loadScenarios([AGREES, DISAGREES]), {
      makeReference: () => createSimBackend(),
      makeSubject: () => createSimBackend(),
      signal: stop.signal,
      onResult: () => stop.abort(),
    });
    expect(report).toMatchObject({ agreed: 1, total: 1, interrupted: true });
    expect(report.results.map((r) => r.name)).toEqual(['verify-forwarding-off']);
  });

  it('rejects --backend sim and unknown backends as usage errors (exit 2)', async () => {
    const io = { out: () => undefined, err: () => undefined };
    await expect(verifyMain({ backend: 'sim', targets: [AGREES] }, io)).rejects.toThrow(/^verify compares the simulator with a real backend/);
    await expect(verifyMain({ backend: 'nope', targets: [AGREES] }, io)).rejects.toThrow(/unknown backend "nope"/);
    const r = await runCli(['verify', AGREES, '--backend', 'sim']);
    expect(r).toMatchObject({ code: 2, out: '' });
    expect(r.err).toMatch(/^tracelab: verify compares the simulator with a real backend.*\n$/);
  });

});

const check = preflight();
if (!check.ok) console.log(`skipping verify on the namespace lab: ${check.message.split('\n').join('; ')}`);

describe.skipIf(!check.ok)('verify on the namespace lab (root)', () => {
  it('the kernel agrees with itself on two fresh labs', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'tracelab-verify-'));
    try {
      const report = await verifyScenarios(loadScenarios([AGREES]), {
        makeReference: () => createNetnsBackend({ prefix: 'tlv1a', stateDir }),
        makeSubject: () => createNetnsBackend({ prefix: 'tlv1b', stateDir }),
      });
      expect(report.results.map((r) => formatVerifyResult(r, report.reference, report.subject))).toEqual(['verify-forwarding-off: agree\n']);
    } finally {
      rmSync(stateDir, { recursive: true, force: true });
    }
  }, 120_000);

  it('tracelab verify reports the disagreement of a command the simulator lacks, and exits 1', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'tracelab-verify-'));
    const before = process.env.TRACELAB_STATE_DIR;
    process.env.TRACELAB_STATE_DIR = stateDir;
    let out = '';
    try {
      const code = await verifyMain({ backend: 'netns', prefix: 'tlv1c', targets: [DISAGREES] }, { out: (t) => (out += t), err: (t) => (out += t) });
      const release = (await runArgv(['uname', '-r'])).stdout.split('\n')[0];
      const sim = createSimBackend();
      await sim.up(loadScenarioFile(DISAGREES).lab);
      const simLine = (await sim.run('node-1', 'uname -r')).stdout.split('\n')[0];
      expect(simLine).not.toBe(release);
      expect(out).toBe(`verify-uname: differs at probe 1 line 1: sim ${JSON.stringify(simLine)} kernel ${JSON.stringify(release)}\nagreement: 0/1\n`);
      // The default one retry ran a second, fresh kernel lab and saw the same difference.
      let json = '';
      expect(await verifyMain({ backend: 'netns', prefix: 'tlv1c', targets: [DISAGREES], json: true, retries: 1 }, { out: (t) => (json += t), err: (t) => (json += t) })).toBe(1);
      const parsed = JSON.parse(json) as { agreed: number; total: number; results: { retried?: string[]; message?: string }[] };
      expect(parsed).toMatchObject({ agreed: 0, total: 1 });
      expect(parsed.results[0]!.retried).toEqual([parsed.results[0]!.message]);
      expect(code).toBe(1);
    } finally {
      if (before === undefined) delete process.env.TRACELAB_STATE_DIR;
      else process.env.TRACELAB_STATE_DIR = before;
      rmSync(stateDir, { recursive: true, force: true });
    }
  }, 120_000);
});
