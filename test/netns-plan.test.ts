// Unit tests of the namespace-lab plan (no root): names, links, segments, addresses, routes, sysctls, files.
import { describe, expect, it } from 'vitest';
import { buildNetnsPlan, routeArgv } from '../lab/netns/plan.js';
import { splitCommand } from '../lab/netns/argv.js';
import { toolArgv, placeFromRecord } from '../lab/netns/backend.js';
import { cmdlineMatches, listenerArgv } from '../lab/netns/listener.js';
import { checkPrefix } from '../lab/netns/names.js';
import { cidr, ip } from '../topology/address.js';
import { smallLab, smallLabWithWan } from './netns-small-lab.js';

const lines = (plan: ReturnType<typeof buildNetnsPlan>) => plan.steps.map((s) => s.argv.join(' '));

describe('buildNetnsPlan', () => {
  const plan = buildNetnsPlan(smallLab(), { prefix: 'tlt1' });
  const text = lines(plan);

  it('gives every device its own prefixed namespace', () => {
    expect(plan.namespaces.map((n) => n.name)).toEqual(['tlt1-node-1', 'tlt1-httpd', 'tlt1-node-2', 'tlt1-traceroute', 'tlt1-host']);
    expect(plan.places['traceroute']).toEqual({ ns: 'tlt1-traceroute', kind: 'pod', hostname: 'traceroute', image: 'busybox', node: 'node-2' });
  });

  it('never addresses the root namespace: every command names one of the lab namespaces', () => {
    const names = new Set(plan.namespaces.map((n) => n.name));
    for (const step of plan.steps) {
      const ns = step.argv[1] === '-n' ? step.argv[2] : step.argv[1] === 'netns' && step.argv[2] === 'exec' ? step.argv[3] : undefined;
      expect(ns && names.has(ns), step.argv.join(' ')).toBe(true);
      for (const [i, word] of step.argv.entries()) if (word === 'netns' && step.argv[i - 1] !== 'ip') expect(names.has(step.argv[i + 1]!)).toBe(true);
    }
  });

  it('creates the pod veth pairs once, from the node side, straight into the pod namespace', () => {
    expect(text).toContain('ip -n tlt1-node-1 link add name veth1a2b3c4d type veth peer name eth0 netns tlt1-httpd');
    expect(text.filter((l) => l.includes('type veth') && l.includes('eth0 netns tlt1-httpd'))).toHaveLength(1);
    expect(text).toContain('ip -n tlt1-node-1 link set dev veth1a2b3c4d master cni0');
  });

  it('joins the host-only members to the vboxnet0 bridge with helper veths in the host namespace', () => {
    expect(text).toContain('ip -n tlt1-host link add name vboxnet0 type bridge');
    expect(text).toContain('ip -n tlt1-node-1 link add name eth1 type veth peer name tl-node-1 netns tlt1-host');
    expect(text).toContain('ip -n tlt1-host link set dev tl-node-1 master vboxnet0');
  });

  it('puts a bridgeless segment of three or more members on a switch namespace', () => {
    const wan = buildNetnsPlan(smallLabWithWan(), { prefix: 'tlt1' });
    expect(wan.namespaces.find((n) => n.role === 'switch')).toEqual({ name: 'tlt1-sw-wan', role: 'switch', segment: 'wan' });
    const t = lines(wan);
    expect(t).toContain('ip -n tlt1-sw-wan link add name br0 type bridge');
    expect(t).toContain('ip -n tlt1-api.example.com link add name eth0 type veth peer name p2-api.example netns tlt1-sw-wan');
    expect(t.some((l) => l.startsWith('ip netns exec tlt1-node-1-nat iptables-restore'))).toBe(true);
    expect(wan.steps.find((s) => s.argv.includes('iptables-restore'))!.stdin).toContain(':FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n');
  });

  it('sets MAC and MTU, adds addresses with broadcast, and brings links up after they exist', () => {
    expect(text).toContain('ip -n tlt1-node-1 link set dev cni0 address 0a:58:0a:f4:01:01 mtu 1500');
    expect(text).toContain('ip -n tlt1-httpd addr add 10.244.1.3/24 brd + dev eth0');
    const firstUp = plan.steps.findIndex((s) => s.phase === 'up');
    const lastLink = plan.steps.map((s) => s.phase).lastIndexOf('link');
    expect(lastLink).toBeLessThan(firstUp);
  });

  it('adds own non-connected routes and only the shared routes that are not shadowed', () => {
    expect(text).toContain('ip -n tlt1-httpd route add default via 10.244.1.1 dev eth0');
    expect(text).toContain('ip -n tlt1-node-1 route add 10.244.2.0/24 via 192.168.56.12 dev eth1');
    expect(text).not.toContain('ip -n tlt1-node-1 route add 10.244.1.0/24 via 192.168.56.11 dev eth1');
    expect(text.filter((l) => l.includes(' route add ') && l.includes('proto kernel'))).toEqual([]);
  });

  it('sets icmp_ratelimit and rp_filter explicitly everywhere, ip_forward first', () => {
    expect(text).toContain('ip netns exec tlt1-node-1 sysctl -q -w net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0 net.ipv4.icmp_ratelimit=0 net.ipv4.conf.default.rp_filter=0');
    expect(text).toContain('ip netns exec tlt1-httpd sysctl -q -w net.ipv4.icmp_ratelimit=0 net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0');
    expect(text).toContain('ip netns exec tlt1-node-1 sysctl -q -w net/ipv4/conf/eth1/rp_filter=0 net/ipv4/conf/cni0/rp_filter=0 net/ipv4/conf/veth1a2b3c4d/rp_filter=0');
  });

  it('writes hosts, resolv.conf and nsswitch.conf per device namespace', () => {
    expect(plan.dirs[0]).toBe('/etc/netns');
    const hosts = plan.files.find((f) => f.path === '/etc/netns/tlt1-node-2/hosts')!;
    expect(hosts.content).toContain('203.0.113.10\tapi.example.com\n');
    expect(plan.files.find((f) => f.path === '/etc/netns/tlt1-node-2/resolv.conf')!.content).toContain('nameserver ::1');
    expect(plan.listeners).toEqual([{ ns: 'tlt1-httpd', device: 'httpd', listeners: [{ protocol: 'tcp', port: 80 }] }]);
  });

  it('rejects bad prefixes and over-long interface names', () => {
    expect(checkPrefix('tlns')).toBeUndefined();
    expect(checkPrefix('TL-x')).toMatch(/invalid namespace prefix/);
    expect(() => buildNetnsPlan(smallLab(), { prefix: 'bad/prefix' })).toThrow(/invalid namespace prefix/);
    const lab = smallLab();
    const broken = { ...lab, devices: lab.devices.map((d) => (d.id === 'host' ? { ...d, interfaces: [{ ...d.interfaces[1]!, name: 'averyveryverylongname' }] } : d)) };
    expect(() => buildNetnsPlan(broken, { prefix: 'tlns' })).toThrow(/host: interface name "averyveryverylongname"/);
  });
});

