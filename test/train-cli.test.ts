// `tracelab train` as a real process: piped stdin with signals (Ctrl-C as SIGINT never ends the session, SIGTERM
// ends it with a summary), and a real terminal through tmux (prompt, tab completion, history, Ctrl-C, Ctrl-D).
// The CLI is compiled once into .tracelab/test-dist-train (incremental, skipped when up to date).
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTranscript } from '../lab/train/transcript.js';

const ROOT = join(import.meta.dirname, '..');
const OUT = join(ROOT, '.tracelab', 'test-dist-train');
const BIN = join(OUT, 'cli', 'bin.js');
const STAMP = join(OUT, '.built');
const FIXTURE = join(ROOT, 'test', 'fixtures', 'train', 'blackhole-httpd.yaml');
const hasTmux = spawnSync('tmux', ['-V'], { stdio: 'ignore' }).status === 0;
if (!hasTmux) console.log('skipping the terminal session test: tmux is not installed');
const work = mkdtempSync(join(tmpdir(), 'tracelab-train-cli-'));

/** Newest modification time of the TypeScript sources the CLI is built from. */
function newestSource(): number {
  let newest = 0;
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts')) newest = Math.max(newest, statSync(p).mtimeMs);
    }
  };
  for (const d of ['cli', 'lab', 'sim', 'topology']) walk(join(ROOT, d));
  return newest;
}

beforeAll(() => {
  if (existsSync(STAMP) && statSync(STAMP).mtimeMs > newestSource()) return;
  mkdirSync(OUT, { recursive: true });
  // Type errors elsewhere in the tree do not stop the emit; a missing bin.js afterwards does.
  spawnSync('npx', ['tsc', '-p', 'tsconfig.json', '--outDir', OUT, '--incremental', '--tsBuildInfoFile', join(OUT, '.tsbuildinfo'), '--declaration', 'false', '--sourceMap', 'false'], { cwd: ROOT, stdio: 'ignore' });
  if (!existsSync(BIN)) throw new Error(`building the CLI into ${OUT} failed`);
  writeFileSync(STAMP, '');
}, 300_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Waits until `read()` satisfies `ok`, polling; fails with the last text seen. */
async function waitFor(read: () => string, ok: (text: string) => boolean, what: string, ms = 30_000): Promise<string> {
  const end = Date.now() + ms;
  let text = read();
  while (!ok(text)) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; screen/output was:\n${text}`);
    await sleep(100);
    text = read();
  }
  return text;
}

describe('piped stdin in a real process', () => {
  it('ignores SIGINT (cancels the line) and ends with a summary on SIGTERM', async () => {
    const transcript = join(work, 'signals.jsonl');
    const child = spawn(process.execPath, [BIN, 'train', FIXTURE, '--transcript', transcript], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += String(d)));
    child.stderr.on('data', (d) => (out += String(d)));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await waitFor(() => out, (t) => t.includes('netshoot:~# '), 'the first prompt');
    child.stdin.write('check\n');
    await waitFor(() => out, (t) => /NOT FIXED[\s\S]*netshoot:~# $/.test(t), 'the first check and the next prompt');
    child.kill('SIGINT');
    await waitFor(() => out, (t) => t.includes('^C\n'), 'the cancelled line');
    child.stdin.write('exit\nssh node-1\nsudo ip route del blackhole 10.244.1.3/32\ncheck\n');
    await waitFor(() => out, (t) => t.includes('FIXED: the probe'), 'the second check');
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(out).toContain('Session summary');
    expect(out).toMatch(/result +FIXED/);
    expect(readTranscript(transcript).summary).toMatchObject({ fixed: true, checks: 2 });
  }, 60_000);

  it('reports a usage error in one line with exit 2', () => {
    const r = spawnSync(process.execPath, [BIN, 'train', 'no-such-scenario'], { encoding: 'utf8', input: '' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^tracelab: no scenario "no-such-scenario" in the library \(known: .*\)\n$/);
  });
});

describe.skipIf(!hasTmux)('a real terminal (tmux)', () => {
  const socket = `tlr1-${process.pid}`;
  const tmux = (...args: string[]) => execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
  const screen = () => tmux('capture-pane', '-p', '-J', '-S', '-300', '-t', 'train');
  afterAll(() => {
    spawnSync('tmux', ['-L', socket, 'kill-server'], { stdio: 'ignore' });
  });

  it('has a prompt, tab completion, history, Ctrl-C and Ctrl-D', async () => {
    const transcript = join(work, 'tty.jsonl');
    const command = `${process.execPath} ${BIN} train ${FIXTURE} --transcript ${transcript} --name tty; echo "[exit $?]"; sleep 60`;
    tmux('new-session', '-d', '-s', 'train', '-x', '160', '-y', '50', command);
    await waitFor(screen, (t) => /^netshoot:~# *$/m.test(t), 'the prompt');
    tmux('send-keys', '-t', 'train', 'chec', 'Tab');
    await waitFor(screen, (t) => /^netshoot:~# check *$/m.test(t), 'tab completion of check');
    tmux('send-keys', '-t', 'train', 'Enter');
    await waitFor(screen, (t) => t.includes('NOT FIXED'), 'the first check');
    tmux('send-keys', '-t', 'train', 'some half-typed line', 'C-c');
    await waitFor(screen, (t) => /some half-typed line\^C\nnetshoot:~# *$/m.test(t), 'Ctrl-C cancelling the line');
    tmux('send-keys', '-t', 'train', 'exit', 'Enter');
    await waitFor(screen, (t) => /^vagrant@node-2:~\$ *$/m.test(t), 'the node-2 prompt');
    // Two Tabs list the candidates (sent apart, as fingers do: readline handles one completion at a time).
    tmux('send-keys', '-t', 'train', 'ssh node-', 'Tab');
    await sleep(500);
    tmux('send-keys', '-t', 'train', 'Tab');
    await waitFor(screen, (t) => /^node-1 +node-2 *$/m.test(t), 'the list of node completions');
    tmux('send-keys', '-t', 'train', '1', 'Enter');
    await waitFor(screen, (t) => /^vagrant@node-1:~\$ *$/m.test(t), 'the node-1 prompt');
    tmux('send-keys', '-t', 'train', 'ip route', 'Enter');
    await waitFor(screen, (t) => t.includes('blackhole 10.244.1.3'), 'ip route on node-1');
    tmux('send-keys', '-t', 'train', 'Up', 'Enter');
    await waitFor(screen, (t) => t.split('blackhole 10.244.1.3 ').length === 3, 'ip route again from history');
    tmux('send-keys', '-t', 'train', 'sudo ip route del blackhole 10.244.1.3/32', 'Enter', 'check', 'Enter');
    await waitFor(screen, (t) => t.includes('FIXED: the probe'), 'the second check');
    tmux('send-keys', '-t', 'train', 'C-d');
    const end = await waitFor(screen, (t) => t.includes('[exit 0]'), 'the end of the session');
    expect(end).toContain('Session summary');
    expect(end).toMatch(/result +FIXED/);
    const t = readTranscript(transcript);
    expect(t.summary).toMatchObject({ trainee: 'tty', fixed: true, checks: 2 });
    // The cancelled line never ran; the history entry ran `ip route` a second time.
    expect(t.lines.map((l) => l.line)).toEqual(['check', 'exit', 'ssh node-1', 'ip route', 'ip route', 'sudo ip route del blackhole 10.244.1.3/32', 'check']);
  }, 120_000);
});
