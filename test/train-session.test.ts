// Scripted training sessions on the simulator (piped stdin through `trainMain`, the CLI's own function): a trainee
// investigates, fixes and checks each scenario; bad input never ends a session or changes the lab; transcripts,
// summaries and the class report.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { trainMain } from '../cli/commands/train.js';
import { main } from '../cli/main.js';
import type { Backend } from '../lab/backend.js';
import { loadScenarioFile } from '../lab/scenario/index.js';
import { createSimBackend } from '../lab/sim.js';
import { classReport, formatClassReport } from '../lab/train/report.js';
import { TrainingSession } from '../lab/train/session.js';
import { runShell } from '../lab/train/shell.js';
import { readTranscript, type TranscriptLine } from '../lab/train/transcript.js';

const FIXTURES = join(import.meta.dirname, 'fixtures', 'train');
const work = mkdtempSync(join(tmpdir(), 'tracelab-train-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface Run {
  readonly code: number;
  readonly out: string;
  readonly transcript: string;
  readonly lines: readonly TranscriptLine[];
  readonly checks: readonly string[];
}

/** Runs `tracelab train FILE --transcript T` with LINES piped in (ending with end of input). */
async function session(file: string, lines: readonly string[], extra: { json?: boolean; name?: string } = {}): Promise<Run> {
  const input = new PassThrough();
  let out = '';
  const output = new Writable({ write: (chunk, _enc, done) => ((out += String(chunk)), done()) });
  const transcript = join(work, `${file.replace(/\.yaml$/, '')}-${Math.abs(hash(lines.join('\n')))}.jsonl`);
  input.end(lines.map((l) => `${l}\n`).join(''));
  const code = await trainMain({ scenario: join(FIXTURES, file), backend: 'sim', transcript, ...extra }, { input, output });
  const t = readTranscript(transcript);
  return { code, out, transcript, lines: t.lines, checks: t.lines.filter((l) => l.builtin === 'check').map((l) => l.output) };
}

function hash(text: string): number {
  let h = 0;
  for (const c of text) h = (h * 31 + c.charCodeAt(0)) | 0;
  return h;
}

/** What a trainee types for each fixture scenario: look around, check (not fixed), fix where the fault is, check. */
const SCRIPTS: Readonly<Record<string, readonly string[]>> = {
  'route-deleted-node-2.yaml': [
    'traceroute -n 10.244.1.3', 'check', 'exit', 'ip route', 'ssh node-1', 'ip route', 'exit',
    'sudo ip route add 10.244.1.0/24 via 192.168.56.11 dev eth1', 'check', 'quit',
  ],
  'wrong-gateway-node-2.yaml': [
    'traceroute -n -q 1 10.244.1.3', 'check', 'exit', 'ip route show 10.244.1.0/24',
    'sudo ip route replace 10.244.1.0/24 via 192.168.56.11 dev eth1', 'kubectl exec -it netshoot -- sh', 'traceroute -n -q 1 10.244.1.3', 'check', 'quit',
  ],
  'blackhole-httpd.yaml': [
    'traceroute -n -q 1 10.244.1.2', 'traceroute -n -q 1 10.244.1.3', 'check', 'exit', 'ssh node-1', 'ip route',
    'sudo ip route del blackhole 10.244.1.3/32', 'exit', 'check', 'exit', 'exit', // `exit` twice at the start place ends the session
  ],
  'unreachable-subnet-node-1.yaml': [
    'traceroute -n 10.244.2.3', 'check', 'ip route', 'sudo -i', 'ip route replace 10.244.2.0/24 via 192.168.56.12 dev eth1', 'check', 'quit',
  ],
  'pod-default-route.yaml': [
    'traceroute -n 192.168.56.11', 'ip route', 'check', 'exit', 'ip route', 'kubectl exec -it netshoot -- sh',
    'ip route add default via 10.244.2.1 dev eth0', 'ip route', 'check', 'quit',
  ],
  'eth1-mtu-node-1.yaml': [
    'traceroute -n -q 1 -F 10.244.1.3 1500', 'traceroute -n -q 1 -F 10.244.1.3 1400', 'check', 'exit', 'ssh node-1', 'ip link show eth1',
    'sudo ip link set eth1 mtu 1500', 'check', 'quit',
  ],
};

describe('a scripted trainee fixes each scenario on the simulator', () => {
  for (const [file, lines] of Object.entries(SCRIPTS)) {
    it(file.replace(/\.yaml$/, ''), async () => {
      const r = await session(file, lines, { json: true, name: 'scripted' });
      expect(r.checks.length, r.out).toBe(2);
      expect(r.checks[0], r.out).toMatch(/^NOT FIXED: /);
      expect(r.checks[1], r.out).toMatch(/^FIXED: /);
      // The answer is never given away: no healthy text, no fix command in what `check` said.
      const scenario = loadScenarioFile(join(FIXTURES, file));
      for (const step of scenario.fixSteps ?? []) if (step.kind === 'run') expect(r.checks[0]).not.toContain(step.run);
      const summary = JSON.parse(r.out.slice(r.out.lastIndexOf('\n{'))) as Record<string, unknown>;
      expect(summary).toMatchObject({ scenario: scenario.name, fixed: true, checks: 2, hintsUsed: 0, solutionShown: false, trainee: 'scripted', backend: 'sim' });
      expect(summary.commands).toBe(lines.length);
      expect(r.code).toBe(0);
      // The break commands are never shown.
      for (const step of scenario.breakSteps) if (step.kind === 'run') expect(r.out).not.toContain(step.run);
    });
  }
});

describe('the shell', () => {
  it('prints the brief, the prompt of the start place, and moves between places', async () => {
    const r = await session('pod-default-route.yaml', ['exit', 'ssh node-1', 'kubectl exec -it httpd -- sh', 'exit', 'exit', 'kubectl exec -it traceroute -- sh', 'exit', 'quit']);
    expect(r.out).toContain('a pod with nowhere to send (train-pod-default-route)\n');
    expect(r.out).toContain('The netshoot pod on node-2 cannot reach the nodes');
    // httpd's sh is dash, whose prompt for root is `# ` (the real dash -i prints it; bash would print root@httpd:/#).
    expect(r.lines.map((l) => l.prompt)).toEqual([
      'netshoot:~# ', 'vagrant@node-2:~$ ', 'vagrant@node-1:~$ ', '# ', 'vagrant@node-1:~$ ', 'vagrant@node-2:~$ ', '/ # ', 'vagrant@node-2:~$ ',
    ]);
    expect(r.out).toContain('logout\nConnection to node-1 closed.\n');
  });

  it('hints one at a time, shows the solution and says so in the summary', async () => {
    const r = await session('route-deleted-node-2.yaml', ['hint', 'hint', 'hint', 'solution', 'quit'], { json: true });
    const out = r.lines.map((l) => l.output);
    expect(out[0]).toBe('hint 1/2: Compare `ip route` on node-2 with the other nodes.\n');
    expect(out[1]).toMatch(/^hint 2\/2: host-gw routes/);
    expect(out[2]).toMatch(/^No more hints \(all 2 shown\)/);
    expect(out[3]).toContain('node-2$ ip route add 10.244.1.0/24 via 192.168.56.11 dev eth1');
    expect(JSON.parse(r.out.slice(r.out.lastIndexOf('\n{')))).toMatchObject({ hintsUsed: 2, hintsTotal: 2, solutionShown: true, fixed: false });
    expect(r.code).toBe(1);
  });

  it('reset brings back the broken lab after a fix', async () => {
    const r = await session('route-deleted-node-2.yaml', ['exit', 'sudo ip route add 10.244.1.0/24 via 192.168.56.11 dev eth1', 'check', 'reset', 'check', 'quit'], { json: true });
    expect(r.checks.map((c) => c.split(':')[0])).toEqual(['FIXED', 'NOT FIXED']);
    expect(r.out).toContain('The lab is broken again');
    expect(r.lines.at(-1)!.prompt).toBe('netshoot:~# ');
    expect(JSON.parse(r.out.slice(r.out.lastIndexOf('\n{')))).toMatchObject({ resets: 1, fixed: false });
  });

  it('survives bad input, and bad input changes nothing', async () => {
    const garbage = [
      'check', 'frobnicate --now', '\x00\x01\x1b[A', "echo 'unbalanced", 'ip route add', 'ip route add 10.9.0.0/16 via 1.2.3.4',
      'x'.repeat(5000), 'partial line\x03', 'ssh node-1', 'exit', 'ssh nowhere', 'ssh 192.0.2.99', 'kubectl exec -it nosuchpod -- sh',
      'kubectl exec -it coredns-a -- sh', 'kubectl exec', '""', '   ', 'sleep forever', 'exit', 'exit', 'check',
    ];
    const r = await session('blackhole-httpd.yaml', garbage);
    expect(r.out).toContain('sh: frobnicate: not found');
    expect(r.out).toContain('sh: syntax error: unterminated quoted string');
    expect(r.out).toContain('sh: line too long');
    expect(r.out).toContain('^C\n');
    expect(r.out).toContain('ssh: Could not resolve hostname nowhere');
    expect(r.out).toContain('Error from server (NotFound): pods "nosuchpod" not found');
    expect(r.out).toContain('executable file not found in $PATH');
    expect(r.out).toContain("sleep: invalid time interval 'forever'");
    expect(r.out).toContain('sh: ssh: not found (pods here have no ssh client');
    // netshoot -> node-2 -> `exit` asks, a second `exit` ends the session; the last check is never reached.
    expect(r.lines.at(-1)!.line).toBe('exit');
    expect(r.checks).toHaveLength(1);
    expect(r.out).toContain('Session summary');
    expect(r.out).toContain('logout\nThis is the shell the session started in: type exit again to end the training session');
    const again = await session('blackhole-httpd.yaml', [...garbage.slice(0, -3), 'check']);
    expect(again.checks).toEqual([again.checks[0], again.checks[0]]);
    expect(again.checks[0]).toMatch(/^NOT FIXED/);
  });

  it('ends at end of input with a summary, and takes down every lab it built', async () => {
    const scenario = loadScenarioFile(join(FIXTURES, 'route-deleted-node-2.yaml'));
    const built: { up: number; down: number }[] = [];
    const makeBackend = (): Backend => {
      const inner = createSimBackend();
      const counts = { up: 0, down: 0 };
      built.push(counts);
      return {
        name: inner.name,
        preflight: () => inner.preflight(),
        status: () => inner.status(),
        up: async (lab) => (counts.up++, inner.up(lab)),
        run: (place, command) => inner.run(place, command),
        wait: (ms) => inner.wait(ms),
        down: async () => (counts.down++, inner.down()),
      };
    };
    let out = '';
    const s = new TrainingSession({ scenario, makeBackend, out: (t) => (out += t), diagramDir: work });
    await s.start();
    const input = new PassThrough();
    input.end('reset\nreset\nhelp\n');
    const output = new Writable({ write: (c, _e, d) => ((out += String(c)), d()) });
    expect(await runShell(s, { input, output, terminal: false })).toBe('eof');
    const summary = await s.finish();
    expect(summary.resets).toBe(2);
    // The healthy lab `check` compares with (built once, at the start), then the broken lab and two resets.
    expect(built).toEqual([{ up: 1, down: 1 }, { up: 1, down: 1 }, { up: 1, down: 1 }, { up: 1, down: 1 }]);
    expect(out).toContain('Trainer commands:');
  });

  it('pipes command output through grep, head, tail, wc, sort and uniq', async () => {
    const r = await session('blackhole-httpd.yaml', [
      'exit', 'ssh node-1', 'ip route | grep blackhole', 'ip route | grep -c via', 'ip route | grep -v via | grep -i CNI0',
      'ip route | grep nothing-like-this', 'ip route | head -n 2', 'ip route | tail -1', 'ip route | wc -l', 'ip route | sort -r | head -n 1', 'ip route | sort | uniq | wc -l',
      'ip route |', 'ip route | awk 1', "ip route | grep '('", 'history | tail -n 1', 'exit', 'ssh node-1 ip route | grep blackhole', 'quit',
    ]);
    const said = (line: string) => r.lines.find((l) => l.line === line)!;
    expect(said('ip route | grep blackhole')).toMatchObject({ output: 'blackhole 10.244.1.3 \n', exitCode: 0 });
    expect(said('ip route | grep -c via').output).toBe('3\n');
    expect(said('ip route | grep -v via | grep -i CNI0').output).toBe('10.244.1.0/24 dev cni0 proto kernel scope link src 10.244.1.1 \n');
    expect(said('ip route | grep nothing-like-this')).toMatchObject({ output: '', exitCode: 1 });
    expect(said('ip route | head -n 2').output.split('\n')).toHaveLength(3);
    expect(said('ip route | tail -1').output).toMatch(/^192\.168\.56\.0\/24 dev eth1/);
    expect(said('ip route | wc -l').output).toBe('7\n');
    expect(said('ip route | sort -r | head -n 1').output).toMatch(/^default via 10\.0\.2\.2/);
    expect(said('ip route |')).toMatchObject({ kind: 'invalid', output: "sh: syntax error near unexpected token `|'\n" });
    expect(said('ip route | awk 1').output).toMatch(/^sh: awk: not available after a pipe/);
    expect(said("ip route | grep '('").output).toMatch(/^grep: invalid regular expression/);
    expect(said('history | tail -n 1').output).toBe('   15  history | tail -n 1\n');
    // Typed on node-2, run on node-1 over ssh.
    expect(said('ssh node-1 ip route | grep blackhole')).toMatchObject({ place: 'node-2', output: 'blackhole 10.244.1.3 \n' });
    expect(said('ip route | sort | uniq | wc -l').output).toBe('7\n');
  });

  it('a backend failure costs the line, not the session; reset recovers', async () => {
    const scenario = loadScenarioFile(join(FIXTURES, 'route-deleted-node-2.yaml'));
    const backends: ReturnType<typeof createSimBackend>[] = [];
    let out = '';
    const s = new TrainingSession({ scenario, makeBackend: () => (backends.push(createSimBackend()), backends.at(-1)!), out: (t) => (out += t), diagramDir: work });
    await s.start();
    await backends[0]!.down(); // the lab disappears under the session
    expect(await s.handle('ip route')).toBe('continue');
    expect(out).toContain('tracelab: the simulator lab is not up\n');
    expect(await s.handle('reset')).toBe('continue');
    expect(await s.handle('check')).toBe('continue');
    expect(out).toMatch(/NOT FIXED: 1 of 1 probe still differs/);
    await s.finish();
  });

  it('completes commands, nodes and pods', async () => {
    const scenario = loadScenarioFile(join(FIXTURES, 'route-deleted-node-2.yaml'));
    const s = new TrainingSession({ scenario, makeBackend: () => createSimBackend(), out: () => undefined, diagramDir: work, startAt: 'node-2' });
    expect(s.complete('che')).toEqual([['check'], 'che']);
    expect(s.complete('ssh no')).toEqual([['node-1', 'node-2'], 'no']);
    expect(s.complete('kubectl exec -it net')).toEqual([['netshoot'], 'net']);
    expect(s.complete('traceroute -n api')).toEqual([['api.example.com'], 'api']);
    expect(s.complete('tracer')[0]).toContain('traceroute');
  });

  it('draws a diagram of the lab with the last probe', async () => {
    const r = await session('blackhole-httpd.yaml', ['traceroute -n -q 1 -m 4 10.244.1.3', 'diagram', 'quit']);
    const said = r.lines.find((l) => l.builtin === 'diagram')!.output;
    const file = /written to (\S+\.svg)/.exec(said)![1]!;
    const svg = readFileSync(file, 'utf8');
    expect(svg).toContain('class="path"');
    expect(svg).toContain('class="failure" data-device="node-1"');
  });
});

describe('tracelab train report', () => {
  it('summarises a class, including an unfinished session', async () => {
    const a = await session('unreachable-subnet-node-1.yaml', SCRIPTS['unreachable-subnet-node-1.yaml']!, { name: 'alice' });
    const b = await session('unreachable-subnet-node-1.yaml', ['hint', 'check', 'quit'], { name: 'bob' });
    const killed = join(work, 'killed.jsonl');
    writeFileSync(killed, readFileSync(b.transcript, 'utf8').split('\n').filter((l) => l && !l.startsWith('{"type":"end"')).join('\n'));
    const report = classReport([a.transcript, b.transcript, killed].map(readTranscript));
    expect(report.sessions.map((s) => [s.trainee, s.fixed, s.ended])).toEqual([['alice', true, true], ['bob', false, true], ['bob', false, false]]);
    expect(report.scenarios).toEqual([expect.objectContaining({ scenario: 'train-unreachable-route-node-1', sessions: 3, fixed: 1, fixedWithoutSolution: 1 })]);
    const text = formatClassReport(report);
    expect(text).toMatch(/^TRAINEE +SCENARIO +RESULT/);
    expect(text).toContain('NOT FIXED (unfinished)');
    expect(text).toContain('3 sessions, 1 fixed\n');
  });

  it('names the file and line of something that is not a transcript', () => {
    const bad = join(work, 'bad.jsonl');
    writeFileSync(bad, '{"type":"start","version":1,"scenario":"x","title":"x","file":"x","backend":"sim","trainee":"t","startedAt":"","place":"node-1"}\nnot json\n');
    expect(() => readTranscript(bad)).toThrow(`${bad}:2:1: not a transcript line (not JSON)`);
  });
});

describe('errors', () => {
  /** `tracelab ARGS` in-process: what it printed and its exit code. */
  async function cli(args: string[]): Promise<{ out: string; err: string; code: number }> {
    let out = '';
    let err = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => ((out += String(c)), true));
    vi.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => ((err += String(c)), true));
    try {
      return { code: await main(args), out, err };
    } finally {
      vi.restoreAllMocks();
      process.exitCode = 0;
    }
  }

  it('a scenario whose break fails is one line, exit 2, and nothing is left up', async () => {
    const file = join(work, 'bad-break.yaml');
    writeFileSync(file, [
      'name: bad-break', 'title: t', 'lab: three-node', 'brief: b',
      'break:', '  - at: node-2', '    run: ip route del 10.9.9.0/24',
      'probes:', '  - at: node-2', '    run: traceroute -n 10.244.1.3', '    expect: x',
      'fix:', '  - at: node-2', '    run: ip route', '',
    ].join('\n'));
    const r = await cli(['train', file, '--transcript', join(work, 'bad.jsonl')]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^tracelab: scenario bad-break: its break step failed at node-2 \(exit \d+\): .+\n$/);
  });

  it('train without a scenario, or with an unknown one, is a usage error', async () => {
    expect(await cli(['train'])).toMatchObject({ code: 2, err: 'tracelab: train needs a scenario: a name from `tracelab scenario list`, or a scenario file\n' });
    expect((await cli(['train', 'no-such-thing'])).err).toMatch(/^tracelab: no scenario "no-such-thing" in the library \(known: .*forwarding-off-node-1.*\)\n$/);
    expect(await cli(['train', 'report', join(work, 'missing.jsonl')])).toMatchObject({ code: 2, err: `tracelab: ${join(work, 'missing.jsonl')}: cannot read: no such file\n` });
  });

  it('train report prints the class table through the CLI', async () => {
    const a = await session('wrong-gateway-node-2.yaml', SCRIPTS['wrong-gateway-node-2.yaml']!, { name: 'carol' });
    const r = await cli(['train', 'report', a.transcript, '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ sessions: [{ trainee: 'carol', fixed: true, ended: true }], scenarios: [{ scenario: 'train-wrong-gateway-node-2', fixed: 1 }] });
  });
});
