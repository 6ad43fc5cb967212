// The vagrant backend restores an attached lab's nodes after faults: real vagrant, dummy provider, nodes as netns (tlv1-).
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadLab } from '../topology/compile.js';
import { createVagrantBackend, type VagrantBackendOptions } from '../lab/vagrant/backend.js';
import { vagrantDownAction } from '../lab/vagrant/actions.js';
import { baselineDir } from '../lab/vagrant/node-state.js';

const ROOT = resolve(import.meta.dirname, '..');
const HAVE_VAGRANT = spawnSync('vagrant', ['--version'], { stdio: 'ignore' }).status === 0;
const IS_ROOT = process.getuid?.() === 0;
const HAVE_NETNS = IS_ROOT && spawnSync('ip', ['netns', 'list'], { stdio: 'ignore' }).status === 0 && spawnSync('iptables-save', ['--version'], { stdio: 'ignore' }).status === 0;
if (!HAVE_VAGRANT) console.log('vagrant-node-state: skipping: vagrant is not installed (apt-get install vagrant)');
else if (!HAVE_NETNS) console.log('vagrant-node-state: skipping: needs root, ip netns and iptables to stand in for the nodes');

const PREFIX = `tlv1-${process.pid}`;
const NODES = ['node-1', 'node-2'] as const;

function inNode(node: string, script: string): string {
  return execFileSync('ip', ['netns', 'exec', `${PREFIX}-${node}`, 'sh', '-c', script], { encoding: 'utf8' });
}

/** What the restore must bring back: routes, links (state and MTU), the sysctls scenarios flip, the filter rules. */
const STATE = 'ip route show table main; ip -o link show | sed "s/ qdisc.*//"; sysctl net.ipv4.ip_forward net.ipv4.conf.all.rp_filter; iptables-save | grep -v "^#" | sed "s/\\[[0-9]*:[0-9]*\\]$//"';

describe.skipIf(!HAVE_VAGRANT || !HAVE_NETNS)('node state on an attached vagrant lab', { timeout: 240_000 }, () => {
  let dir = '';
  const lab = loadLab('three-node');
  const opts = (): VagrantBackendOptions => ({
    vagrantDir: dir,
    provider: 'tracelab_dummy',
    become: false,
    env: { VAGRANT_HOME: join(dir, 'home'), TRACELAB_REAL_VAGRANTFILE: join(ROOT, 'Vagrantfile'), TRACELAB_AUTO_RENDER: '0', TRACELAB_DUMMY_NETNS: PREFIX },
  });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tracelab-vagrant-state-'));
    copyFileSync(join(ROOT, 'test', 'fixtures', 'vagrant', 'Vagrantfile'), join(dir, 'Vagrantfile'));
    NODES.forEach((node, i) => {
      execFileSync('ip', ['netns', 'add', `${PREFIX}-${node}`]);
      // A node as the model has it: eth1 on the host-only network, cni0, a host-gw route, forwarding on, a filter rule.
      inNode(
        node,
        `ip link set lo up; ip link add eth1 type veth peer name peer1; ip link set peer1 up; ip addr add 192.168.56.${11 + i}/24 dev eth1; ip link set eth1 up; ` +
          `ip link add cni0 type bridge; ip addr add 10.244.${1 + i}.1/24 dev cni0; ip link set cni0 up; ` +
          `ip route add 10.244.${2 - i}.0/24 via 192.168.56.${12 - i} dev eth1; sysctl -qw net.ipv4.ip_forward=1; iptables -A FORWARD -s 10.244.0.0/16 -j ACCEPT`,
      );
    });
    // The lab exists before the scenario's backend attaches (as after `tracelab lab up`).
    await createVagrantBackend(opts()).up(lab);
  }, 180_000);

  afterAll(async () => {
    if (dir) await vagrantDownAction({}, () => undefined, opts()).catch(() => 1);
    for (const node of NODES) spawnSync('ip', ['netns', 'del', `${PREFIX}-${node}`]);
    const parent = resolve(baselineDir('x'), '..');
    if (existsSync(parent) && readdirSync(parent).length === 0) rmdirSync(parent);
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 180_000);

  it('puts back routes, links, sysctls and iptables rules after faults, and keeps the VMs', async () => {
    const before = NODES.map((n) => inNode(n, STATE));
    const backend = createVagrantBackend(opts());
    await backend.up(lab);
    const faults = [
      'ip route del 10.244.1.0/24',
      'sysctl -w net.ipv4.ip_forward=0',
      'iptables -I FORWARD -d 10.244.1.0/24 -j DROP',
      'ip link set eth1 mtu 1400',
      'ip link set cni0 down',
      'ip route add 198.51.100.0/24 via 192.168.56.1',
    ];
    for (const fault of faults) expect((await backend.run('node-2', fault)).exitCode, fault).toBe(0);
    expect(existsSync(baselineDir('node-2'))).toBe(true);
    expect(existsSync(baselineDir('node-1'))).toBe(false);
    const broken = inNode('node-2', STATE);
    expect(broken).not.toContain('10.244.1.0/24 via 192.168.56.11');
    expect(broken).toContain('net.ipv4.ip_forward = 0');
    expect(broken).toContain('-A FORWARD -d 10.244.1.0/24 -j DROP');
    await backend.down();
    expect(NODES.map((n) => inNode(n, STATE))).toEqual(before);
    expect(existsSync(baselineDir('node-2'))).toBe(false);
  });

  it('takes a fresh baseline per session, so a state left by a crashed session is not restored', async () => {
    const first = createVagrantBackend(opts());
    await first.up(lab);
    await first.run('node-1', 'true'); // baseline with the host-gw route
    // The session "crashes" here (no down); the route changes for good afterwards.
    inNode('node-1', 'ip route del 10.244.2.0/24');
    const after = inNode('node-1', STATE);
    const second = createVagrantBackend(opts());
    await second.up(lab);
    expect((await second.run('node-1', 'sysctl -w net.ipv4.conf.all.rp_filter=1')).exitCode).toBe(0);
    await second.down();
    expect(inNode('node-1', STATE)).toBe(after);
  });
});
