// What the CLI prints and its exit codes: --json where data is printed, exec's words and pipes, output files
// written safely (exit 1), untrusted lab and scenario text shown safely, and "not modelled" as exit 3.
import { mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { trainMain } from '../cli/commands/train.js';
import { createSimBackend } from '../lab/sim.js';
import { TrainingSession } from '../lab/train/session.js';
import type { TranscriptWriter } from '../lab/train/transcript.js';
import { findScenario } from '../cli/common.js';
import { runCli } from './helpers/cli.js';

const ROOT = join(import.meta.dirname, '..');
const LAB = readFileSync(join(ROOT, 'topology', 'labs', 'three-node.yaml'), 'utf8');
const work = mkdtempSync(join(tmpdir(), 'tracelab-cli-output-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('not modelled by the simulator: exit 3, apart from usage errors (2)', () => {
  it('exec sees 3', async () => {
    expect(await runCli(['exec', 'node-1', '--', 'ip', '-6', 'route'])).toEqual({ code: 3, out: '', err: 'ip -6 (IPv6): not modelled by the tracelab simulator\n' });
    expect((await runCli(['exec', 'node-1', '--', 'hostname', '&&', 'hostname'])).code).toBe(3);
  });

  it('the training shell sees 3', async () => {
    let out = '';
    const lines: { line?: string; exitCode?: number }[] = [];
    const session = new TrainingSession({
      scenario: findScenario('forwarding-off-node-1'),
      makeBackend: () => createSimBackend(),
      out: (t) => (out += t),
      transcript: { write: (e: { line?: string; exitCode?: number }) => void lines.push(e) } as unknown as TranscriptWriter,
      diagramDir: work,
    });
    await session.start();
    try {
      await session.handle('ip -6 route');
      expect(out).toContain('busybox ip -6: not modelled by the tracelab simulator\n');
      expect(lines.find((l) => l.line === 'ip -6 route')?.exitCode).toBe(3);
    } finally {
      await session.abort();
    }
  });
});

describe('--json wherever data is printed', () => {
  it('scenario list --json and scenario show --json (by name and by file)', async () => {
    const list = await runCli(['scenario', 'list', '--json']);
    expect(list.code).toBe(0);
    const rows = JSON.parse(list.out) as { name: string; title: string; lab: string }[];
    expect(rows).toContainEqual(expect.objectContaining({ name: 'forwarding-off-node-1', title: 'node-1 stopped forwarding', lab: 'three-node' }));
    const file = join(ROOT, 'scenarios', 'forwarding-off-node-1.yaml');
    for (const which of ['forwarding-off-node-1', file]) {
      const show = await runCli(['scenario', 'show', which, '--json']);
      expect(show.code).toBe(0);
      const s = JSON.parse(show.out) as Record<string, unknown>;
      expect(s).toMatchObject({ name: 'forwarding-off-node-1', probes: expect.arrayContaining([{ at: 'node-2/traceroute', run: 'traceroute -n -q 1 -w 1 -m 4 10.244.1.3' }]) });
      expect(show.out).not.toContain('ip_forward='); // never the break or the fix
    }
    expect((await runCli(['scenario', 'show', file])).out).toMatch(/^forwarding-off-node-1: node-1 stopped forwarding\n/);
  });

  it('exec --json prints addresses as dotted strings', async () => {
    const r = await runCli(['exec', 'node-2/traceroute', '--json', '--', 'traceroute', '-n', '10.244.1.3']);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.out) as { traces: { target: { ip: unknown }; hops: { probes: { reply?: { from: unknown } }[] }[] }[] };
    expect(json.traces[0]!.target.ip).toBe('10.244.1.3');
    expect(json.traces[0]!.hops[0]!.probes[0]!.reply!.from).toBe('10.244.2.1');
  });
});

describe('exec words', () => {
  it('a command given as one quoted word is refused with the words it meant', async () => {
    expect(await runCli(['exec', 'node-1', '--', 'ip route'])).toEqual({
      code: 2, out: '', err: 'tracelab: the command is one word; did you mean: ip route? (tracelab exec node-1 -- ip route, without the quotes)\n',
    });
  });

  it('| pipes the output through the training shell\'s filters', async () => {
    const r = await runCli(['exec', 'node-1', '--', 'ip', 'route', '|', 'grep', 'cni0']);
    expect(r).toEqual({ code: 0, out: '10.244.1.0/24 dev cni0 proto kernel scope link src 10.244.1.1 \n', err: '' });
    expect((await runCli(['exec', 'node-1', '--', 'ip', 'route', '|', 'grep', 'nothing-like-this'])).code).toBe(1);
    expect((await runCli(['exec', 'node-1', '--', 'ip', 'route', '|', 'wc', '-l'])).out).toMatch(/^\d+\n$/);
    const bad = await runCli(['exec', 'node-1', '--', 'ip', 'route', '|', 'awk', '{print}']);
    expect(bad).toMatchObject({ code: 2, out: '' });
    expect(bad.err).toContain('awk: not available after a pipe here');
  });
});

