// The `tracelab lab` command: backend dispatch (no root), and up/status/down of the default lab through yargs (root).
import { describe, expect, it, vi, afterEach } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yargs from 'yargs';
import { labCommand, runLabAction } from '../cli/commands/lab.js';
import { UsageError } from '../lab/backend.js';
import { preflight } from '../lab/netns/preflight.js';
import { netnsDown } from '../lab/netns/lifecycle.js';

const check = preflight();
if (!check.ok) console.log(`skipping lab CLI build test: ${check.message.split('\n').join('; ')}`);

afterEach(() => {
  vi.restoreAllMocks();
});

/** Runs `tracelab ARGS` through yargs with the lab command; returns what it printed and the exit code. */
async function cli(args: string[]): Promise<{ out: string; err: string; code: number }> {
  let out = '';
  let err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((out += String(chunk)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((err += String(chunk)), true));
  process.exitCode = 0;
  try {
    await yargs(args).command(labCommand).strict().exitProcess(false).fail((msg, e) => {
      throw e ?? new UsageError(msg);
    }).parseAsync();
  } finally {
    vi.restoreAllMocks();
  }
  const code = Number(process.exitCode ?? 0);
  process.exitCode = 0;
  return { out, err, code };
}

describe('lab command dispatch', () => {
  it('rejects unknown backends with the list of known ones', async () => {
    await expect(runLabAction({ action: 'up', backend: 'vmware' })).rejects.toThrow(/^unknown lab backend "vmware"; known: (\w+, )*netns(, \w+)*$/);
    await expect(runLabAction({ action: 'render', backend: 'netns' })).rejects.toThrow(/backend netns has no "lab render"; its actions: up, status, down/);
  });
  it('reports lab errors in one line with exit 2', async () => {
    const r = await cli(['lab', 'up', '--backend', 'netns', '--prefix', 'bad/x']);
    expect(r.err).toBe('tracelab: lab up: invalid namespace prefix "bad/x": use 1-16 letters and digits, starting with a letter (e.g. tlns)\n');
    expect(r.code).toBe(2);
  });
  it('reports a missing lab as status exit 1', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'tracelab-cli-'));
    try {
      const r = await cli(['lab', 'status', '--backend', 'netns', '--prefix', 'tlt7', '--state-dir', stateDir]);
      expect(r.out).toBe(`no namespace lab with prefix tlt7 (no record at ${stateDir}/netns-tlt7.json)\n`);
      expect(r.code).toBe(1);
    } finally {
      rmSync(stateDir, { recursive: true, force: true });
    }
  });
});

describe.skipIf(!check.ok)('tracelab lab up/status/down --backend netns', () => {
  it('builds, reports and removes the default lab', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'tracelab-cli-'));
    const common = ['--backend', 'netns', '--prefix', 'tlt7', '--state-dir', stateDir];
    try {
      const up = await cli(['lab', 'up', ...common]);
      expect(up.code).toBe(0);
      expect(up.out).toMatch(/^namespaces 15\/15$/m);
      expect(up.out).toMatch(/^15 namespaces, \d+ commands, 10 listeners; run commands with: ip netns exec tlt7-<device> \.\.\.$/m);
      const status = await cli(['lab', 'status', ...common]);
      expect(status.code).toBe(0);
      expect(status.out).toMatch(/^lab three-node \(prefix tlt7\): up, built in \d+ ms$/m);
      expect(status.out).toContain('namespaces: 15/15 present\nlisteners: 10/10 running\n');
      expect(status.out).toMatch(/^ {2}node-2\/traceroute|^ {2}traceroute +pod +tlt7-traceroute$/m);
      const down = await cli(['lab', 'down', ...common]);
      expect(down.out).toMatch(/^removed 15 namespaces, 10 listeners, 42 files in \d+ ms$/m);
      expect((await cli(['lab', 'down', ...common])).out).toBe('no namespace lab with prefix tlt7: nothing to remove\n');
    } finally {
      await netnsDown({ prefix: 'tlt7', stateDir });
      rmSync(stateDir, { recursive: true, force: true });
    }
  }, 120_000);
});
