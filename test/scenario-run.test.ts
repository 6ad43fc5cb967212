// The scenario runner and its reports: masked comparison, unified diffs, pass/fail on the simulator, step failures,
// JUnit XML, the `tracelab scenario` command, and writing recorded outputs back into a scenario file.
import { describe, expect, it, vi } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  applyObservation, checkProbe, formatJunit, formatReportText, formatResultText, outputsMatch, parseScenarioText, runScenario,
  runScenarios, scenarioLibraryDir, unifiedDiff, xmlEscape, loadScenarioFile, type ScenarioObservation,
} from '../lab/scenario/index.js';
import { createSimBackend } from '../lab/sim.js';
import { scenarioMain } from '../cli/commands/scenario.js';
import { runCli } from './helpers/cli.js';

// The machine is shared: building labs and running probes may be slow, never wrong.
vi.setConfig({ testTimeout: 60_000 });

const simFactory = () => createSimBackend();

/** A scenario on the default lab whose probe runs a command the simulator does not have (`sh: NAME: not found`). */
function scenarioText(opts: { name: string; breakRun?: string; exit?: number; stderr?: string; fix?: boolean }): string {
  const lines = [
    `name: ${opts.name}`,
    'title: a probe of a missing command',
    'lab: three-node',
    'brief: The shell answers 127 for a command it does not know.',
    opts.breakRun ? `break:\n  - at: node-2\n    run: ${opts.breakRun}` : 'break: []',
    'probes:',
    '  - at: node-2/netshoot',
    '    run: nosuchtool --version',
    '    expect: ""',
    `    exit: ${opts.exit ?? 127}`,
  ];
  if (opts.stderr !== undefined) lines.push(`    stderr: ${JSON.stringify(opts.stderr)}`);
  if (opts.fix) lines.push('    healthy: ""', '    healthyExit: 127', 'fix:', '  - wait: 15s');
  return `${lines.join('\n')}\n`;
}

describe('masked comparison', () => {
  it('ignores only the millisecond figures of the tools', () => {
    expect(outputsMatch(' 1  10.244.2.1  0.116 ms !N  0.017 ms !N *\n', ' 1  10.244.2.1  12.5 ms !N  3000.000 ms !N *\n')).toBe(true);
    expect(outputsMatch(' 1  10.244.2.1  0.116 ms\n', ' 1  10.244.2.2  0.116 ms\n')).toBe(false);
    expect(outputsMatch(' 1  10.244.2.1  0.116 ms\n', ' 1  10.244.2.1  0.116 ms !H\n')).toBe(false);
    expect(outputsMatch(' 2:  192.168.56.11                                         0.052ms !H\n', ' 2:  192.168.56.11                                         9.052ms !H\n')).toBe(true);
    expect(outputsMatch('a\n', 'a')).toBe(false);
  });
});

describe('unified diff', () => {
  it('prints headers, a hunk with context and the changed lines', () => {
    const expected = 'traceroute to x\n 1  a  0.1 ms\n 2  *\n 3  *\n';
    const actual = 'traceroute to x\n 1  a  0.2 ms\n 2  b  0.3 ms !X\n';
    const equal = (a: string, b: string) => outputsMatch(a, b);
    expect(unifiedDiff(expected, actual, { fromLabel: 'expected', toLabel: 'actual', equal })).toBe(
      ['--- expected', '+++ actual', '@@ -1,4 +1,3 @@', ' traceroute to x', '  1  a  0.2 ms', '- 2  *', '- 3  *', '+ 2  b  0.3 ms !X', ''].join('\n'),
    );
  });

  it('is empty for equal texts and marks a missing final newline', () => {
    expect(unifiedDiff('a\nb\n', 'a\nb\n')).toBe('');
    expect(unifiedDiff('a\nb\n', 'a\nb')).toBe(['--- expected', '+++ actual', '@@ -1,2 +1,2 @@', ' a', '-b', '+b', '\\ No newline at end of file', ''].join('\n'));
  });
});

