// Root-only: every ARP case of test/helpers/arp-cases.ts on the namespace lab's kernel: node-2 pings, and its
// neighbour entry says whether node-1 answered. The table's expectations are the kernel's; the simulator is held to the
// same table by test/arp.test.ts, and compared line for line here too.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createNetnsBackend } from '../lab/netns/backend.js';
import { preflight } from '../lab/netns/preflight.js';
import { netnsDown } from '../lab/netns/lifecycle.js';
import { openLab } from '../index.js';
import { loadLab } from '../topology/compile.js';
import { ARP_CASES, expectedNeighbour } from './helpers/arp-cases.js';

const PREFIX = 'tlhneighk';

/** Puts back what any case changed (errors ignored: most cases change only part of it), then forgets every neighbour. */
const RESET: readonly (readonly [string, string])[] = [
  ['node-1', 'sysctl -q -w net.ipv4.conf.all.arp_ignore=0 net.ipv4.conf.eth1.arp_ignore=0 net.ipv4.conf.all.arp_filter=0 net.ipv4.conf.eth1.arp_filter=0'],
  ['node-1', 'sysctl -q -w net.ipv4.conf.all.proxy_arp=0 net.ipv4.conf.eth1.proxy_arp=0 net.ipv4.conf.eth1.proxy_arp_pvlan=0'],
  ['node-1', 'sysctl -q -w net.ipv4.conf.eth1.medium_id=0 net.ipv4.conf.cni0.medium_id=0 net.ipv4.conf.eth1.forwarding=1'],
  ['node-2', 'sysctl -q -w net.ipv4.conf.all.arp_announce=0 net.ipv4.conf.eth1.arp_announce=0'],
  ['node-1', 'ip addr del 192.168.56.50/32 dev lo'],
  ['node-1', 'ip addr del 192.168.56.50/32 dev eth1'],
  ['node-1', 'ip route replace 10.244.2.0/24 via 192.168.56.12 dev eth1'],
  ['node-2', 'ip route replace 10.244.1.0/24 via 192.168.56.11 dev eth1'],
  ['node-2', 'ip route del 10.244.1.1/32 dev eth1'],
  ['node-1', 'ip neigh flush all'],
  ['node-2', 'ip neigh flush all'],
];

const check = preflight();
if (!check.ok) console.log(`skipping ARP-vs-kernel tests: ${check.message.split('\n').join('; ')}`);

