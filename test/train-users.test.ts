// The trainee's shell as on the real lab: vagrant on the nodes (root-only commands refused, sudo, root shells),
// iptables counters and neighbour states after the trainee's own probes, tcptraceroute's stderr before its hops.
// Expected texts come from the real tools: refusals captured with setpriv (test/privilege-netns.test.ts checks them
// against the tools), counters and neighbour lines from the kernel-recorded scenarios forward-drop-counters and
// neighbour-states, tcptraceroute's lines from forward-drop-pod-to-pod.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { trainMain } from '../cli/commands/train.js';
import { loadScenarios, scenarioLibraryDir } from '../lab/scenario/index.js';
import { readTranscript, type TranscriptLine } from '../lab/train/transcript.js';
import { completeLine } from '../lab/train/complete.js';

vi.setConfig({ testTimeout: 60_000 });
const work = mkdtempSync(join(tmpdir(), 'tracelab-train-users-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
let serial = 0;
const library = loadScenarios([scenarioLibraryDir()]);

/** The recorded (kernel) stdout of a library scenario's probe: broken lab, or after the fix. */
function recorded(name: string, run: string, healthy = false): string {
  const probe = library.find((s) => s.name === name)!.probes.find((p) => p.run === run)!;
  return (healthy ? probe.healthy : probe.expect)!;
}

/** `tracelab train SCENARIO` with LINES typed; each typed line with its prompt and output. */
async function train(scenario: string, lines: readonly string[]): Promise<{ out: string; lines: readonly TranscriptLine[] }> {
  const transcript = join(work, `u${++serial}.jsonl`);
  const input = new PassThrough();
  let out = '';
  const output = new Writable({ write: (c, _e, done) => ((out += String(c)), done()) });
  input.end(lines.map((l) => `${l}\n`).join(''));
  await trainMain({ scenario, backend: 'sim', transcript }, { input, output });
  return { out, lines: readTranscript(transcript).lines };
}

const said = (t: { lines: readonly TranscriptLine[] }, line: string) => t.lines.filter((l) => l.line === line).map((l) => l.output);

describe('the trainee is vagrant on the nodes', () => {
  it('forwarding-off-node-1: sysctl -w is refused without sudo and works with it; sudo -i gives a root prompt until exit', async () => {
    const t = await train('forwarding-off-node-1', [
      'exit', 'ssh node-1', 'sysctl -w net.ipv4.ip_forward=1', 'sysctl net.ipv4.ip_forward', 'iptables -L FORWARD',
      'sudo sysctl -w net.ipv4.ip_forward=1', 'sudo -i', 'sysctl net.ipv4.ip_forward', 'exit', 'sudo su', 'exit', 'check', 'quit',
    ]);
    expect(said(t, 'sysctl -w net.ipv4.ip_forward=1')).toEqual(['sysctl: permission denied on key "net.ipv4.ip_forward"\n']);
    expect(said(t, 'sysctl net.ipv4.ip_forward')[0]).toBe('net.ipv4.ip_forward = 0\n');
    expect(said(t, 'iptables -L FORWARD')).toEqual(['iptables v1.8.9 (nf_tables): Could not fetch rule set generation id: Permission denied (you must be root)\n']);
    expect(said(t, 'sudo sysctl -w net.ipv4.ip_forward=1')).toEqual(['net.ipv4.ip_forward = 1\n']);
    expect(t.lines.map((l) => l.prompt).slice(1, 10)).toEqual([
      'vagrant@node-2:~$ ', 'vagrant@node-1:~$ ', 'vagrant@node-1:~$ ', 'vagrant@node-1:~$ ', 'vagrant@node-1:~$ ',
      'vagrant@node-1:~$ ', 'root@node-1:~# ', 'root@node-1:~# ', 'vagrant@node-1:~$ ',
    ]);
    expect(t.lines.at(-3)!.prompt).toBe('root@node-1:/home/vagrant# '); // `sudo su`: not a login shell, same directory
    expect(said(t, 'exit').slice(1)).toEqual(['logout\n', 'exit\n']); // sudo -i is a login shell, sudo su is not
    expect(said(t, 'check')[0]).toMatch(/^FIXED/);
  });

  it('pods run as root: no refusal there', async () => {
    const t = await train('forward-drop-pod-to-pod', ['ip route', 'quit']);
    expect(t.lines[0]!.prompt).toBe('netshoot:~# ');
    expect(said(t, 'ip route')[0]).toContain('default via 10.244.2.1 dev eth0');
  });
});

describe('counters and neighbours move with the trainee\'s own probes', () => {
  it('sudo iptables -L FORWARD -v -n -x on node-1 counts the probes the DROP rule dropped, as the kernel did', async () => {
    const t = await train('forward-drop-counters', [
      'traceroute -n -q 1 -w 1 -m 4 10.244.1.3', 'ping -c 1 -W 1 10.244.1.3', 'exit', 'ssh node-1',
      'sudo iptables -L FORWARD -v -n -x', 'sudo iptables -S FORWARD -v', 'sudo iptables -Z FORWARD', 'sudo iptables -L FORWARD -v -n', 'quit',
    ]);
    const listed = said(t, 'sudo iptables -L FORWARD -v -n -x')[0]!;
    expect(listed).toBe(recorded('forward-drop-counters', 'iptables -L FORWARD -v -n -x'));
    expect(listed).toMatch(/^ +3 +204 DROP /m);
    expect(said(t, 'sudo iptables -S FORWARD -v')[0]).toBe(recorded('forward-drop-counters', 'iptables -S FORWARD -v'));
    expect(said(t, 'sudo iptables -L FORWARD -v -n')[0]).toMatch(/^ +0 +0 DROP /m);
  });

  it('ip neigh on node-1 shows FAILED for an address that did not answer ARP, REACHABLE for a pod that did', async () => {
    const t = await train('forwarding-off-node-1', [
      'exit', 'ssh node-1', 'ping -c 1 -W 5 192.168.56.99', 'ip neigh show 192.168.56.99', 'ping -c 1 -W 1 10.244.1.3', 'ip neigh show 10.244.1.3', 'quit',
    ]);
    expect(said(t, 'ip neigh show 192.168.56.99')).toEqual([recorded('neighbour-states', 'ip neigh show 192.168.56.99')]);
    expect(said(t, 'ip neigh show 10.244.1.3')).toEqual([recorded('neighbour-states', 'ip neigh show 10.244.1.3')]);
  });
});

describe('the terminal shows stdout and stderr in the order the tool wrote them', () => {
  it('tcptraceroute: "Selected device" and "Tracing the path" before the hops, "Destination not reached" after', async () => {
    const run = 'tcptraceroute -n -q 1 -w 1 -m 4 -p 40080 10.244.1.3 80';
    const t = await train('forward-drop-pod-to-pod', [run, 'quit']);
    const probe = library.find((s) => s.name === 'forward-drop-pod-to-pod')!.probes.find((p) => p.run === run)!;
    const [selected, tracing, notReached] = probe.stderr!.trimEnd().split('\n');
    const masked = said(t, run)[0]!.replace(/\d+\.\d{3} ms/g, 'N ms');
    expect(masked).toBe(`${selected}\n${tracing}\n${probe.expect.replace(/\d+\.\d{3} ms/g, 'N ms')}${notReached}\n`);
  });
});

describe('command lists and variables', () => {
  it('runs ; && || as a shell does, with $? $HOSTNAME $HOME $USER expanded in the shell each command runs in', async () => {
    const t = await train('forwarding-off-node-1', [
      'exit', 'ssh node-1', 'echo $HOSTNAME ${HOME} "$USER" \'$HOME\'', 'sysctl -w net.ipv4.ip_forward=1 && echo yes || echo no $?',
      'whoami; id; sudo whoami', 'sudo -i; echo $HOME', 'exit', '; ls', 'ip route | grep -c eth1; echo $?', 'false || echo $?; true && echo $?', 'quit',
    ]);
    expect(said(t, 'echo $HOSTNAME ${HOME} "$USER" \'$HOME\'')).toEqual(['node-1 /home/vagrant vagrant $HOME\n']);
    expect(said(t, 'sysctl -w net.ipv4.ip_forward=1 && echo yes || echo no $?')).toEqual(['sysctl: permission denied on key "net.ipv4.ip_forward"\nno 1\n']);
    expect(said(t, 'whoami; id; sudo whoami')).toEqual(['vagrant\nuid=1000(vagrant) gid=1000(vagrant) groups=1000(vagrant)\nroot\n']);
    expect(said(t, 'sudo -i; echo $HOME')).toEqual(['/root\n']);
    expect(said(t, '; ls')).toEqual(["sh: syntax error near unexpected token `;'\n"]);
    expect(said(t, 'ip route | grep -c eth1; echo $?')[0]).toMatch(/^\d+\n0\n$/);
    expect(said(t, 'false || echo $?; true && echo $?')).toEqual(['1\n0\n']);
  });
});

describe('Tab completion', () => {
  it('completes a command again after sudo and after a list operator', () => {
    const lab = library.find((s) => s.name === 'forwarding-off-node-1')!.lab;
    const node = lab.device('node-1')!;
    expect(completeLine(lab, node, 'sudo sys')).toEqual([['sysctl'], 'sys']);
    expect(completeLine(lab, node, 'sudo -i')).toEqual([[], '-i']);
    expect(completeLine(lab, node, 'ip route; sud')).toEqual([['sudo'], 'sud']);
    expect(completeLine(lab, node, 'true && ssh node-')).toEqual([['node-1', 'node-2'], 'node-']);
  });
});