describe('checkProbe', () => {
  it('fails on a different exit status or stderr even when stdout matches', () => {
    const probe = { at: 'node-2/netshoot', run: 'ping -c 1 x' };
    const ok = checkProbe('broken', probe, { stdout: 'a 1.0 ms\n', exit: 1, from: 'scenario' }, { stdout: 'a 2.0 ms\n', stderr: 'noise\n', exitCode: 1 });
    expect(ok.pass).toBe(true);
    expect(ok.diff).toBe('');
    const badExit = checkProbe('broken', probe, { stdout: 'a\n', exit: 1, from: 'scenario' }, { stdout: 'a\n', stderr: '', exitCode: 0 });
    expect(badExit.pass).toBe(false);
    const badErr = checkProbe('fixed', probe, { stdout: '', exit: 2, stderr: 'ping: connect: Network is unreachable\n', from: 'scenario' }, { stdout: '', stderr: 'ping: x\n', exitCode: 2 });
    expect(badErr.pass).toBe(false);
    expect(badErr.diff).toContain('--- expected stderr (node-2/netshoot: ping -c 1 x)');
    expect(badErr.diff).toContain('+ping: x');
  });
});

describe('running scenarios on the simulator', () => {
  const file = join(scenarioLibraryDir(), 'test-only.yaml');

  it('passes when output, exit status and stderr match, and checks the healthy text after the fix', async () => {
    const s = parseScenarioText(file, scenarioText({ name: 'passes', stderr: 'sh: nosuchtool: not found\n', fix: true }));
    const r = await runScenario(s, simFactory);
    expect(r.error).toBeUndefined();
    expect(r.checks.map((c) => [c.phase, c.pass])).toEqual([['broken', true], ['fixed', true]]);
    expect(r.pass).toBe(true);
    expect(formatResultText(r)).toBe('PASS passes\n');
  });

  it('compares with the unbroken lab after the fix when a probe has no healthy text', async () => {
    const text = scenarioText({ name: 'baseline' }).replace('probes:', 'probes:\n  - at: node-2\n    run: sysctl net.ipv4.ip_forward\n    expect: "net.ipv4.ip_forward = 0\\n"')
      .replace('break: []', 'break:\n  - at: node-2\n    run: sysctl -w net.ipv4.ip_forward=0') + 'fix:\n  - at: node-2\n    run: sysctl -w net.ipv4.ip_forward=1\n';
    const r = await runScenario(parseScenarioText(file, text), simFactory);
    expect(r.error).toBeUndefined();
    const fixed = r.checks.filter((c) => c.phase === 'fixed');
    expect(fixed.map((c) => [c.expectedFrom, c.expected, c.pass])).toEqual([
      ['unbroken-lab', 'net.ipv4.ip_forward = 1\n', true],
      ['unbroken-lab', '', true],
    ]);
    expect(r.pass).toBe(true);
  });

  it('fails with the exit status and the stderr when they differ', async () => {
    const s = parseScenarioText(file, scenarioText({ name: 'wrong-exit', exit: 0 }));
    const r = await runScenario(s, simFactory);
    expect(r.pass).toBe(false);
    expect(formatResultText(r)).toBe(
      ['FAIL wrong-exit', '  broken lab: node-2/netshoot$ nosuchtool --version', '    exit status 127, expected 0', '    stderr:', '      sh: nosuchtool: not found', ''].join('\n'),
    );
  });

  it('prints a unified diff of stdout for a mismatch', async () => {
    const text = scenarioText({ name: 'wrong-text' }).replace('expect: ""', 'expect: "something\\n"');
    const r = await runScenario(parseScenarioText(file, text), simFactory);
    expect(r.pass).toBe(false);
    expect(formatResultText(r)).toContain(
      ['    --- expected stdout (node-2/netshoot: nosuchtool --version)', '    +++ actual stdout', '    @@ -1 +0,0 @@', '    -something'].join('\n'),
    );
  });

  it('reports a break step that fails, and runs no probe', async () => {
    const s = parseScenarioText(file, scenarioText({ name: 'bad-break', breakRun: 'nosuchcommand -w x' }));
    const r = await runScenario(s, simFactory);
    expect(r.pass).toBe(false);
    expect(r.checks).toHaveLength(0);
    expect(r.stepFailure).toMatchObject({ phase: 'break', at: 'node-2', exitCode: 127 });
    expect(formatResultText(r)).toBe('FAIL bad-break\n  break step failed (exit 127): node-2$ nosuchcommand -w x\n    sh: nosuchcommand: not found\n');
  });

  it('counts passes and failures, and writes the closing line', async () => {
    const a = parseScenarioText(file, scenarioText({ name: 'one' }));
    const b = parseScenarioText(file, scenarioText({ name: 'two', exit: 3 }));
    const report = await runScenarios([a, b], simFactory);
    expect([report.backend, report.passed, report.failed]).toEqual(['sim', 1, 1]);
    expect(formatReportText(report).split('\n').slice(-2)).toEqual(['1 passed, 1 failed', '']);
  });
});