describe.skipIf(!check.ok)('ARP on the kernel (namespace lab)', () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'tracelab-arp-'));
  const backend = createNetnsBackend({ prefix: PREFIX, stateDir });

  beforeAll(async () => {
    await backend.up(loadLab('three-node'));
  }, 120_000);
  afterAll(async () => {
    await netnsDown({ prefix: PREFIX, stateDir });
    rmSync(stateDir, { recursive: true, force: true });
  }, 120_000);

  async function run(steps: readonly (readonly [string, string])[]): Promise<void> {
    for (const [at, command] of steps) await backend.run(at, command);
  }

  it(`answers the ${ARP_CASES.length} cases as the table says, and as the simulator does`, async () => {
    const differences: string[] = [];
    for (const c of ARP_CASES) {
      await run(RESET);
      await run(c.setup);
      await backend.run('node-2', `ping -n -c 1 -W 4 ${c.target}`);
      const real = (await backend.run('node-2', `ip neigh show ${c.nexthop} dev eth1`)).stdout.replace(' dev eth1', '');
      const lab = openLab();
      for (const [at, command] of c.setup) lab.run(at, command);
      lab.run('node-2', `ping -n -c 1 -W 4 ${c.target}`);
      const mine = lab.run('node-2', `ip neigh show ${c.nexthop} dev eth1`).stdout.replace(' dev eth1', '');
      const table = expectedNeighbour(c).replace(' dev eth1', '');
      if (real !== table || mine !== real) differences.push(`${c.name}\n  kernel: ${JSON.stringify(real)}\n  table:  ${JSON.stringify(table)}\n  sim:    ${JSON.stringify(mine)}`);
    }
    expect(differences.join('\n')).toBe('');
  }, 300_000);

  it('the asked side learns the asker only when it answers, at the sender address arp_announce chose', async () => {
    const steps: (readonly [string, string])[] = [['node-2', 'ip route replace 10.244.1.0/24 via 192.168.56.11 dev eth1 src 10.244.2.1'], ['node-2', 'ping -n -c 1 -W 4 10.244.1.3']];
    await run(RESET);
    await run(steps);
    const real = (await backend.run('node-1', 'ip neigh show 10.244.2.1')).stdout.replace(/lladdr \S+/, 'lladdr MAC');
    const lab = openLab();
    for (const [at, command] of steps) lab.run(at, command);
    const mine = lab.run('node-1', 'ip neigh show 10.244.2.1').stdout.replace(/lladdr \S+/, 'lladdr MAC');
    expect(real).toBe('10.244.2.1 dev eth1 lladdr MAC STALE \n');
    expect(mine).toBe(real);
  }, 60_000);

  it('an entry whose neighbour stopped answering: STALE, used (DELAY), unanswered unicast probes, FAILED', async () => {
    // Real time passes on the kernel: base_reachable_time 30 s draws 15-45 s, delay_first_probe_time 5 s, 3 probes 1 s apart.
    const setup: (readonly [string, string])[] = [['node-2', 'ip route replace 10.244.1.0/24 dev eth1'], ['node-1', 'sysctl -w net.ipv4.conf.eth1.proxy_arp=1']];
    const lab = openLab();
    const sleep = async (s: number): Promise<void> => { await new Promise((r) => setTimeout(r, s * 1000)); lab.wait(s); };
    const both = async (at: string, command: string): Promise<[string, string]> => [(await backend.run(at, command)).stdout, lab.run(at, command).stdout];
    await run(RESET);
    await run(setup);
    for (const [at, command] of setup) lab.run(at, command);
    await both('node-2', 'ping -n -c 1 -W 4 10.244.1.3');
    await both('node-1', 'sysctl -w net.ipv4.conf.eth1.proxy_arp=0');
    await sleep(47);
    const states: [string, string][] = [await both('node-2', 'ip neigh show 10.244.1.3')];
    const stillThere = await both('node-2', 'ping -n -c 1 -W 4 10.244.1.3');
    states.push(await both('node-2', 'ip neigh show 10.244.1.3'));
    await sleep(9);
    states.push(await both('node-2', 'ip neigh show 10.244.1.3'));
    const mask = (s: string): string => s.replace(/lladdr \S+/, 'lladdr MAC');
    expect(states.map(([k]) => mask(k))).toEqual(['10.244.1.3 dev eth1 lladdr MAC STALE \n', '10.244.1.3 dev eth1 lladdr MAC DELAY \n', '10.244.1.3 dev eth1 FAILED \n']);
    expect(states.map(([, s]) => mask(s))).toEqual(states.map(([k]) => mask(k)));
    expect(stillThere[1].includes(' 1 received') && stillThere[0].includes(' 1 received')).toBe(true);
  }, 120_000);

  it('ip neigh add/replace/del/flush edits answer as iproute2 and the kernel do', async () => {
    const sequence = [
      'ip neigh add 192.168.56.77 lladdr 02:00:00:00:00:02 dev eth1', 'ip neigh add 192.168.56.77 lladdr 02:00:00:00:00:02 dev eth1',
      'ip neigh show dev eth1 nud permanent', 'ip neigh replace 192.168.56.77 lladdr 02:00:00:00:00:05 dev eth1', 'ip neigh show 192.168.56.77',
      'ip neigh del 192.168.56.77 dev eth1', 'ip neigh del 192.168.56.77 dev eth1', 'ip neigh flush',
      'ip neigh replace 192.168.56.78 lladdr 02:00:00:00:00:0g dev eth1', 'ip neigh replace 192.168.56.78 dev eth1', 'ip neigh show 192.168.56.78',
      'ip neigh replace 192.168.56.78 lladdr 2:AB:0:0:0:1 dev eth1 nud reachable', 'ip neigh show 192.168.56.78',
      'ip neigh replace 192.168.56.78 lladdr 02:xx:00:00:00:01 dev eth1', 'ip neigh replace 192.168.56.78 lladdr 02:100:00:00:00:01 dev eth1',
      'ip neigh add 192.168.56.80 lladdr 02:00:00:00:00:03 dev eth1 nud stale', 'ip neigh show 192.168.56.80', 'ip neigh show nud failed',
      'ip neigh add 192.168.56.79 lladdr 02:00:00:00:00:03 dev eth9', 'ip neigh flush dev eth1', 'ip neigh show dev eth1',
    ];
    await run(RESET);
    const lab = openLab();
    const differences: string[] = [];
    for (const command of sequence) {
      const a = await backend.run('node-1', command);
      const b = lab.run('node-1', command);
      const real = JSON.stringify([a.stdout, a.stderr, a.exitCode]);
      const mine = JSON.stringify([b.stdout, b.stderr, b.exitCode]);
      if (real !== mine) differences.push(`${command}\n  kernel: ${real}\n  sim:    ${mine}`);
    }
    expect(differences.join('\n')).toBe('');
  }, 60_000);

  it('sysctl: a conf.default write reaches the interfaces whose key was never written', async () => {
    // arp_notify: a key nothing in this file (or the lab's boot) writes per interface.
    const sequence = [
      'sysctl -w net.ipv4.conf.eth0.arp_notify=1', 'sysctl -w net.ipv4.conf.default.arp_notify=2',
      'sysctl net.ipv4.conf.eth0.arp_notify net.ipv4.conf.eth1.arp_notify net.ipv4.conf.cni0.arp_notify net.ipv4.conf.lo.arp_notify net.ipv4.conf.all.arp_notify',
      'sysctl -w net.ipv4.conf.default.rp_filter=2', 'sysctl net.ipv4.conf.eth1.rp_filter net.ipv4.conf.default.rp_filter',
      'sysctl -w net.ipv4.conf.default.arp_notify=0 net.ipv4.conf.default.rp_filter=0',
    ];
    const lab = openLab();
    const differences: string[] = [];
    for (const command of sequence) {
      const a = await backend.run('node-1', command);
      const b = lab.run('node-1', command);
      if (JSON.stringify([a.stdout, a.stderr, a.exitCode]) !== JSON.stringify([b.stdout, b.stderr, b.exitCode])) differences.push(`${command}\n  kernel: ${a.stdout}\n  sim:    ${b.stdout}`);
    }
    expect(differences.join('\n')).toBe('');
  }, 60_000);

  it('a static entry with another interface\'s MAC sends the frames there (node-1 forwards them on)', async () => {
    const steps: (readonly [string, string])[] = [['node-2', 'ip neigh replace 192.168.56.10 lladdr 02:f4:b9:9d:9f:52 dev eth1']];
    await run(RESET);
    await run(steps);
    const probe = 'traceroute -n -q 1 -w 1 -m 3 192.168.56.10';
    const hops = (text: string): string[] => text.split('\n').slice(1).filter((l) => l.trim() !== '').map((l) => l.trim().split(/\s+/)[1]!);
    const real = hops((await backend.run('node-2', probe)).stdout);
    await backend.run('node-2', 'ip neigh del 192.168.56.10 dev eth1');
    const lab = openLab();
    for (const [at, command] of steps) lab.run(at, command);
    expect(real).toEqual(['192.168.56.11', '192.168.56.10']);
    expect(hops(lab.run('node-2', probe).stdout)).toEqual(real);
  }, 60_000);
});
