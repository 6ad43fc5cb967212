// Unit tests of the namespace-lab plan (no root): names, links, segments, addresses, routes, sysctls, files.
import { describe, expect, it } from 'vitest';
import { buildNetnsPlan, routeArgv } from '../lab/netns/plan.js';
import { batchSteps, failedStep, forEachLimit, stepNamespace } from '../lab/netns/batch.js';
import type { PlanStep } from '../lab/netns/plan.js';

import { toolArgv, placeFromRecord } from '../lab/netns/backend.js';
import { REQUIRED_TOOLS, preflight } from '../lab/netns/preflight.js';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { makeEtcFiles, recordEtcFiles, releaseSharedDir } from '../lab/netns/etc.js';
import { newRecord } from '../lab/netns/record.js';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { cmdlineMatches } from '../lab/netns/listener.js';
import { labServerArgv } from '../lab/netns/server-process.js';
import { launcherArgv } from '../lab/netns/server-spec.js';
import { checkPrefix } from '../lab/netns/names.js';
import { cidr, ip } from '../topology/address.js';
import { smallLab, smallLabWithWan } from './helpers/netns-small-lab.js';
import { loadLab } from '../topology/compile.js';
import { unsettledLinks } from '../lab/netns/settle.js';

const lines = (plan: ReturnType<typeof buildNetnsPlan>) => plan.steps.map((s) => s.argv.join(' '));

const byText = (a: PlanStep, b: PlanStep): number => JSON.stringify(a).localeCompare(JSON.stringify(b));