describe('routeArgv', () => {
  it('prints route types, onlink, metric and src the iproute2 way', () => {
    expect(routeArgv('n', { dst: cidr('10.244.9.0/24'), type: 'blackhole', dev: 'eth1' })).toEqual(['ip', '-n', 'n', 'route', 'add', 'blackhole', '10.244.9.0/24']);
    expect(routeArgv('n', { dst: cidr('203.0.113.0/24'), type: 'unicast', via: ip('198.51.100.1'), dev: 'eth0', onlink: true, metric: 100, src: ip('198.51.100.10') }).join(' ')).toBe(
      'ip -n n route add 203.0.113.0/24 via 198.51.100.1 dev eth0 src 198.51.100.10 metric 100 onlink',
    );
  });
});

describe('splitCommand', () => {
  it('splits on whitespace and honours quotes and backslashes', () => {
    expect(splitCommand('traceroute -n -q 1 10.244.1.3')).toEqual({ ok: true, argv: ['traceroute', '-n', '-q', '1', '10.244.1.3'] });
    expect(splitCommand(`iptables -A FORWARD -m comment --comment "no pods" -j DROP`)).toEqual({
      ok: true,
      argv: ['iptables', '-A', 'FORWARD', '-m', 'comment', '--comment', 'no pods', '-j', 'DROP'],
    });
    expect(splitCommand(`echo 'a "b"' c\\ d "e\\"f" ''`)).toEqual({ ok: true, argv: ['echo', 'a "b"', 'c d', 'e"f', ''] });
    expect(splitCommand('echo "open')).toEqual({ ok: false, message: 'unterminated double quote' });
    expect(splitCommand('  ')).toEqual({ ok: true, argv: [] });
  });
});

describe('places and tools', () => {
  const plan = buildNetnsPlan(smallLab(), { prefix: 'tlns' });
  it('gives busybox pods busybox applets', () => {
    expect(toolArgv(plan.places['traceroute']!, ['traceroute', '-n', '10.244.1.3'])).toEqual(['busybox', 'traceroute', '-n', '10.244.1.3']);
    expect(toolArgv(plan.places['httpd']!, ['traceroute', '-n', '10.244.1.3'])).toEqual(['traceroute', '-n', '10.244.1.3']);
    expect(toolArgv({ image: 'docker.io/library/busybox:1.36' }, ['ping', '-c1', 'x'])[0]).toBe('busybox');
  });
  it('resolves node, pod and node/pod places from the record', () => {
    expect(placeFromRecord(plan.places, 'node-2/traceroute')).toMatchObject({ ok: true, id: 'traceroute' });
    expect(placeFromRecord(plan.places, 'httpd')).toMatchObject({ ok: true, place: { ns: 'tlns-httpd' } });
    expect(placeFromRecord(plan.places, 'node-1/traceroute')).toMatchObject({ ok: false });
  });
  it('matches listener command lines before and after ip netns exec', () => {
    const argv = listenerArgv([{ protocol: 'udp', port: 53 }], '/usr/bin/node');
    expect(argv.slice(-1)).toEqual(['udp:53']);
    expect(cmdlineMatches(argv, 'tlns-x', argv)).toBe(true);
    expect(cmdlineMatches(['ip', 'netns', 'exec', 'tlns-x', ...argv], 'tlns-x', argv)).toBe(true);
    expect(cmdlineMatches(['ip', 'netns', 'exec', 'tlns-y', ...argv], 'tlns-x', argv)).toBe(false);
  });
});
