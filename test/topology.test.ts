import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { compileLabObject, compileLabText, loadLab, SourceError } from '../topology/compile.js';
import { formatIp, ip } from '../topology/address.js';
import { resolvePlace } from '../topology/place.js';
import { toDot, toMermaid } from '../topology/graph.js';
import { runProbe } from '../sim/probe.js';
import { Dataplane } from '../sim/dataplane.js';
import { arbitraryLab } from './helpers/labs.js';

function errorsOf(text: string): string[] {
  try {
    compileLabText('lab.yaml', text);
  } catch (e) {
    if (e instanceof SourceError) return e.diagnostics.map((d) => `${d.file}:${d.line}:${d.col}: ${d.message}`);
    throw e;
  }
  return [];
}

describe('the default lab', () => {
  const lab = loadLab('three-node');
  it('has the nodes, pods and addresses of the seed lab', () => {
    const addr = (id: string, iface: string) => formatIp(lab.device(id)!.interfaces.find((i) => i.name === iface)!.addrs[0]!.ip);
    expect(addr('controlplane', 'eth1')).toBe('192.168.56.10');
    expect(addr('node-1', 'eth1')).toBe('192.168.56.11');
    expect(addr('node-2', 'eth1')).toBe('192.168.56.12');
    for (const n of ['controlplane', 'node-1', 'node-2']) expect(addr(n, 'eth0')).toBe('10.0.2.15');
    expect(addr('node-1', 'cni0')).toBe('10.244.1.1');
    expect(addr('httpd', 'eth0')).toBe('10.244.1.3');
    expect(addr('traceroute', 'eth0')).toBe('10.244.2.2');
    expect(lab.device('traceroute')!.image).toBe('busybox');
    expect(lab.device('netshoot')!.image).toBe('netshoot');
    expect(addr('host', 'vboxnet0')).toBe('192.168.56.1');
    expect(addr('api.example.com', 'eth0')).toBe('203.0.113.10');
    expect(lab.services.map((s) => `${s.name} ${formatIp(s.ip)} ${s.endpoints.join(',')}`)).toEqual(['kube-dns 10.96.0.10 coredns-a,coredns-b', 'httpd 10.96.0.20 httpd']);
  });
  it('shares one copy of the host-gw routes among the nodes', () => {
    expect(lab.routeSets).toHaveLength(1);
    expect(lab.routeSets[0]!.routes.map((r) => `${formatIp(r.dst.addr)}/${r.dst.len} via ${formatIp(r.via!)} dev ${r.dev}`)).toEqual([
      '10.244.0.0/24 via 192.168.56.10 dev eth1', '10.244.1.0/24 via 192.168.56.11 dev eth1', '10.244.2.0/24 via 192.168.56.12 dev eth1',
    ]);
    expect(lab.devices.filter((d) => d.kind === 'node').every((d) => d.sharedRoutes === lab.routeSets[0]!.id)).toBe(true);
  });
  it('installs kube-proxy DNAT and Flannel masquerade on every node', () => {
    for (const n of ['controlplane', 'node-1', 'node-2']) {
      const nf = lab.device(n)!.netfilter.join('\n');
      expect(nf).toContain('-j DNAT --to-destination 10.244.1.3:80');
      expect(nf).toContain('-A FLANNEL-POSTRTG -s 10.244.0.0/16 ! -d 224.0.0.0/4 -m comment --comment "flanneld masq" -j MASQUERADE --random-fully');
    }
  });
  it('resolves places', () => {
    expect(resolvePlace(lab, 'node-2/traceroute')).toMatchObject({ ok: true, device: { id: 'traceroute' } });
    expect(resolvePlace(lab, 'httpd')).toMatchObject({ ok: true, device: { id: 'httpd' } });
    expect(resolvePlace(lab, 'node-1/traceroute')).toMatchObject({ ok: false, message: 'no pod "traceroute" on node-1 (pods there: nginx, httpd)' });
    expect(resolvePlace(lab, 'nope').ok).toBe(false);
  });
  it('draws its graph', () => {
    expect(toDot(lab)).toContain('"node-1" -- "seg:host-only" [label="eth1 192.168.56.11/24"];');
    expect(toMermaid(lab)).toContain('node_2 ---|"eth1 192.168.56.12/24"| seg_host_only');
  });
});

