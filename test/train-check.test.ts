// The training shell's `check` scores connectivity only (against a fresh healthy lab, not recorded texts), refuses
// scenarios with nothing to fix, keeps a FIXED check's credit after `reset`; transcripts and diagrams go only where
// the user said (no parent directories created, no symlink followed).
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { trainMain } from '../cli/commands/train.js';
import { UsageError } from '../lab/backend.js';
import { OutputFileError } from '../lab/io/output-file.js';
import { formatShow, loadScenarios, parseScenarioText, scenarioLibraryDir } from '../lab/scenario/index.js';
import { SourceError } from '../topology/yaml-source.js';
import { classReport } from '../lab/train/report.js';
import { readTranscript, type TranscriptLine } from '../lab/train/transcript.js';

vi.setConfig({ testTimeout: 60_000 });
const work = mkdtempSync(join(tmpdir(), 'tracelab-train-check-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
let serial = 0;

interface Run {
  readonly code: number;
  readonly out: string;
  readonly lines: readonly TranscriptLine[];
  readonly checks: readonly string[];
  readonly transcript: string;
}

/** `tracelab train SCENARIO --transcript T` with LINES typed (then end of input). */
async function train(scenario: string, lines: readonly string[], transcript = join(work, `s${++serial}.jsonl`)): Promise<Run> {
  const input = new PassThrough();
  let out = '';
  const output = new Writable({ write: (c, _e, done) => ((out += String(c)), done()) });
  input.end(lines.map((l) => `${l}\n`).join(''));
  const code = await trainMain({ scenario, backend: 'sim', transcript }, { input, output });
  const t = readTranscript(transcript);
  return { code, out, transcript, lines: t.lines, checks: t.lines.filter((l) => l.builtin === 'check').map((l) => l.output) };
}

describe('which scenarios can be trained', () => {
  const library = loadScenarios([scenarioLibraryDir()]);

  it('every library scenario has a fix or says train: false, and every trainable one has check probes', () => {
    expect(library.filter((s) => s.trainable !== false && !s.fixSteps).map((s) => s.name)).toEqual([]);
    expect(library.filter((s) => s.trainable !== false && (s.checkProbes ?? []).length === 0).map((s) => s.name)).toEqual([]);
  });

  it('train refuses the baselines and demonstrations with one clear line', async () => {
    const refused = library.filter((s) => !s.trainable).map((s) => s.name).sort();
    expect(refused).toEqual(['arp-ignore-route-src-node-2', 'capture-arp-failure', 'capture-arp-first-contact', 'capture-dnat-cni0', 'capture-dns-ndots-walk', 'capture-http-conversation', 'capture-syn-reset', 'capture-traceroute-eth1', 'clusterip-every-hop', 'clusterip-no-endpoints', 'counters-forwarding-off', 'counters-mtu-reject', 'counters-no-route', 'dns-coredns-not-listening', 'dns-hosts-file-overrides-service', 'dns-kube-dns-no-endpoints', 'dns-ndots-search-walk', 'dns-resolv-conf-dead-nameserver', 'dns-short-name-other-namespace', 'flannel-reconciles-route', 'neighbour-states', 'nodes-joined-out-of-order', 'nstat-forwarded', 'nstat-icmp-counters', 'pod-app-not-listening', 'pod-cidr-outside-cluster-network', 'policy-allow-from-label', 'policy-not-enforced-flannel-alone', 'proxy-arp-masks-missing-gateway', 'seed-lab-baseline', 'service-no-endpoints-refused', 'service-wrong-targetport']);
    for (const name of refused) {
      const transcript = join(work, `refused-${name}.jsonl`);
      await expect(train(name, ['check', 'quit'], transcript)).rejects.toThrow(new RegExp(`^scenario ${name} is not a training exercise \\(train: false in .*${name}\\.yaml\\)`));
      expect(existsSync(transcript)).toBe(false);
    }
  });

  it('scenario show says which scenarios are not for training', () => {
    const show = (name: string) => formatShow(library.find((s) => s.name === name)!);
    expect(show('seed-lab-baseline')).toContain('\ntrain: false (a baseline or a demonstration: nothing to fix; `tracelab train` refuses it)\n');
    expect(show('forwarding-off-node-1')).not.toContain('train: false');
  });

  it('train refuses a scenario without a fix', async () => {
    const file = join(work, 'no-fix.yaml');
    writeFileSync(file, 'name: no-fix\ntitle: t\nlab: three-node\nbrief: b\nbreak: []\nprobes:\n  - at: node-2/netshoot\n    run: traceroute -n 10.244.1.3\n    expect: x\n');
    await expect(train(file, ['quit'])).rejects.toThrow(UsageError);
    await expect(train(file, ['quit'])).rejects.toThrow(/^scenario no-fix cannot be trained: it has no fix:/);
  });
});

describe('check scores connectivity, against a fresh healthy lab', () => {
  it('rp-filter: the route plus rp_filter=0 is FIXED; rp_filter=0 without the route is not (the replies still leave by eth0)', async () => {
    const r = await train('rp-filter-strict-return-route', [
      'exit', 'ssh node-1', 'sudo sysctl -w net.ipv4.conf.all.rp_filter=0', 'check',
      'sudo ip route add 10.244.2.0/24 via 192.168.56.12 dev eth1', 'check', 'quit',
    ]);
    expect(r.checks[0]).toMatch(/^NOT FIXED: 2 of 2 probes/);
    expect(r.checks[1]).toBe('FIXED: all 2 probes now give the healthy lab\'s output\n');
    expect(r.code).toBe(0);
  });

  it('flannel-on-eth0: fixing the controlplane routes too (better than the recorded fix) is FIXED', async () => {
    const r = await train('flannel-on-eth0', [
      'check', 'sudo -i',
      'ip route replace 10.244.1.0/24 via 192.168.56.11 dev eth1', 'ip route replace 10.244.0.0/24 via 192.168.56.10 dev eth1',
      'ssh node-1', 'sudo ip route replace 10.244.2.0/24 via 192.168.56.12 dev eth1', 'sudo ip route replace 10.244.0.0/24 via 192.168.56.10 dev eth1', 'exit',
      'ssh controlplane', 'sudo su -', 'ip route replace 10.244.1.0/24 via 192.168.56.11 dev eth1', 'ip route replace 10.244.2.0/24 via 192.168.56.12 dev eth1', 'exit', 'exit',
      'check', 'quit',
    ]);
    expect(r.checks[0]).toMatch(/^NOT FIXED: 2 of 2 probes/);
    expect(r.checks[1]).toMatch(/^FIXED: /);
  });

  it('a failing check names the place, the command and the first differing line, never an inspection\'s output', async () => {
    const r = await train('forwarding-off-node-1', ['check', 'quit']);
    expect(r.checks[0]).toBe([
      'NOT FIXED: 3 of 4 probes still differ from the healthy lab',
      '  node-2/traceroute$ traceroute -n -q 1 -w 1 -m 4 10.244.1.3',
      '    output line 3 differs; it now reads:  2  *',
      '  node-2/netshoot$ traceroute -n -q 1 -w 1 -m 4 10.244.1.3',
      '    output line 3 differs; it now reads:  2  *',
      '  node-2/netshoot$ mtr -r -n -c 2 -i 0.2 -m 4 10.244.1.3',
      '    output line 4 differs; it now reads:   2.|-- ???                       100.0     2    0.0   0.0   0.0   0.0   0.0',
      '',
    ].join('\n'));
    expect(r.out).not.toContain('ip_forward');
  });

  it('compares with the healthy lab\'s output, not the file\'s recorded healthy text', async () => {
    const file = join(work, 'wrong-healthy.yaml');
    writeFileSync(file, [
      'name: wrong-healthy', 'title: t', 'lab: three-node', 'brief: b',
      'model:', '  cluster.flannel.stopped: [node-2]',
      'break:', '  - at: node-2', '    run: ip route del 10.244.1.0/24',
      'probes:', '  - at: node-2/netshoot', '    run: traceroute -n -q 1 -w 1 -m 4 10.244.1.3', '    expect: x', '    healthy: not what the lab prints',
      'fix:', '  - at: node-2', '    run: ip route add 10.244.1.0/24 via 192.168.56.11 dev eth1', '',
    ].join('\n'));
    const r = await train(file, ['check', 'exit', 'sudo ip route add 10.244.1.0/24 via 192.168.56.11 dev eth1', 'check', 'quit']);
    expect(r.checks.map((c) => c.split(':')[0])).toEqual(['NOT FIXED', 'FIXED']);
    expect(r.out).not.toContain('not what the lab prints');
  });

  it('a check: list replaces inspection probes; check: takes connectivity probes only', async () => {
    const base = [
      'name: listed-check', 'title: t', 'lab: three-node', 'brief: b',
      'model:', '  cluster.flannel.stopped: [node-2]',
      'break:', '  - at: node-2', '    run: ip route del 10.244.1.0/24',
      'probes:', '  - at: node-2', '    run: ip route', '    expect: x',
      'fix:', '  - at: node-2', '    run: ip route add 10.244.1.0/24 via 192.168.56.11 dev eth1',
    ];
    const file = join(work, 'listed-check.yaml');
    writeFileSync(file, [...base, 'check:', '  - at: node-2/netshoot', '    run: ping -c 1 -W 1 10.244.1.3', ''].join('\n'));
    const r = await train(file, ['check', 'sudo ip route add 10.244.1.0/24 via 192.168.56.11 dev eth1', 'check', 'quit']);
    expect(r.checks[0]).toMatch(/^NOT FIXED: 1 of 1 probe still differs from the healthy lab\n {2}node-2\/netshoot\$ ping -c 1 -W 1 10\.244\.1\.3\n/);
    expect(r.checks[1]).toMatch(/^FIXED: /);
    expect(r.out).not.toContain('default via');
    const bad = [...base, 'check:', '  - at: node-2', '    run: iptables -L', ''].join('\n');
    expect(() => parseScenarioText('bad.yaml', bad)).toThrow(SourceError);
    expect(() => parseScenarioText('bad.yaml', bad)).toThrow(/^bad\.yaml:19:10: a check probe is a connectivity probe \(.*\), not "iptables -L"/);
    await expect(train(parseFile(base), ['quit'])).rejects.toThrow(/check` needs a connectivity probe/);
  });
});

function parseFile(lines: readonly string[]): string {
  const file = join(work, `inspections-only-${++serial}.yaml`);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

describe('the summary', () => {
  it('a FIXED check followed by reset keeps its credit', async () => {
    const r = await train('forwarding-off-node-1', ['exit', 'ssh node-1', 'sudo sysctl -w net.ipv4.ip_forward=1', 'check', 'reset', 'check', 'quit']);
    expect(r.checks.map((c) => c.split(':')[0])).toEqual(['FIXED', 'NOT FIXED']);
    expect(r.out).toMatch(/ {2}result {5}FIXED once at \d+s, then reset\n/);
    expect(r.code).toBe(0);
    const summary = readTranscript(r.transcript).summary!;
    expect(summary).toMatchObject({ fixed: false, resetAfterFix: true });
    expect(classReport([readTranscript(r.transcript)]).scenarios[0]).toMatchObject({ sessions: 1, fixed: 1 });
  });
});

describe('diagrams', () => {
  it('before `solution` show where the probe stops, not the setting that stopped it', async () => {
    const r = await train('forwarding-off-node-1', ['traceroute -n -q 1 -m 4 10.244.1.3', 'diagram', 'solution', 'diagram', 'quit']);
    const files = r.lines.filter((l) => l.builtin === 'diagram').map((l) => /written to (\S+\.svg)/.exec(l.output)![1]!);
    const caption = (f: string) => [...readFileSync(f, 'utf8').matchAll(/class="caption"[^>]*>([^<]*)/g)].map((m) => m[1]).join('\n');
    expect(caption(files[0]!)).toContain('✗ hops 2–4: the probe stops at node-1');
    expect(caption(files[0]!)).not.toMatch(/forward/i);
    expect(caption(files[1]!)).toMatch(/forwarding-off at node-1/);
  });
});

describe('files only where the user said', () => {
  it('--transcript in a directory that does not exist is an OutputFileError and creates nothing', async () => {
    const missing = join(work, 'no-such-dir', 'deeper', 't.jsonl');
    await expect(train('forwarding-off-node-1', ['quit'], missing)).rejects.toThrow(OutputFileError);
    await expect(train('forwarding-off-node-1', ['quit'], missing)).rejects.toThrow(`cannot write ${missing}: no such directory: ${dirname(missing)}`);
    expect(existsSync(join(work, 'no-such-dir'))).toBe(false);
  });

  it('--transcript naming a directory is an OutputFileError', async () => {
    const dir = join(work, 'a-dir');
    mkdirSync(dir);
    await expect(train('forwarding-off-node-1', ['quit'], dir)).rejects.toThrow(`cannot write ${dir}: is a directory`);
  });

  it('a symlink planted at the transcript or a diagram name is refused, never followed', async () => {
    const dir = join(work, 'planted');
    mkdirSync(dir);
    const victim = join(work, 'victim.txt');
    writeFileSync(victim, 'precious\n');
    symlinkSync(victim, join(dir, 'link.jsonl'));
    await expect(train('forwarding-off-node-1', ['quit'], join(dir, 'link.jsonl'))).rejects.toThrow(`cannot write ${join(dir, 'link.jsonl')}: it is a symbolic link; refusing to write through it`);
    const svg = join(dir, 'forwarding-off-node-1-1.svg');
    symlinkSync(victim, svg);
    const r = await train('forwarding-off-node-1', ['traceroute -n -q 1 -m 4 10.244.1.3', 'diagram', 'diagram', 'quit'], join(dir, 't.jsonl'));
    expect(readFileSync(victim, 'utf8')).toBe('precious\n');
    expect(lstatSync(svg).isSymbolicLink()).toBe(true);
    // The refused diagram costs its line, one clear line; the session goes on and the next diagram is written.
    const said = r.lines.filter((l) => l.line === 'diagram').map((l) => l.output);
    expect(said[0]).toBe(`tracelab: cannot write ${svg}: it is a symbolic link; refusing to write through it\n`);
    expect(said[1]).toContain(`written to ${join(dir, 'forwarding-off-node-1-2.svg')}`);
    expect(r.code).toBe(1);
  });

  it('without --transcript, the transcript and diagrams go to a new private directory', async () => {
    const input = new PassThrough();
    let out = '';
    const output = new Writable({ write: (c, _e, done) => ((out += String(c)), done()) });
    input.end('traceroute -n -q 1 -m 4 10.244.1.3\ndiagram\nquit\n');
    await trainMain({ scenario: 'forwarding-off-node-1', backend: 'sim' }, { input, output });
    const transcript = / {2}transcript (\S+)\n/.exec(out)![1]!;
    const dir = dirname(transcript);
    try {
      expect(dir).not.toBe(join(tmpdir(), 'tracelab', 'transcripts'));
      expect(dirname(dir)).toBe(tmpdir());
      expect(statSync(dir).mode & 0o777).toBe(0o700);
      expect(statSync(transcript).mode & 0o777).toBe(0o600);
      expect(out).toContain(`written to ${join(dir, 'forwarding-off-node-1-1.svg')}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('healthyLab in the scenario file', () => {
  it('a bad healthyLab.model edit is reported at its own line', () => {
    const text = [
      'name: bad-healthy', 'title: t', 'lab: three-node', 'brief: b', 'break: []',
      'probes:', '  - at: node-2/netshoot', '    run: traceroute -n 10.244.1.3', '    expect: x',
      'healthyLab:', '  model:', '    nodes.node-9.podSubnet: 10.244.9.0/24', '',
    ].join('\n');
    expect(() => parseScenarioText('h.yaml', text)).toThrow(/^h\.yaml:12:29: lab edit nodes\.node-9\.podSubnet: no element "node-9"/);
  });
});