describe('JUnit XML', () => {
  it('has one testcase per scenario, failures with the text report, everything escaped', async () => {
    const a = parseScenarioText(join(scenarioLibraryDir(), 'a&b.yaml'), scenarioText({ name: 'ok-one' }));
    const b = parseScenarioText(join(scenarioLibraryDir(), 'x.yaml'), scenarioText({ name: 'bad-one', exit: 0 }));
    const xml = formatJunit(await runScenarios([a, b], simFactory), 'lib <tests>');
    const lines = xml.split('\n');
    expect(lines[0]).toBe('<?xml version="1.0" encoding="UTF-8"?>');
    expect(lines[1]).toMatch(/^<testsuites name="lib &lt;tests&gt;" tests="2" failures="1" errors="0" time="\d+\.\d{3}">$/);
    expect(lines[2]).toMatch(/^ {2}<testsuite name="lib &lt;tests&gt;" tests="2" failures="1" errors="0" skipped="0" time="\d+\.\d{3}">$/);
    expect(lines[3]).toBe('    <properties><property name="backend" value="sim"/></properties>');
    expect(lines[4]).toMatch(/^ {4}<testcase classname="scenarios\.sim" name="ok-one" file=".*a&amp;b\.yaml" time="\d+\.\d{3}"\/>$/);
    expect(lines[5]).toMatch(/^ {4}<testcase classname="scenarios\.sim" name="bad-one" file=".*x\.yaml" time="\d+\.\d{3}">$/);
    expect(lines[6]).toBe('      <failure message="1 probe(s) did not match" type="ScenarioMismatch">FAIL bad-one');
    expect(xml).toContain('    exit status 127, expected 0');
    expect(xml.trimEnd().endsWith('</testcase>\n  </testsuite>\n</testsuites>')).toBe(true);
    // Balanced tags: every opened element is closed.
    const open = (xml.match(/<(testsuites|testsuite|testcase|failure|properties)[ >]/g) ?? []).length;
    const closed = (xml.match(/<\/(testsuites|testsuite|testcase|failure|properties)>|<testcase [^>]*\/>/g) ?? []).length;
    expect(closed).toBe(open);
  });

  it('escapes markup and drops characters XML 1.0 cannot carry', () => {
    expect(xmlEscape('a<b>&"\'\u0001z')).toBe('a&lt;b&gt;&amp;&quot;&apos;\uFFFDz');
  });
});