describe('lab file errors', () => {
  const base = (nodes: string, extra = '') => `name: t\nnodes:\n${nodes}${extra}`;
  it('reports YAML syntax errors with line and column', () => {
    expect(errorsOf('name: t\nnodes: [\n')[0]).toMatch(/^lab\.yaml:\d+:\d+: /);
  });
  it('reports unknown fields where they are', () => {
    expect(errorsOf(base('  - name: a\n    ip: 192.168.56.10\n    colour: red\n'))).toEqual(['lab.yaml:5:5: unknown field "colour" in nodes.0']);
  });
  it('reports names that are not DNS labels', () => {
    expect(errorsOf(base('  - name: Node_1\n    ip: 192.168.56.10\n'))[0]).toBe('lab.yaml:3:11: nodes.0.name: must be a DNS label (lower-case letters, digits and "-", at most 63, not starting or ending with "-")');
  });
  it('reports duplicate names and addresses', () => {
    const errs = errorsOf(base('  - name: a\n    ip: 192.168.56.10\n  - name: a\n    ip: 192.168.56.10\n'));
    expect(errs).toContain('lab.yaml:5:11: duplicate name "a" (already used by node a)');
    expect(errs).toContain('lab.yaml:6:9: duplicate address 192.168.56.10 (already used by node a)');
  });
  it('reports an address outside its subnet', () => {
    expect(errorsOf(base('  - name: a\n    ip: 192.168.57.10\n'))).toEqual(['lab.yaml:4:9: 192.168.57.10 is outside the host-only network 192.168.56.0/24']);
    expect(errorsOf(base('  - name: a\n    ip: 192.168.56.10\n    pods:\n      - name: p\n        ip: 10.244.9.2\n'))).toEqual(["lab.yaml:7:13: 10.244.9.2 is outside a's pod subnet 10.244.0.0/24"]);
  });
  it('reports overlapping subnets', () => {
    const errs = errorsOf(base('  - name: a\n    ip: 192.168.56.10\n    podSubnet: 10.244.0.0/23\n  - name: b\n    ip: 192.168.56.11\n'));
    expect(errs).toEqual(['lab.yaml:6:11: pod subnet 10.244.1.0/24 of b overlaps 10.244.0.0/23 of a']);
  });
  it('reports an unknown node in joinOrder and a pod on a node with no pod subnet', () => {
    const errs = errorsOf('name: t\ncluster:\n  joinOrder: [a, zz]\nnodes:\n  - name: a\n    ip: 192.168.56.10\n  - name: b\n    ip: 192.168.56.11\n    pods:\n      - name: p\n');
    expect(errs).toContain('lab.yaml:3:18: unknown node "zz" in joinOrder (nodes: a, b)');
    expect(errs).toContain('lab.yaml:10:9: pod p is on node b, which has no pod subnet (it is not in cluster.joinOrder and names no podSubnet)');
  });
  it('reports unknown endpoints and external hosts outside documentation ranges', () => {
    const errs = errorsOf(base('  - name: a\n    ip: 192.168.56.10\n', 'services:\n  - name: s\n    ip: 10.96.0.9\n    ports: [{protocol: tcp, port: 80}]\n    endpoints: [ghost]\nexternals:\n  - name: real.example.com\n    ip: 8.8.8.8\n'));
    expect(errs).toContain('lab.yaml:9:17: unknown pod "ghost" in endpoints of s');
    expect(errs[1]).toMatch(/^lab\.yaml:12:9: 8\.8\.8\.8 is not in a documentation range/);
  });
  it('defaults pod subnets to join order and pod addresses to the next free one', () => {
    const lab = compileLabText('x.yaml', 'name: t\ncluster:\n  joinOrder: [b, a]\nnodes:\n  - name: a\n    ip: 192.168.56.10\n    pods: [{name: p1}, {name: p2, ip: 10.244.1.2}, {name: p3}]\n  - name: b\n    ip: 192.168.56.11\n');
    expect(formatIp(lab.device('a')!.podSubnet!.addr)).toBe('10.244.1.0');
    expect(formatIp(lab.device('b')!.podSubnet!.addr)).toBe('10.244.0.0');
    expect(['p1', 'p2', 'p3'].map((p) => formatIp(lab.device(p)!.interfaces[1]!.addrs[0]!.ip))).toEqual(['10.244.1.3', '10.244.1.2', '10.244.1.4']);
  });
  it('reports a missing file as a diagnostic, not a crash', () => {
    expect(() => loadLab('/nonexistent/lab.yaml')).toThrow(SourceError);
  });
});

describe('properties', () => {
  it('any generated valid lab compiles', () => {
    fc.assert(fc.property(arbitraryLab, (file) => {
      const lab = compileLabObject('arb.yaml', file);
      expect(lab.devices.filter((d) => d.kind === 'node')).toHaveLength(file.nodes.length);
    }), { numRuns: 60 });
  });
  it('every probe terminates within its max hops', () => {
    fc.assert(fc.property(arbitraryLab, fc.nat(), fc.integer({ min: 1, max: 30 }), (file, pick, ttl) => {
      const lab = compileLabObject('arb.yaml', file);
      const dp = new Dataplane(lab, 1);
      const sources = lab.devices.filter((d) => d.kind === 'pod' || d.kind === 'node');
      const targets = lab.devices.flatMap((d) => d.interfaces.flatMap((i) => i.addrs.map((a) => a.ip))).concat([ip('203.0.113.99'), ip('10.96.0.50')]);
      const src = sources[pick % sources.length]!;
      const dst = targets[(pick >>> 3) % targets.length]!;
      const r = runProbe(dp, src.id, { protocol: 'udp', dst, dport: 33434, sport: 40000, ttl, length: 60, df: false, seq: 1 });
      expect(r.steps.length).toBeLessThan(700);
      if (r.reply?.kind === 'time-exceeded') expect(ttl).toBeLessThanOrEqual(30);
    }), { numRuns: 200 });
  });
});
