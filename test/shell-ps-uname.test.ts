// `ps` and `uname` at the lab's places: procps's column layout checked by re-laying out the real `ps aux`/`ps -ef`
// lines of this machine, uname's field choice checked against the real coreutils uname, and the node's daemons
// (kubelet's --node-ip follows the lab's kubelet fault).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Simulator } from '../sim/simulator.js';
import { AUX_COLUMNS, EF_COLUMNS, psLine } from '../sim/commands/ps.js';
import { compileLabText } from '../topology/compile.js';
import { packageRoot } from '../topology/paths.js';

const THREE_NODE = readFileSync(join(packageRoot(), 'topology', 'labs', 'three-node.yaml'), 'utf8');
const lab = (text = THREE_NODE) => new Simulator(compileLabText('three-node.yaml', text));

function real(argv: readonly string[]): { stdout: string; stderr: string; status: number } | undefined {
  // The boxes run a UTF-8 locale (coreutils then quotes operands with ‘ ’).
  const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C.UTF-8' } });
  return r.error ? undefined : { stdout: r.stdout, stderr: r.stderr, status: r.status ?? -1 };
}

/** A ps line's first N fields, and the command after them (which may hold runs of spaces). */
function splitPs(line: string, n: number): { fields: string[]; command: string } {
  const fields = line.split(/\s+/).slice(0, n);
  let at = 0;
  for (const f of fields) at = line.indexOf(f, at) + f.length;
  return { fields, command: line.slice(at + 1) };
}

const procps = real(['ps', '--version'])?.stdout.includes('procps-ng') === true;

describe('ps column layout (procps-ng, checked against the real ps)', () => {
  // Each real line is split into its fields and laid out again: the same bytes must come out, overflowing VSZ/RSS
  // columns included (they borrow the padding of the TTY column after them).
  it.skipIf(!procps)('ps aux lines re-laid out equal the real ones', () => {
    const lines = real(['ps', 'aux'])!.stdout.split('\n').filter(Boolean);
    expect(lines.length).toBeGreaterThan(10);
    for (const line of lines) {
      const { fields, command } = splitPs(line, 10);
      expect(psLine(AUX_COLUMNS, [...fields, command])).toBe(`${line}\n`);
    }
  });

  it.skipIf(!procps)('ps -ef lines re-laid out equal the real ones', () => {
    const lines = real(['ps', '-ef'])!.stdout.split('\n').filter(Boolean);
    for (const line of lines) {
      const { fields, command } = splitPs(line, 7);
      expect(psLine(EF_COLUMNS, [...fields, command])).toBe(`${line}\n`);
    }
  });
});

describe('ps on a node: the modelled daemons', () => {
  it('lists kubelet with --node-ip, containerd, flanneld, kube-proxy and sshd', () => {
    const out = lab().run('node-1', 'ps aux').stdout;
    expect(out.split('\n')[0]).toBe('USER       PID %CPU %MEM    VSZ   RSS TTY      STAT START   TIME COMMAND');
    expect(out).toMatch(/\/usr\/bin\/kubelet .*--node-ip=192\.168\.56\.11\n/);
    for (const daemon of ['/usr/bin/containerd\n', '/opt/bin/flanneld --ip-masq --kube-subnet-mgr --iface=eth1\n', '/usr/local/bin/kube-proxy --config=/var/lib/kube-proxy/config.conf --hostname-override=node-1\n', 'sshd: /usr/sbin/sshd -D [listener]']) {
      expect(out).toContain(daemon);
    }
  });

  it('kubelet has no --node-ip when the lab turns it off (the fault shows in ps)', () => {
    const out = lab(THREE_NODE.replace('kubeletNodeIp: true', 'kubeletNodeIp: false')).run('node-1', 'ps -ef').stdout;
    expect(out.split('\n')[0]).toBe('UID        PID  PPID  C STIME TTY          TIME CMD');
    expect(out).toMatch(/\/usr\/bin\/kubelet /);
    expect(out).not.toContain('--node-ip');
  });

  it('the control plane runs its static pods; pids and parents hang together', () => {
    const out = lab().run('controlplane', 'ps -ef').stdout;
    expect(out).toContain('kube-apiserver --advertise-address=192.168.56.10 ');
    const rows = out.trim().split('\n').slice(1).map((l) => l.split(/\s+/));
    const pids = new Set(rows.map((r) => r[1]));
    for (const r of rows.slice(1)) expect(pids.has(r[2])).toBe(true);
  });

  it('a debian-slim image has no ps; other options are not modelled', () => {
    const sim = lab();
    expect(sim.run('nginx', 'ps aux')).toMatchObject({ stderr: 'sh: 1: ps: not found\n', exitCode: 127 });
    expect(sim.run('node-1', 'ps -o pid')).toMatchObject({ exitCode: 3 });
    // Nor tcpdump, ipset or bridge; the busybox pod has no tcpdump either (its applets only).
    for (const program of ['tcpdump -ni eth0', 'ipset list', 'bridge link']) expect(sim.run('httpd', program)).toMatchObject({ stderr: `sh: 1: ${program.split(' ')[0]}: not found\n`, exitCode: 127 });
    expect(sim.run('traceroute', 'tcpdump -ni eth0')).toMatchObject({ stderr: 'sh: tcpdump: not found\n', exitCode: 127 });
  });
});

const realUname = real(['uname', '-a']);

describe('uname (coreutils field choice, checked against the real uname)', () => {
  const cases = ['', '-a', '-s', '-n', '-r', '-v', '-m', '-p', '-i', '-o', '-snrvmpio', '-a -p', '-rs', '--kernel-release', '-x', 'foo', '--bogus'];
  it.skipIf(!realUname)('prints the fields the real uname prints, in its order, and its errors', () => {
    // The real uname's fields are mapped to their names, so the simulator's text (another kernel) compares field by field.
    const names = Object.fromEntries(['s', 'n', 'r', 'v', 'm', 'p', 'i', 'o'].map((f) => [f, real(['uname', `-${f}`])!.stdout.trim()]));
    const sim = lab();
    const simNames = Object.fromEntries(['s', 'n', 'r', 'v', 'm', 'p', 'i', 'o'].map((f) => [f, sim.run('node-1', `uname -${f}`).stdout.trim()]));
    const byName = (text: string, values: Record<string, string>) => {
      let t = text;
      // Longest values first, so a value inside another (GNU/Linux vs Linux) is not replaced early.
      for (const [f, v] of Object.entries(values).sort((a, b) => b[1].length - a[1].length)) t = t.split(v).join(`<${f}>`);
      return t;
    };
    for (const c of cases) {
      const want = real(['uname', ...c.split(' ').filter(Boolean)])!;
      const got = sim.run('node-1', `uname ${c}`);
      expect(byName(got.stdout, simNames), c).toBe(byName(want.stdout, names));
      expect(got.stderr, c).toBe(want.stderr);
      expect(got.exitCode, c).toBe(want.status);
    }
  });

  it('uname -a names the box kernel and the place', () => {
    expect(lab().run('nginx', 'uname -a').stdout).toBe('Linux nginx 6.1.0-28-amd64 #1 SMP PREEMPT_DYNAMIC Debian 6.1.119-1 (2024-11-22) x86_64 GNU/Linux\n');
  });
});
