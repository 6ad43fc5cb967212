// The simulator's ARP against the kernel's rules (test/helpers/arp-cases.ts, measured on the kernel by
// test/arp-kernel.test.ts): who answers a who-has, with which sender address, and the sysctls' `all`/`default` rules.
import { describe, expect, it } from 'vitest';
import { openLab } from '../index.js';
import { ARP_CASES, expectedNeighbour } from './helpers/arp-cases.js';

describe('ARP as net/ipv4/arp.c answers it', () => {
  for (const c of ARP_CASES) {
    it(c.name, () => {
      const lab = openLab();
      for (const [at, command] of c.setup) expect(lab.run(at, command).exitCode, `${at}: ${command}`).toBe(0);
      lab.run('node-2', `ping -n -c 1 -W 4 ${c.target}`);
      expect(lab.run('node-2', `ip neigh show ${c.nexthop} dev eth1`).stdout.replace(' dev eth1', '')).toBe(expectedNeighbour(c).replace(' dev eth1', ''));
    });
  }

  it('learns the asker only when it answers (neigh_event_ns), from the sender address arp_announce chose', () => {
    const lab = openLab();
    lab.run('node-2', 'ip route replace 10.244.1.0/24 via 192.168.56.11 dev eth1 src 10.244.2.1');
    lab.run('node-2', 'ping -n -c 1 -W 4 10.244.1.3');
    // arp_announce=0: the request carries the packet's local source, and node-1 (arp_ignore=0) learns that address.
    expect(lab.run('node-1', 'ip neigh show 10.244.2.1').stdout).toMatch(/^10\.244\.2\.1 dev eth1 lladdr [0-9a-f:]+ STALE \n$/);
    const quiet = openLab();
    quiet.run('node-1', 'sysctl -w net.ipv4.conf.all.arp_ignore=8');
    quiet.run('node-2', 'ping -n -c 1 -W 4 192.168.56.11');
    expect(quiet.run('node-1', 'ip neigh show 192.168.56.12').stdout).toBe('');
  });

  it('a proxy\'s answer is kept in the asker\'s table with the proxy\'s MAC, and the frames go there', () => {
    const lab = openLab();
    lab.run('node-2', 'ip route replace 10.244.1.0/24 dev eth1');
    lab.run('node-1', 'sysctl -w net.ipv4.conf.eth1.proxy_arp=1');
    expect(lab.run('node-2', 'ping -n -c 2 -i 0.2 -W 4 10.244.1.3').stdout).toContain('2 packets transmitted, 2 received');
    // Turning proxy_arp off leaves the learned entry: traffic still flows until it is flushed (or fails its probe).
    lab.run('node-1', 'sysctl -w net.ipv4.conf.eth1.proxy_arp=0');
    expect(lab.run('node-2', 'ping -n -c 1 -W 4 10.244.1.3').exitCode).toBe(0);
    lab.run('node-2', 'ip neigh flush dev eth1');
    expect(lab.run('node-2', 'ping -n -c 1 -W 4 10.244.1.3').stdout).toContain('Destination Host Unreachable');
  });

  it('a static entry naming another interface\'s MAC sends the frames to that interface', () => {
    const lab = openLab();
    // node-2 pins 192.168.56.10 (controlplane) to node-1's eth1 MAC: its traffic to controlplane goes to node-1,
    // which forwards it on (ip_forward=1) to controlplane: the route still works, one hop longer.
    lab.run('node-2', 'ip neigh replace 192.168.56.10 lladdr 02:f4:b9:9d:9f:52 dev eth1');
    const out = lab.run('node-2', 'traceroute -n -q 1 -w 1 -m 3 192.168.56.10').stdout;
    expect(out.split('\n').slice(1, 3).map((l) => l.trim().split(/\s+/)[1])).toEqual(['192.168.56.11', '192.168.56.10']);
  });

  it('--explain says who kept quiet and why, and who answered by proxy', () => {
    const lab = openLab();
    lab.run('node-1', 'ip addr add 192.168.56.50/32 dev lo');
    lab.run('node-1', 'sysctl -w net.ipv4.conf.all.arp_ignore=1');
    const quiet = lab.trace('node-2', 'traceroute -n -q 1 -m 1 192.168.56.50').hops[0]!.probes[0]!.steps.map((s) => s.decision);
    expect(quiet).toContain('neighbour 192.168.56.50 dev eth1 does not answer ARP: node-1 holds it but ignores "who-has 192.168.56.50 tell 192.168.56.12" on eth1: arp_ignore=1 (the larger of all and eth1)');
    const proxy = openLab();
    proxy.run('node-2', 'ip route replace 10.244.1.0/24 dev eth1');
    proxy.run('node-1', 'sysctl -w net.ipv4.conf.eth1.proxy_arp=1');
    const steps = proxy.trace('node-2', 'traceroute -n -q 1 -m 1 10.244.1.3').hops[0]!.probes[0]!.steps;
    expect(steps.find((s) => s.device === 'node-1')?.decision).toBe('answers ARP for 10.244.1.3 with its own MAC (proxy ARP on eth1): node-2 sends it there');
  });

  it('ip neigh add|replace read the MAC as iproute2 does and set the state asked for', () => {
    // Kernel 6.18 with iproute2 6.1 (the namespace lab): these lines are what it printed.
    const lab = openLab();
    lab.run('node-1', 'ip neigh replace 192.168.56.78 lladdr 02:00:00:00:00:0g dev eth1');
    lab.run('node-1', 'ip neigh replace 192.168.56.78 dev eth1');
    expect(lab.run('node-1', 'ip neigh show 192.168.56.78').stdout).toBe('192.168.56.78 dev eth1 lladdr 02:00:00:00:00:00 PERMANENT \n');
    lab.run('node-1', 'ip neigh replace 192.168.56.78 lladdr 2:AB:0:0:0:1 dev eth1 nud reachable');
    expect(lab.run('node-1', 'ip neigh show 192.168.56.78').stdout).toBe('192.168.56.78 dev eth1 lladdr 02:ab:00:00:00:01 REACHABLE \n');
    expect(lab.run('node-1', 'ip neigh replace 192.168.56.78 lladdr 02:xx:00:00:00:01 dev eth1')).toMatchObject({ stdout: '', stderr: '"xx" is invalid lladdr.\n', exitCode: 1 });
    lab.run('node-1', 'ip neigh add 192.168.56.80 lladdr 02:00:00:00:00:03 dev eth1 nud stale');
    expect(lab.run('node-1', 'ip neigh show 192.168.56.80').stdout).toBe('192.168.56.80 dev eth1 lladdr 02:00:00:00:00:03 STALE \n');
  });

  it('a conf.default write reaches only interfaces never written and never given an address', () => {
    // Kernel 6.18, a namespace with veths va (given 10.9.0.1/24 by `ip addr add`) and vb (no address), lo down:
    // `sysctl -w net.ipv4.conf.default.arp_notify=2` read back va 0, vb 2, lo 2; after `ip link set lo up` and
    // default=3: va 0, vb 3, lo 2. A veth with no address whose arp_announce was written (1) kept it at a default of 2.
    // The namespace lab's node-1 (eth0, eth1, cni0, lo: all addressed) kept 0 for all of them (arp-kernel.test.ts).
    const lab = openLab();
    const port = lab.run('node-1', 'ip -br link').stdout.split('\n').find((l) => l.startsWith('veth'))!.split('@')[0]!;
    lab.run('node-1', `sysctl -w net.ipv4.conf.${port}.arp_announce=1`);
    lab.run('node-1', 'sysctl -w net.ipv4.conf.default.arp_notify=2 net.ipv4.conf.default.arp_announce=2');
    expect(lab.run('node-1', `sysctl -n net.ipv4.conf.eth1.arp_notify net.ipv4.conf.cni0.arp_notify net.ipv4.conf.lo.arp_notify net.ipv4.conf.${port}.arp_notify net.ipv4.conf.${port}.arp_announce net.ipv4.conf.eth1.arp_announce`).stdout)
      .toBe('0\n0\n0\n2\n1\n0\n');
  });
});