describe('tracelab scenario (the command)', () => {
  const io = () => {
    const out: string[] = [];
    const err: string[] = [];
    return { out, err, io: { out: (t: string) => void out.push(t), err: (t: string) => void err.push(t) } };
  };

  it('lists the library', async () => {
    const c = io();
    expect(await scenarioMain({ action: 'list', backend: 'sim' }, c.io)).toBe(0);
    const text = c.out.join('');
    expect(text).toMatch(/^forwarding-off-node-1 +node-1 stopped forwarding$/m);
    expect(text.trimEnd().split('\n').length).toBeGreaterThanOrEqual(20);
  });

  it('shows a scenario without its break or fix', async () => {
    const c = io();
    expect(await scenarioMain({ action: 'show', targets: ['forwarding-off-node-1'], backend: 'sim' }, c.io)).toBe(0);
    const text = c.out.join('');
    expect(text.startsWith('forwarding-off-node-1: node-1 stopped forwarding\n\nPods on node-2 cannot reach httpd')).toBe(true);
    expect(text).toContain('  node-2/traceroute$ traceroute -n -q 1 -w 1 -m 4 10.244.1.3\n');
    expect(text).toContain('hints:\n  1. ');
    expect(text).not.toContain('ip_forward=');
  });

  it('answers one line and exit 2 for an unknown scenario, a bad file or a bad backend', async () => {
    const a = await runCli(['scenario', 'show', 'no-such-scenario']);
    expect(a).toMatchObject({ code: 2, out: '' });
    expect(a.err).toMatch(/^tracelab: no scenario "no-such-scenario" in the library \(known: .*\)\n$/);
    const bad = join(import.meta.dirname, 'fixtures', 'scenarios', 'bad-duration-long.yaml');
    expect(await runCli(['scenario', 'run', bad])).toEqual({ code: 2, out: '', err: `${bad}:12:11: bad duration "99999m" (like 500ms, 15s, 2m)\n` });
    const c = await runCli(['scenario', 'run', bad, '--backend', 'qemu']);
    expect(c).toMatchObject({ code: 2, out: '' });
    expect(c.err).toMatch(/^tracelab: Invalid values:\n {2}Argument: backend, Given: "qemu", Choices: "sim", "netns", "vagrant", "kubectl"\n/);
    await expect(scenarioMain({ action: 'run', targets: [bad], backend: 'qemu' }, io().io)).rejects.toThrow('unknown backend "qemu" (known: sim, netns, vagrant, kubectl)');
  });

  it('runs files, prints PASS/FAIL lines and the closing line, writes JUnit, exits 1 on a failure', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tracelab-scenario-'));
    writeFileSync(join(dir, 'a.yaml'), scenarioText({ name: 'cli-pass' }));
    writeFileSync(join(dir, 'b.yaml'), scenarioText({ name: 'cli-fail', exit: 0 }));
    const junit = join(dir, 'out.xml');
    const c = io();
    expect(await scenarioMain({ action: 'run', targets: [dir], backend: 'sim', junit }, c.io)).toBe(1);
    const text = c.out.join('');
    expect(text.startsWith('PASS cli-pass\nFAIL cli-fail\n')).toBe(true);
    expect(text.endsWith('\n1 passed, 1 failed\n')).toBe(true);
    expect(readFileSync(junit, 'utf8')).toContain('tests="2" failures="1"');
    const j = io();
    expect(await scenarioMain({ action: 'run', targets: [join(dir, 'a.yaml')], backend: 'sim', json: true }, j.io)).toBe(0);
    const json = JSON.parse(j.out.join('')) as { passed: number; failed: number; scenarios: { name: string; probes: { exit: number }[] }[] };
    expect([json.passed, json.failed, json.scenarios[0]!.name, json.scenarios[0]!.probes[0]!.exit]).toEqual([1, 0, 'cli-pass', 127]);
  });
});

describe('recording expectations into a scenario file', () => {
  it('writes expect/exit/stderr and healthy texts, keeps comments, and the result loads with them', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tracelab-record-'));
    const file = join(dir, 'rec.yaml');
    const text = `# a comment that must stay\n${scenarioText({ name: 'rec', fix: true }).replace('    exit: 127\n', '    exit: 5\n')}`;
    writeFileSync(file, text);
    const s = loadScenarioFile(file);
    const seen: ScenarioObservation = {
      backend: 'netns',
      broken: [{ stdout: 'traceroute to x (x), 4 hops max, 60 byte packets\n 1  10.244.2.1  0.151 ms !N\n', stderr: '', exitCode: 0 }],
      fixed: [{ stdout: ' 1  lead space\n     Resume: pmtu 1500 hops 3 back 3 \n', stderr: 'connect: x\n', exitCode: 1 }],
    };
    const out = applyObservation(text, s, seen);
    expect(out.probes[0]!.changed).toBe(true);
    expect(out.text.startsWith('# a comment that must stay\n')).toBe(true);
    writeFileSync(file, out.text);
    const again = loadScenarioFile(file).probes[0]!;
    expect(again.expect).toBe(seen.broken[0]!.stdout);
    expect(again.exit).toBe(0);
    expect(out.text).not.toMatch(/^ {4}exit:/m);
    expect(again.stderr).toBeUndefined();
    expect(again.healthy).toBe(seen.fixed![0]!.stdout);
    expect([again.healthyExit, again.healthyStderr]).toEqual([1, 'connect: x\n']);
    expect(applyObservation(out.text, loadScenarioFile(file), seen).probes[0]!.changed).toBe(false);
  });

  it('refuses to record after a failed step', () => {
    const text = scenarioText({ name: 'rec-fail' });
    const s = parseScenarioText('x.yaml', text);
    const seen: ScenarioObservation = { backend: 'netns', broken: [], stepFailure: { phase: 'break', at: 'node-2', run: 'x', exitCode: 1, stderr: 'boom\n' } };
    expect(() => applyObservation(text, s, seen)).toThrow('rec-fail: break step failed on netns (exit 1): node-2$ x\nboom');
  });
});
