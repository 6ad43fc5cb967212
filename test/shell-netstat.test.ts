// `netstat -s` (net-tools 2.10): the real netstat reads /proc/net/snmp and /proc/net/netstat, so it runs chrooted
// over a directory holding a snapshot of this machine's own files and the simulator's files after faults, and the real netstat's text is compared with the simulator's. Which counters
// move for which traffic is compared with the kernel by the scenarios counters-* (verify).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { netstatStatistics } from '../sim/commands/netstat.js';
import { procNetNetstat, procNetSnmp } from '../sim/proc-net-snmp.js';
import { Simulator } from '../sim/simulator.js';
import { compileLabText } from '../topology/compile.js';
import { packageRoot } from '../topology/paths.js';

const THREE_NODE = readFileSync(join(packageRoot(), 'topology', 'labs', 'three-node.yaml'), 'utf8');
const dir = mkdtempSync(join(tmpdir(), 'tlhcnt-netstat-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * The real `netstat -s` over the two files' TEXTS: procfs files cannot be bind-mounted over (their dentries are made
 * per lookup), so netstat runs chrooted into a directory whose proc/net holds the texts, with /usr bind-mounted there
 * in a private mount namespace that ends with it.
 */
const root = join(dir, 'root');
mkdirSync(join(root, 'proc', 'net'), { recursive: true });
mkdirSync(join(root, 'usr'));
for (const l of ['lib', 'lib64', 'bin']) symlinkSync(`usr/${l}`, join(root, l));

function realNetstat(snmp: string, netstat: string): string {
  writeFileSync(join(root, 'proc', 'net', 'snmp'), snmp);
  writeFileSync(join(root, 'proc', 'net', 'netstat'), netstat);
  const r = spawnSync('unshare', ['-m', 'sh', '-c', `mount --bind /usr ${root}/usr && exec chroot ${root} /usr/bin/netstat -s`], { encoding: 'utf8', env: { LANG: 'C', PATH: '/usr/sbin:/usr/bin' } });
  if (r.status !== 0) throw new Error(`netstat under unshare: ${r.stderr}`);
  return r.stdout;
}

const probe = spawnSync('unshare', ['-m', 'true']);
const netstatThere = spawnSync('netstat', ['--version']).status === 0;
const canMount = process.getuid?.() === 0 && probe.status === 0 && netstatThere;

describe('netstat -s', () => {
  it.skipIf(!canMount)('prints this machine\'s counters as the real netstat does (its unsorted tables, histograms, unknown names)', () => {
    const snmp = readFileSync('/proc/net/snmp', 'utf8');
    const netstat = readFileSync('/proc/net/netstat', 'utf8');
    expect(netstatStatistics([snmp, netstat])).toBe(realNetstat(snmp, netstat));
  });

  it.skipIf(!canMount)('prints the simulator\'s counters after faults as the real netstat prints the same files', () => {
    const sim = new Simulator(compileLabText('three-node.yaml', THREE_NODE));
    sim.run('netshoot', 'traceroute -n -q 1 -w 1 -m 4 10.244.1.3');
    sim.run('node-1', 'iptables -I FORWARD -d 10.244.1.3 -j REJECT');
    sim.run('netshoot', 'ping -c 2 -W 1 10.244.1.3');
    sim.run('node-1', 'sysctl -w net.ipv4.ip_forward=0');
    sim.run('netshoot', 'ping -c 1 -W 1 10.244.1.3');
    sim.run('netshoot', 'ip route del default');
    sim.run('netshoot', 'ping -c 1 -W 1 10.244.1.3');
    for (const place of ['node-1', 'node-2', 'netshoot']) {
      const s = sim.dp.state(place);
      const snmp = procNetSnmp(s);
      const netstat = procNetNetstat(s);
      expect(netstatStatistics([snmp, netstat]), place).toBe(realNetstat(snmp, netstat));
    }
  });

  it('is net-tools\' program on the nodes only, and refuses a place whose TCP it does not count', () => {
    const sim = new Simulator(compileLabText('three-node.yaml', THREE_NODE));
    expect(sim.run('node-1', 'netstat -s').stdout).toMatch(/^Ip:\n {4}Forwarding: 1\n/);
    expect(sim.run('node-1', 'netstat -tn').exitCode).toBe(3);
    expect(sim.run('netshoot', 'netstat -s').exitCode).toBe(3);
    expect(sim.run('nginx', 'netstat -s')).toMatchObject({ stderr: 'sh: 1: netstat: not found\n', exitCode: 127 });
    sim.run('netshoot', 'curl -s -m 2 10.244.1.3');
    expect(sim.run('node-1', 'netstat -s').exitCode).toBe(3);
  });
});
