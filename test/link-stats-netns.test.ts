// Which frames count on which interface (sim/link-stats.ts), against the kernel: node-1's cni0 with the nginx and httpd
// pods is rebuilt in throwaway namespaces (IPv6 off there, so only the probes' IPv4 and ARP frames move the counters),
// the same commands run at nginx on both, and each interface's RX/TX packets and bytes must move alike: a ping across
// the bridge with its first ARP, a ping to the bridge's own address, a traceroute probe answered by a port
// unreachable, an ARP nobody answers, a ping to its own address (lo), and a frame too big for the receiving pod (TX dropped at the port, RX dropped
// at the pod). delay_first_probe_time is raised on the kernel side so that no unicast
// re-confirmation probe (which the simulator does not count, docs/training-shell.md) falls inside the run.
import { runInContainer } from '../sim/debug-container.js';
import { debugView } from '../topology/debug-container.js';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IfaceState } from '../sim/dataplane.js';
import { linkCounters, received, transmitted } from '../sim/link-stats.js';
import { Simulator } from '../sim/simulator.js';
import { compileLabText } from '../topology/compile.js';
import { packageRoot } from '../topology/paths.js';

const root = process.getuid?.() === 0;
if (!root) console.log('skipping the interface counter comparison: it needs root to make namespaces');

const NODE = 'tlhcntn1';
const NGINX = 'tlhcntng';
const HTTPD = 'tlhcntht';
const THREE_NODE = readFileSync(join(packageRoot(), 'topology', 'labs', 'three-node.yaml'), 'utf8');

const sh = (argv: string[]): string => execFileSync(argv[0]!, argv.slice(1), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const inNs = (ns: string, argv: string[]): string => sh(['ip', 'netns', 'exec', ns, ...argv]);
const quiet = (ns: string, argv: string[]): void => {
  try {
    inNs(ns, argv);
  } catch {
    // ping without an answer exits 1: the frames it sent are what counts
  }
};

/** Interfaces by role: [namespace, kernel name] and [sim device, sim name]. */
const ROLES = {
  'nginx eth0': [[NGINX, 'eth0'], ['nginx', 'eth0']],
  'nginx lo': [[NGINX, 'lo'], ['nginx', 'lo']],
  'httpd eth0': [[HTTPD, 'eth0'], ['httpd', 'eth0']],
  'node-1 cni0': [[NODE, 'cni0'], ['node-1', 'cni0']],
  'nginx port': [[NODE, 'vethng'], ['node-1', 'veth96e558cf']],
  'httpd port': [[NODE, 'vethht'], ['node-1', 'vethc9de87d3']],
} as const;
type Role = keyof typeof ROLES;
type Counts = Record<Role, [number, number, number, number, number, number]>;

function kernelCounts(): Counts {
  const out = {} as Counts;
  for (const [role, [[ns, dev]]] of Object.entries(ROLES) as [Role, (typeof ROLES)[Role]][]) {
    const s = JSON.parse(sh(['ip', '-n', ns, '-j', '-s', 'link', 'show', 'dev', dev]))[0].stats64;
    out[role] = [s.rx.packets, s.rx.bytes, s.tx.packets, s.tx.bytes, s.rx.dropped, s.tx.dropped];
  }
  return out;
}

function simCounts(sim: Simulator): Counts {
  const out = {} as Counts;
  for (const [role, [, [device, dev]]] of Object.entries(ROLES) as [Role, (typeof ROLES)[Role]][]) {
    const owner = sim.dp.state(device);
    const iface = owner.ifaces.get(dev) as IfaceState;
    const c = linkCounters(iface);
    const [rx, tx] = [received(sim.dp, iface), transmitted(sim.dp, owner, iface)];
    out[role] = [rx.packets, rx.bytes, tx.packets, tx.bytes, c.rxDropped, c.txDropped];
  }
  return out;
}

const delta = (after: Counts, before: Counts): Counts =>
  Object.fromEntries(Object.keys(after).map((r) => [r, after[r as Role].map((v, k) => v - before[r as Role][k]!)])) as Counts;

function build(): void {
  for (const ns of [NODE, NGINX, HTTPD]) {
    sh(['ip', 'netns', 'add', ns]);
    inNs(ns, ['sysctl', '-q', '-w', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1', 'net.ipv4.icmp_ratelimit=0']);
    sh(['ip', '-n', ns, 'link', 'set', 'lo', 'up']);
  }
  sh(['ip', '-n', NODE, 'link', 'add', 'cni0', 'type', 'bridge']);
  sh(['ip', '-n', NODE, 'addr', 'add', '10.244.1.1/24', 'dev', 'cni0']);
  sh(['ip', '-n', NODE, 'link', 'set', 'cni0', 'up']);
  for (const [pod, port, addr] of [[NGINX, 'vethng', '10.244.1.2/24'], [HTTPD, 'vethht', '10.244.1.3/24']] as const) {
    sh(['ip', 'link', 'add', 'eth0', 'netns', pod, 'type', 'veth', 'peer', 'name', port, 'netns', NODE]);
    sh(['ip', '-n', NODE, 'link', 'set', port, 'master', 'cni0', 'up']);
    sh(['ip', '-n', pod, 'addr', 'add', addr, 'dev', 'eth0']);
    sh(['ip', '-n', pod, 'link', 'set', 'eth0', 'up']);
    sh(['ip', '-n', pod, 'route', 'add', 'default', 'via', '10.244.1.1']);
    inNs(pod, ['sysctl', '-q', '-w', 'net.ipv4.neigh.eth0.delay_first_probe_time=60']);
  }
  inNs(NODE, ['sysctl', '-q', '-w', 'net.ipv4.neigh.cni0.delay_first_probe_time=60']);
  sh(['sleep', '1']);
}

function down(): void {
  for (const ns of [NODE, NGINX, HTTPD]) {
    try {
      sh(['ip', 'netns', 'del', ns]);
    } catch {
      // not there
    }
  }
}

describe.skipIf(!root)('interface counters against the kernel (a node\'s cni0 and two pods)', () => {
  beforeAll(() => {
    down();
    build();
  });
  afterAll(down);

  it('moves RX/TX packets, bytes and drops on the same interfaces by the same amounts', () => {
    const lab = compileLabText('three-node.yaml', THREE_NODE);
    const sim = new Simulator(lab);
    // nginx's image has no ping or traceroute: the probes run from a netshoot debug container in the pod (its netns).
    const view = debugView(lab.device('nginx')!, 'netshoot');
    if (!view.ok) throw new Error(view.message);
    const steps: [string, string[], number][] = [
      ['ping across the bridge (first contact: ARP)', ['ping', '-c', '1', '-W', '1', '10.244.1.3'], 0],
      ['ping the bridge address (ARP for the gateway)', ['ping', '-c', '1', '-W', '1', '10.244.1.1'], 0],
      ['traceroute probe answered by a port unreachable', ['traceroute', '-n', '-q', '1', '-m', '1', '10.244.1.3'], 0],
      ['ARP nobody answers (3 requests)', ['ping', '-c', '1', '-W', '1', '10.244.1.77'], 2.5],
    ];

    for (const [what, argv, settle] of steps) {
      const [kBefore, sBefore] = [kernelCounts(), simCounts(sim)];
      quiet(NGINX, argv);
      if (settle > 0) sh(['sleep', String(settle)]);
      const ran = runInContainer(sim, view.device, argv.join(' '));
      expect(ran.exitCode, `${what}: ${ran.stderr}`).not.toBe(127);
      expect(delta(simCounts(sim), sBefore), what).toEqual(delta(kernelCounts(), kBefore));
    }
  }, 30_000);
});
