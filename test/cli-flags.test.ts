// The CLI's flags are all validated before a command runs: a bad, unknown or repeated flag prints one usage error,
// exits 2 and does nothing (no output, no lab, no file); messages name what is missing.
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';

const work = mkdtempSync(join(tmpdir(), 'tracelab-cli-flags-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const LIBRARY_SCENARIO = join(import.meta.dirname, '..', 'scenarios', 'forwarding-off-node-1.yaml');

/** A usage error: exit 2, nothing on stdout, and stderr matching `err` (never an internal error). */
async function expectUsageError(args: string[], err: RegExp): Promise<void> {
  const r = await runCli(args);
  expect(r.err).toMatch(err);
  expect(r.err).not.toMatch(/internal error/);
  expect(r.out).toBe('');
  expect(r.code).toBe(2);
}

describe('a bad flag runs nothing', () => {
  it('an unknown flag stops list, graph and run before they print', async () => {
    await expectUsageError(['scenario', 'list', '--lab', 'three-node'], /^tracelab: Unknown argument: lab\n/);
    await expectUsageError(['topo', 'graph', '--format', 'png'], /Argument: format, Given: "png", Choices: "dot", "mermaid", "svg"/);
    // The file is not --bogus's value, and the library does not run.
    await expectUsageError(['scenario', 'run', '--bogus', LIBRARY_SCENARIO], /^tracelab: Unknown argument: bogus\n/);
  });

  it('train with a bad flag neither breaks a lab nor writes a transcript', async () => {
    const transcript = join(work, 'never.jsonl');
    await expectUsageError(['train', 'forwarding-off-node-1', '--lab', 'three-node', '--transcript', transcript], /^tracelab: Unknown argument: lab\n/);
    expect(existsSync(transcript)).toBe(false);
  });

  it('lab with a bad flag does not act', async () => {
    const out = mkdtempSync(join(work, 'render-'));
    await expectUsageError(['lab', 'render', '--backend', 'ansible', '--out', out, '--bogus'], /^tracelab: Unknown argument: bogus\n/);
    expect(readdirSync(out)).toEqual([]);
  });

  it('a missing action is named, and nothing runs', async () => {
    await expectUsageError(['topo'], /^tracelab: topo needs an action: show or graph\n$/);
    await expectUsageError(['lab'], /^tracelab: lab needs an action: up, status, down, box, render or import\n$/);
    await expectUsageError(['scenario'], /^tracelab: scenario needs an action: run, list or show\n$/);
    await expectUsageError(['lab', 'up', '--backend', 'qemu'], /Argument: backend, Given: "qemu", Choices: "netns", "vagrant", "ansible", "kubectl"/);
  });
});

describe('numbers are checked before a command runs', () => {
  for (const seed of ['abc', '-5', '1e400', '4294967296', '1.5', '0x10', '']) {
    it(`--seed ${JSON.stringify(seed)} is a usage error`, async () => {
      await expectUsageError(['exec', 'node-1', '--seed', seed, '--', 'ip', 'route'], new RegExp(`^tracelab: --seed must be a whole number from 0 to 4294967295, not "${seed.replace('.', '\\.')}"\\n$`));
    });
  }

  it('the whole seed range is accepted', async () => {
    for (const seed of ['0', '4294967295']) expect((await runCli(['exec', 'node-1', '--seed', seed, '--', 'hostname'])).code).toBe(0);
  });

  it('--retries is a count', async () => {
    // kubectl with no cluster: should the check ever be lost, verify fails at once instead of building namespaces.
    const safe = ['verify', join(work, 'none.yaml'), '--backend', 'kubectl', '--kubeconfig', join(work, 'no-kubeconfig')];
    await expectUsageError([...safe, '--retries', '-1'], /^tracelab: --retries must be a whole number from 0 to 20, not "-1"\n$/);
    await expectUsageError(['train', 'forwarding-off-node-1', '--seed', 'x'], /^tracelab: --seed must be/);
  });
});

describe('a repeated single-valued flag is a usage error, not an internal one', () => {
  const cases: [string, string[]][] = [
    ['--lab', ['topo', 'show', '--lab', 'a', '--lab', 'b']],
    ['--svg', ['exec', 'node-1', '--svg', join(work, 'a.svg'), '--svg', join(work, 'b.svg'), '--', 'ip', 'route']],
    ['--junit', ['scenario', 'run', LIBRARY_SCENARIO, '--junit', join(work, 'a.xml'), '--junit', join(work, 'b.xml')]],
    ['--backend', ['exec', 'node-1', '--backend', 'sim', '--backend', 'sim', '--', 'ip', 'route']],
    ['--seed', ['scenario', 'run', LIBRARY_SCENARIO, '--seed', '1', '--seed', '2']],
    ['--state-dir', ['lab', 'status', '--backend', 'netns', '--state-dir', work, '--state-dir', work]],
  ];
  for (const [flag, args] of cases) {
    it(flag, async () => {
      await expectUsageError(args, new RegExp(`^tracelab: ${flag} was given 2 times; give it once\\n$`));
    });
  }

  it('array positionals may still repeat', async () => {
    const r = await runCli(['scenario', 'list', LIBRARY_SCENARIO, join(import.meta.dirname, '..', 'scenarios', 'blackhole-route.yaml')]);
    expect(r).toMatchObject({ code: 0, err: '' });
    expect(r.out.split('\n').map((l) => l.split(' ')[0])).toEqual(['forwarding-off-node-1', 'blackhole-route', '']);
  });
});

describe('--json where the output is not data is refused before running', () => {
  it('topo graph --json and demo --json', async () => {
    await expectUsageError(['topo', 'graph', '--json'], /^tracelab: --json: topo graph prints dot, mermaid or svg/);
    await expectUsageError(['demo', '--json'], /^tracelab: --json: the demo is a tour in text/);
  });

  it('--junit only with run', async () => {
    await expectUsageError(['scenario', 'list', '--junit', join(work, 'x.xml')], /^tracelab: --junit is for `scenario run`\n$/);
  });
});

describe('nothing to run is an error, not an empty success', () => {
  it('scenario run on a directory without scenario files: one line, exit 2', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'tracelab-empty-'));
    const r = await runCli(['scenario', 'run', empty]);
    expect(r).toMatchObject({ code: 2, out: '' });
    expect(r.err).toBe(`tracelab: no scenario files in ${empty}\n`);
  });
});