describe('output files named by flags', () => {
  it('--svg into a missing directory: one line, exit 1', async () => {
    const file = join(work, 'missing', 'p.svg');
    expect(await runCli(['exec', 'node-2/traceroute', '--svg', file, '--', 'traceroute', '-n', '10.244.1.3'])).toMatchObject({
      code: 1, err: `tracelab: cannot write ${file}: no such directory: ${join(work, 'missing')}\n`,
    });
  });

  it('--svg never writes through a symlink', async () => {
    const target = join(work, 'victim.txt');
    writeFileSync(target, 'keep');
    const link = join(work, 'link.svg');
    symlinkSync(target, link);
    const r = await runCli(['exec', 'node-2/traceroute', '--svg', link, '--', 'traceroute', '-n', '10.244.1.3']);
    expect(r).toMatchObject({ code: 1, err: `tracelab: cannot write ${link}: it is a symbolic link; refusing to write through it\n` });
    expect(readFileSync(target, 'utf8')).toBe('keep');
    expect(readlinkSync(link)).toBe(target);
  });

  it('--junit into a missing directory: one line, exit 1', async () => {
    const file = join(work, 'nowhere', 'j.xml');
    const r = await runCli(['scenario', 'run', join(ROOT, 'scenarios', 'forwarding-off-node-1.yaml'), '--junit', file]);
    expect(r.code).toBe(1);
    expect(r.err).toBe(`tracelab: cannot write ${file}: no such directory: ${join(work, 'nowhere')}\n`);
  });
});

describe('untrusted text is printed safely (text output; --json keeps the data)', () => {
  const dir = join(work, 'evil');
  mkdirSync(dir);
  const lab = join(dir, 'evil-lab.yaml');
  writeFileSync(lab, LAB.replace(/^description: .*$/m, 'description: "evil \\e[31mred\\e[0m \\0 nul"'));
  const scenario = join(dir, 'evil.yaml');
  writeFileSync(scenario, [
    'name: evil', 'title: "red \\e[31m title"', 'lab: three-node', 'brief: "b \\e]0;pwned\\a"', 'break: []',
    'probes:', '  - at: node-2/netshoot', '    run: hostname', '    expect: ""', 'hints: ["clear \\e[2J"]',
    'fix:', '  - at: node-1', '    run: "sysctl -w net.ipv4.ip_forward=1"',
    'check:', '  - at: node-2/netshoot', '    run: "ping -c 1 10.244.1.3"', '',
  ].join('\n'));

  it('topo show', async () => {
    const r = await runCli(['topo', 'show', '--lab', lab]);
    expect(r.code).toBe(0);
    expect(r.out).not.toMatch(/[\x00\x1b]/);
    expect(r.out).toContain('evil ^[[31mred^[[0m ^@ nul');
    expect(JSON.parse((await runCli(['topo', 'show', '--lab', lab, '--json'])).out)).toBeTruthy();
  });

  it('scenario list, show and run reports', async () => {
    for (const args of [['list', scenario], ['show', scenario], ['run', scenario]]) {
      const r = await runCli(['scenario', ...args]);
      expect(r.out).not.toMatch(/[\x00-\x08\x0b-\x1f]/);
      expect(r.out).toContain(args[0] === 'run' ? 'FAIL evil' : 'red ^[[31m title');
    }
    expect((await runCli(['scenario', 'show', scenario])).out).toContain('b ^[]0;pwned^G');
    expect(JSON.parse((await runCli(['scenario', 'show', scenario, '--json'])).out)).toMatchObject({ title: 'red \x1b[31m title' });
  });
  it('train: the summary and the class report', async () => {
    const input = new PassThrough();
    let out = '';
    const output = new Writable({ write: (chunk, _enc, done) => ((out += String(chunk)), done()) });
    const transcript = join(dir, 'evil.jsonl');
    input.end('hostname\nhint\n');
    await trainMain({ scenario: scenario, backend: 'sim', transcript, name: 'mallory\x1b]0;x\x07' }, { input, output });
    // The whole session: the banner (title, brief), the hint and the summary show the escapes, never send them.
    expect(out).toContain('b ^[]0;pwned^G');
    expect(out).toContain('hint 1/1: clear ^[[2J');
    expect(out).not.toMatch(/[\x00-\x08\x0b-\x1f]/);
    const summary = out.slice(out.indexOf('Session summary'));
    expect(summary).toContain('red ^[[31m title');
    expect(summary).not.toContain('\x1b');
    const report = await runCli(['train', 'report', transcript]);
    expect(report.code).toBe(0);
    expect(report.out).toContain('mallory^[]0;x^G');
    expect(report.out).not.toMatch(/[\x00-\x08\x0b-\x1f]/);
  });
});

describe('errors map to exit codes in one place', () => {
  it('an unreadable input file is one line, exit 2', async () => {
    const missing = join(work, 'no-such-scenario.yaml');
    const r = await runCli(['scenario', 'show', missing]);
    expect(r.code).toBe(2);
    expect(r.err.trimEnd().split('\n')).toHaveLength(1);
    expect(r.err).toContain(missing);
  });
});