describe('buildNetnsPlan', () => {
  const plan = buildNetnsPlan(smallLab(), { prefix: 'tlt1' });
  const text = lines(plan);

  it('gives every device its own prefixed namespace', () => {
    expect(plan.namespaces.map((n) => n.name)).toEqual(['tlt1-node-1', 'tlt1-httpd', 'tlt1-node-2', 'tlt1-traceroute', 'tlt1-host']);
    expect(plan.places['traceroute']).toEqual({ ns: 'tlt1-traceroute', kind: 'pod', hostname: 'traceroute', toolset: 'busybox', image: 'busybox', node: 'node-2' });
  });

  it('never addresses the root namespace: every command names one of the lab namespaces', () => {
    const names = new Set(plan.namespaces.map((n) => n.name));
    for (const step of plan.steps) {
      const ns = step.argv[1] === '-n' ? step.argv[2] : step.argv[1] === 'netns' && step.argv[2] === 'exec' ? step.argv[3] : undefined;
      expect(ns && names.has(ns), step.argv.join(' ')).toBe(true);
      for (const [i, word] of step.argv.entries()) if (word === 'netns' && step.argv[i - 1] !== 'ip') expect(names.has(step.argv[i + 1]!)).toBe(true);
    }
  });

  it('attaches the pods with the CNI bridge plugin in their node, handed the delegate config flannel would hand it', () => {
    expect(text.filter((l) => l.includes('type veth') && l.includes('netns tlt1-httpd'))).toEqual([]);
    expect(text.filter((l) => l.includes('veth1a2b3c4d') && !l.includes('rp_filter'))).toEqual([]);
    const cni = plan.steps.filter((s) => s.phase === 'cni');
    expect(cni.map((s) => s.argv.join(' '))).toEqual(['ip netns exec tlt1-node-1 bridge', 'ip netns exec tlt1-node-2 bridge']);
    const httpd = cni[0]!.cni!;
    expect(httpd).toMatchObject({ nodeNs: 'tlt1-node-1', podNs: 'tlt1-httpd', ifname: 'eth0', bridge: 'cni0', hostVeth: 'veth1a2b3c4d', hostMac: '0a:58:0a:f4:01:ff' });
    expect(httpd.args).toBe('IgnoreUnknown=1;IP=10.244.1.3;MAC=0a:58:0a:f4:01:03');
    // flannel-io/cni-plugin flannel_linux.go doCmdAdd over kube-flannel.yml's delegate (docs/cni.md).
    expect(JSON.parse(httpd.config)).toEqual({
      cniVersion: '0.3.1', name: 'cbr0', type: 'bridge', bridge: 'cni0', hairpinMode: true, isDefaultGateway: true, ipMasq: false, mtu: 1500, isGateway: true,
      ipam: { type: 'host-local', ranges: [[{ subnet: '10.244.1.0/24' }]], routes: [{ dst: '10.244.0.0/16' }] },
    });
    expect(cni[0]!.stdin).toBe(httpd.config);
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
    expect(text).toContain('ip -n tlt1-node-1 addr add 10.244.1.1/24 brd + dev cni0');
    expect(text.filter((l) => l.startsWith('ip -n tlt1-httpd ') && !l.endsWith('dev lo up'))).toEqual(['ip -n tlt1-httpd route del 10.244.0.0/16 via 10.244.1.1 dev eth0']);
    const firstUp = plan.steps.findIndex((s) => s.phase === 'up');
    const lastLink = plan.steps.map((s) => s.phase).lastIndexOf('link');
    expect(lastLink).toBeLessThan(firstUp);
  });

  it('adds own non-connected routes and only the shared routes that are not shadowed', () => {
    // The plugin installs the pod's default route; the small lab's pods lack the cluster route, deleted after it ran.
    expect(text).not.toContain('ip -n tlt1-httpd route add default via 10.244.1.1 dev eth0');
    expect(plan.steps.find((s) => s.argv.join(' ') === 'ip -n tlt1-httpd route del 10.244.0.0/16 via 10.244.1.1 dev eth0')?.phase).toBe('pod-route');
    expect(text).toContain('ip -n tlt1-node-1 route add 10.244.2.0/24 via 192.168.56.12 dev eth1');
    expect(text).not.toContain('ip -n tlt1-node-1 route add 10.244.1.0/24 via 192.168.56.11 dev eth1');
    expect(text.filter((l) => l.includes(' route add ') && l.includes('proto kernel'))).toEqual([]);
  });

  it('sets icmp_ratelimit and rp_filter explicitly everywhere, ip_forward first', () => {
    expect(text).toContain('ip netns exec tlt1-node-1 sysctl -q -w net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0 net.ipv4.icmp_ratelimit=0 net.ipv4.conf.default.rp_filter=0 net.ipv4.conf.default.igmpv3_unsolicited_report_interval=1');
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

  it('gives places with their own resolv.conf DNS (hosts: files dns) and runs DNS servers for CoreDNS and the NAT DNS', () => {
    const lab = loadLab('three-node');
    const full = buildNetnsPlan(lab, { prefix: 'tlt1' });
    const file = (ns: string, name: string) => full.files.find((f) => f.path === `/etc/netns/${ns}/${name}`)!.content;
    expect(file('tlt1-netshoot', 'resolv.conf')).toBe(lab.device('netshoot')!.files!['/etc/resolv.conf']);
    expect(file('tlt1-netshoot', 'hosts')).toBe(lab.device('netshoot')!.files!['/etc/hosts']);
    expect(file('tlt1-netshoot', 'nsswitch.conf')).toContain('\nhosts: files dns\n');
    expect(file('tlt1-host', 'nsswitch.conf')).toContain('\nhosts: files\n');
    expect(full.dnsServers.map((d) => `${d.device} ${d.role} ${d.address}`)).toEqual([
      'coredns-a coredns 0.0.0.0', 'coredns-b coredns 0.0.0.0', 'controlplane-nat upstream 10.0.2.3', 'node-1-nat upstream 10.0.2.3', 'node-2-nat upstream 10.0.2.3',
    ]);
    expect(full.listeners.filter((l) => l.device === 'coredns-a').flatMap((l) => l.listeners).some((l) => l.app === 'dns')).toBe(false);
    // The image decides the L4 clients, whatever this host has installed (topology/images.ts).
    expect(toolArgv(full.places['httpd']!, ['curl', '-s', 'http://10.96.0.20/'], new Set())).toEqual({ ok: false, result: { stdout: '', stderr: 'sh: 1: curl: not found\n', exitCode: 127 } });
    expect(toolArgv(full.places['netshoot']!, ['curl', '-s', 'http://10.96.0.20/'], new Set())).toEqual({ ok: true, argv: ['curl', '-s', 'http://10.96.0.20/'] });
    expect(file('tlt1-node-1', 'resolv.conf')).toBe('nameserver 10.0.2.3\n');
    expect(file('tlt1-host', 'resolv.conf')).toContain('nameserver ::1');
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

describe('places and tools', () => {
  const plan = buildNetnsPlan(smallLab(), { prefix: 'tlns' });
  it('gives busybox pods busybox applets, and nothing else', () => {
    const applets = new Set(['traceroute', 'ping', 'ip']);
    expect(toolArgv(plan.places['traceroute']!, ['traceroute', '-n', '10.244.1.3'], applets)).toEqual({ ok: true, argv: ['busybox', 'traceroute', '-n', '10.244.1.3'] });
    expect(toolArgv(plan.places['traceroute']!, ['busybox', 'ping', 'x'], applets)).toEqual({ ok: true, argv: ['busybox', 'ping', 'x'] });
    expect(toolArgv(plan.places['traceroute']!, ['mtr', '--report', 'x'], applets)).toEqual({ ok: false, result: { stdout: '', stderr: 'sh: mtr: not found\n', exitCode: 127 } });
    // httpd (Debian slim) has no traceroute; a debug container in its namespace has its image's tools.
    expect(toolArgv(plan.places['httpd']!, ['traceroute', '-n', '10.244.1.3'], applets)).toEqual({ ok: false, result: { stdout: '', stderr: 'sh: 1: traceroute: not found\n', exitCode: 127 } });
    expect(toolArgv(placeFromRecord(plan.places, 'httpd+netshoot').place, ['traceroute', '-n', '10.244.1.3'], applets)).toEqual({ ok: true, argv: ['traceroute', '-n', '10.244.1.3'] });
    expect(toolArgv(placeFromRecord(plan.places, 'node-1/httpd+busybox').place, ['traceroute', '-n', '10.244.1.3'], applets)).toEqual({ ok: true, argv: ['busybox', 'traceroute', '-n', '10.244.1.3'] });
  });
  it('resolves node, pod and node/pod places from the record', () => {
    expect(placeFromRecord(plan.places, 'node-2/traceroute')).toMatchObject({ id: 'traceroute' });
    expect(placeFromRecord(plan.places, 'httpd')).toMatchObject({ place: { ns: 'tlns-httpd' } });
    expect(placeFromRecord(plan.places, 'node-1/httpd+netshoot')).toMatchObject({ id: 'httpd', place: { ns: 'tlns-httpd', image: 'netshoot', toolset: 'linux' } });
    expect(() => placeFromRecord(plan.places, 'node-1+netshoot')).toThrow('debug containers run in pods, and node-1 is a node');
    expect(() => placeFromRecord(plan.places, 'node-1/traceroute')).toThrow('no pod "traceroute" on node-1 (pods there: httpd)');
  });
  it('matches the lab server command line before and after ip netns exec and its launcher', () => {
    const argv = labServerArgv('/x/dist/lab/netns/lab-server.js', '/run/tracelab/build-tlns/server.json', '/usr/bin/node');
    expect(argv).toEqual(['/usr/bin/node', '/x/dist/lab/netns/lab-server.js', '/run/tracelab/build-tlns/server.json']);
    expect(cmdlineMatches(argv, 'tlns-x', argv)).toBe(true);
    expect(cmdlineMatches(['ip', 'netns', 'exec', 'tlns-x', ...argv], 'tlns-x', argv)).toBe(true);
    expect(cmdlineMatches(['ip', 'netns', 'exec', 'tlns-y', ...argv], 'tlns-x', argv)).toBe(false);
    // The server starts in its home namespace (another entry's) through the launcher, then exec's ARGV.
    const launcher = launcherArgv('/usr/bin/python3');
    expect(cmdlineMatches(['ip', 'netns', 'exec', 'tlns-y', ...launcher, ...argv], 'tlns-x', argv)).toBe(true);
    expect(cmdlineMatches([...launcher, ...argv], 'tlns-x', argv)).toBe(true);
    expect(cmdlineMatches(['sh', ...launcher, ...argv], 'tlns-x', argv)).toBe(false);
    expect(cmdlineMatches(['ip', 'netns', 'exec', 'tlns-y', ...launcher.slice(0, -1), 'print(1)', ...argv], 'tlns-x', argv)).toBe(false);
    expect(cmdlineMatches(['/usr/bin/node', '/x/dist/lab/netns/lab-server.js', '/run/tracelab/build-other/server.json'], 'tlns-x', argv)).toBe(false);
  });
});

describe('the tool check before building', () => {
  it('names each missing tool with its package, and the apt-get line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tracelab-preflight-'));
    try {
      for (const tool of ['ip', 'traceroute']) {
        writeFileSync(join(dir, tool), '#!/bin/sh\n');
        chmodSync(join(dir, tool), 0o755);
      }
      writeFileSync(join(dir, 'busybox'), 'not executable\n');
      const check = preflight({ path: dir, sbinDirs: [], cniDirs: [dir] });
      expect(check.ok).toBe(false);
      expect(check.missing.map((m) => m.tool)).toEqual([...REQUIRED_TOOLS.map((t) => t.tool).filter((t) => t !== 'ip' && t !== 'traceroute'), `CNI plugins bridge and host-local in ${dir}`]);
      expect(check.message.split('\n').slice(check.root ? 0 : 1)).toEqual([
        'missing tools: bridge (package iproute2), iptables (package iptables), iptables-restore (package iptables), ipset (package ipset), sysctl (package procps), unshare (package util-linux), ' +
          'nsenter (package util-linux), python3 (package python3), busybox (package busybox), ping (package iputils-ping), tracepath (package iputils-tracepath), ' +
          `mtr (package mtr-tiny), tcptraceroute (package tcptraceroute), CNI plugins bridge and host-local in ${dir} (package containernetworking-plugins)`,
        'install them with: apt-get install -y iproute2 iptables ipset procps util-linux python3 busybox iputils-ping iputils-tracepath mtr-tiny tcptraceroute containernetworking-plugins',
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('external hosts', () => {
  it('must use documentation addresses, whatever built the model', () => {
    const lab = loadLab('three-node');
    expect(() => buildNetnsPlan(lab, { prefix: 'tlns' })).not.toThrow();
    const ext = lab.devices.find((d) => d.kind === 'external')!;
    const moved = { ...ext, interfaces: ext.interfaces.map((i) => (i.kind === 'loopback' ? i : { ...i, addrs: i.addrs.map((a) => ({ ...a, ip: ip('8.8.8.8') })) })) };
    expect(() => buildNetnsPlan({ ...lab, devices: lab.devices.map((d) => (d === ext ? moved : d)) }, { prefix: 'tlns' })).toThrow(
      new RegExp(`^external host ${ext.id}: 8\\.8\\.8\\.8/\\d+ is not in a documentation range`),
    );
  });
});

describe('a segment with one member', () => {
  it('gets a veth whose peer stays down in the same namespace (no dummy: NOARP, and not in every kernel)', () => {
    const lab = smallLab();
    const host = lab.devices.find((d) => d.id === 'host')!;
    const lonely = { ...host, interfaces: [...host.interfaces, { name: 'eth9', kind: 'ether' as const, addrs: [], mtu: 1500, mac: '02:00:00:00:00:09', segment: 'lonely' }] };
    const plan = buildNetnsPlan({ ...lab, devices: lab.devices.map((d) => (d.id === 'host' ? lonely : d)) }, { prefix: 'tlns' });
    const text = lines(plan);
    expect(text).toContain('ip -n tlns-host link add name eth9 type veth peer name tl-eth9-x');
    expect(text).toContain('ip -n tlns-host link set dev eth9 up');
    expect(text.some((l) => l.includes('tl-eth9-x') && l.endsWith(' up'))).toBe(false);
    expect(text.some((l) => l.includes('dummy'))).toBe(false);
  });
});

describe('the /etc/netns files', () => {
  it('records, creates and releases them; the shared parent goes only with the last lab', () => {
    const root = mkdtempSync(join(tmpdir(), 'tracelab-etc-'));
    try {
      const etc = join(root, 'netns');
      const a = buildNetnsPlan(smallLab(), { prefix: 'tla', etcNetnsDir: etc });
      const b = buildNetnsPlan(smallLab(), { prefix: 'tlb', etcNetnsDir: etc });
      const recA = newRecord('tla', 'small');
      const recB = newRecord('tlb', 'small');
      for (const [plan, rec] of [[a, recA], [b, recB]] as const) {
        recordEtcFiles(plan, rec);
        expect(existsSync(plan.files[0]!.path)).toBe(false);
        makeEtcFiles(plan);
      }
      expect(recA.files).toEqual(a.files.map((f) => f.path));
      expect(readFileSync(join(etc, 'tla-node-1', 'nsswitch.conf'), 'utf8')).toContain('\nhosts: files\n');
      expect(readdirSync(etc).sort()).toEqual(['.tracelab-created', ...a.dirs.slice(1), ...b.dirs.slice(1)].map((d) => basename(d)).sort());
      for (const f of recA.files) rmSync(f);
      for (const d of recA.dirs) rmdirSync(d);
      expect(releaseSharedDir(etc)).toBeUndefined();
      expect(readdirSync(etc)).toContain('.tracelab-created');
      for (const f of recB.files) rmSync(f);
      for (const d of recB.dirs) rmdirSync(d);
      expect(releaseSharedDir(etc)).toBeUndefined();
      expect(existsSync(etc)).toBe(false);
      // A directory tracelab did not make (no marker) is never removed.
      mkdirSync(etc);
      expect(releaseSharedDir(etc)).toBeUndefined();
      expect(existsSync(etc)).toBe(true);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('settling links after a build', () => {
  it('waits for links that have a carrier but no queueing discipline yet (they drop the first ARP request)', () => {
    expect(unsettledLinks([
      { ifname: 'lo', flags: ['LOOPBACK', 'UP', 'LOWER_UP'], qdisc: 'noqueue', operstate: 'UNKNOWN' },
      { ifname: 'eth1', flags: ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'], qdisc: 'noqueue', operstate: 'UP' },
      { ifname: 'tl-node-2', flags: ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'], qdisc: 'noop', operstate: 'UP' },
      { ifname: 'eth9', flags: ['NO-CARRIER', 'BROADCAST', 'MULTICAST', 'UP'], qdisc: 'noop', operstate: 'LOWERLAYERDOWN' },
      { ifname: 'cni0', flags: ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'], qdisc: 'noqueue', operstate: 'DOWN' },
      { ifname: 'eth0', flags: ['BROADCAST', 'MULTICAST'], qdisc: 'noop', operstate: 'DOWN' },
    ])).toEqual(['tl-node-2', 'cni0']);
  });
});

describe('batching the plan', () => {
  const plan = buildNetnsPlan(smallLab(), { prefix: 'tlns' });
  const batches = batchSteps(plan.steps);
  it('carries out every step exactly once, in plan order within each namespace, in fewer processes', () => {
    expect(batches.flatMap((b) => b.steps).sort(byText)).toEqual([...plan.steps].sort(byText));
    expect(batches.length).toBeLessThanOrEqual(plan.steps.length / 2);
    for (const ns of new Set(plan.steps.map(stepNamespace))) {
      const planned = plan.steps.filter((s) => stepNamespace(s) === ns && ['setup', 'port', 'attr', 'address', 'up', 'route'].includes(s.phase));
      const batched = batches.filter((b) => b.ns === ns && b.stage === 2).flatMap((b) => b.steps);
      expect(batched).toEqual(planned);
    }
  });
  it('creates every link before anything is configured, and runs stages in order', () => {
    const stages = batches.map((b) => b.stage);
    expect(stages).toEqual([...stages].sort((a, b) => a - b));
    const lastLink = Math.max(...batches.flatMap((b, i) => (b.steps.some((s) => s.phase === 'link') ? [i] : [])));
    const firstConfigure = batches.findIndex((b) => b.steps.some((s) => s.phase === 'address'));
    expect(lastLink).toBeLessThan(firstConfigure);
  });
  it('writes batches as ip -n NS -batch - with one command per line, and maps a failed line back to its step', () => {
    const b = batches.find((x) => x.argv.includes('-batch'))!;
    expect(b.argv).toEqual(['ip', '-n', b.ns, '-batch', '-']);
    expect(b.stdin!.trimEnd().split('\n')).toEqual(b.steps.map((s) => s.argv.slice(3).join(' ')));
    expect(failedStep(b, 'RTNETLINK answers: File exists\nCommand failed -:2\n')).toBe(b.steps[1]);
  });
  it('runs at most LIMIT at once and stops starting new work after a failure', async () => {
    let running = 0;
    let peak = 0;
    const started: number[] = [];
    const work = async (n: number) => {
      started.push(n);
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, 5));
      running--;
      if (n === 3) throw new Error('boom');
    };
    await expect(forEachLimit([1, 2, 3, 4, 5, 6, 7, 8, 9], 3, work)).rejects.toThrow('boom');
    expect(peak).toBe(3);
    expect(started).not.toContain(9);
  });
});

