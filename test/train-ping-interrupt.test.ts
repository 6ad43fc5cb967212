// `ping` without -c in the training shell on a terminal: a line per interval until Ctrl-C, then ^C and the
// statistics. The shape of the interrupted output is the real iputils ping's, run here on loopback and stopped with
// SIGINT; the counts are those of the requests the simulator sent.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadScenarioFile, scenarioLibraryDir } from '../lab/scenario/index.js';
import { createSimBackend } from '../lab/sim.js';
import { TrainingSession } from '../lab/train/session.js';
import { Foreground } from '../lab/train/foreground.js';
import { endlessPing, startNetnsPing } from '../lab/netns/ping-job.js';

const work = mkdtempSync(join(tmpdir(), 'tracelab-ping-interrupt-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The real ping's stdout, interrupted after about AFTER_MS (a pipe: ping flushes each line as a terminal would). */
function realInterruptedPing(args: readonly string[], afterMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const child = spawn(args[0]!, args.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c) => (out += String(c)));
    child.on('error', () => resolve(undefined));
    child.on('close', () => resolve(out));
    setTimeout(() => child.kill('SIGINT'), afterMs);
  });
}

/** A line's shape: figures masked, so the real loopback ping and the lab's ping compare. */
const shape = (text: string) => text.replace(/\d+(\.\d+)?/g, 'N');

/** The lab's interrupted ping (to 10.244.2.1) has the real one's lines (to 127.0.0.1), figures masked. */
function expectSameShape(printed: string, real: string): void {
  // The terminal echoes ^C where the real ping, on a pipe, printed nothing.
  const labLines = shape(printed.replace('^C', '').replace(/10\.244\.2\.1/g, '127.0.0.1')).split('\n');
  const realLines = shape(real).split('\n');
  expect(labLines[0]).toBe(realLines[0]);
  expect(new Set(labLines.slice(1))).toEqual(new Set(realLines.slice(1)));
}

async function interruptedSession(line: string, lines: number, startAt?: string): Promise<{ printed: string }> {
  const scenario = loadScenarioFile(join(scenarioLibraryDir(), 'capture-syn-dropped.yaml'));
  let out = '';
  const s = new TrainingSession({ scenario, makeBackend: () => createSimBackend(), out: (t) => (out += t), diagramDir: work, untilInterrupted: { tickMs: 2 }, ...(startAt ? { startAt } : {}) });
  await s.start();
  out = '';
  const done = s.handle(line);
  while ((out.match(/\n/g) ?? []).length < lines + 1) await new Promise((r) => setTimeout(r, 1));
  expect(s.interrupt()).toBe(true);
  await done;
  expect(s.interrupt()).toBe(false);
  await s.finish();
  return { printed: out };
}

describe('ping until Ctrl-C (training shell, simulator)', () => {
  it('prints a reply a tick, and on Ctrl-C ^C and the statistics of what it sent', async () => {
    const r = await interruptedSession('ping -n 10.244.2.1', 3);
    const replies = r.printed.split('\n').filter((l) => l.includes('bytes from'));
    expect(replies.length).toBeGreaterThanOrEqual(3);
    replies.forEach((l, i) => expect(l).toContain(`icmp_seq=${i + 1} `));
    const n = replies.length;
    expect(r.printed).toMatch(new RegExp(`\\n\\^C\\n--- 10\\.244\\.2\\.1 ping statistics ---\\n${n} packets transmitted, ${n} received, 0% packet loss, time ${(n - 1) * 1000}ms\\nrtt min/avg/max/mdev = [0-9./]+ ms\\n$`));
  });

  it('has the shape of the real ping interrupted by SIGINT', async () => {
    const real = await realInterruptedPing(['ping', '-n', '127.0.0.1'], 2500);
    if (real === undefined) return expect.fail('ping is not installed here');
    const r = await interruptedSession('ping -n 10.244.2.1', 3);
    expectSameShape(r.printed, real);
  });

  it('busybox\'s ping in a busybox pod has the shape of the real busybox ping interrupted by SIGINT', async () => {
    const real = await realInterruptedPing(['busybox', 'ping', '127.0.0.1'], 2500);
    if (real === undefined) return expect.fail('busybox is not installed here');
    const r = await interruptedSession('ping 10.244.2.1', 3, 'node-2/traceroute');
    expect(r.printed).toMatch(/\^C\n--- 10\.244\.2\.1 ping statistics ---\n(\d+) packets transmitted, \1 packets received, 0% packet loss\n/);
    expectSameShape(r.printed, real);
  });

  it('a ping that cannot start prints its error at once', async () => {
    const r = await interruptedSessionError('ping -n 203.0.113.300');
    expect(r).toContain('ping: 203.0.113.300: ');
  });
});

async function interruptedSessionError(line: string): Promise<string> {
  const scenario = loadScenarioFile(join(scenarioLibraryDir(), 'capture-syn-dropped.yaml'));
  let out = '';
  const s = new TrainingSession({ scenario, makeBackend: () => createSimBackend(), out: (t) => (out += t), diagramDir: work, untilInterrupted: { tickMs: 2 } });
  await s.start();
  out = '';
  await s.handle(line);
  await s.finish();
  return out;
}

describe('ping until Ctrl-C on the namespace lab: the real ping streamed and stopped by SIGINT', () => {
  // The namespace lab runs `ip netns exec NS ping ...`; here the same job runs the real ping on loopback, no namespace.
  it('shows the real lines as they come and its statistics after ^C', async () => {
    const started = await startNetnsPing(['ping', '-n', '127.0.0.1']);
    if (!started.ok) return expect.fail(started.result.stderr);
    const fg = new Foreground(1000);
    let shownWhileRunning = '';
    const done = fg.run(started.job, (t) => (shownWhileRunning += t));
    await new Promise((r) => setTimeout(r, 2300));
    expect(shownWhileRunning).toMatch(/^PING 127\.0\.0\.1 \(127\.0\.0\.1\) 56\(84\) bytes of data\.\n64 bytes from 127\.0\.0\.1: icmp_seq=1 /);
    expect(fg.interrupt()).toBe(true);
    const r = await done;
    expect(r.shown).toBe(shownWhileRunning);
    expect(r.stdout).toMatch(/^\n--- 127\.0\.0\.1 ping statistics ---\n(\d) packets transmitted, \1 received, 0% packet loss/);
    expect(r.exitCode).toBe(0);
  });

  it('an early error is the command\'s result; -c or -w makes ping an ordinary command', async () => {
    const r = await startNetnsPing(['ping', '-n', '-t', '0', '127.0.0.1']);
    expect(r).toMatchObject({ ok: false, result: { stderr: 'ping: cannot set unicast time-to-live: Invalid argument\n', exitCode: 2 } });
    expect(endlessPing(['ping', '10.0.0.1'], false)).toBe(true);
    expect(endlessPing(['ping', '-c', '3', '10.0.0.1'], false)).toBe(false);
    expect(endlessPing(['ping', '-w', '3', '10.0.0.1'], false)).toBe(false);
    expect(endlessPing(['ping', '10.0.0.1'], true)).toBe(true);
    expect(endlessPing(['ping', '-c', '2', '10.0.0.1'], true)).toBe(false);
  });
});
