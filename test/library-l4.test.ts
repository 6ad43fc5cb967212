// The library's run returns the L4 clients' results as data (CommandResult.l4): connections with their outcome and the
// accepting place, name lookups, DNS answers. Expected values from FACTS-L4 §5-7 (the real clients' outcomes).
import { describe, expect, it } from 'vitest';
import { formatIp, openLab } from '../index.js';

describe('openLab().run: L4 results as data', () => {
  it('curl http://httpd/ from netshoot: the lookup, and a connection to the ClusterIP accepted by the httpd pod', () => {
    const r = openLab().run('netshoot', 'curl -s -o /dev/null http://httpd/');
    expect(r.l4?.lookups.map((l) => [l.name, formatIp(l.address!)])).toEqual([['httpd', '10.96.0.20']]);
    const c = r.l4!.connections[0]!;
    expect([formatIp(c.dst), c.dport, c.outcome, c.server]).toEqual(['10.96.0.20', 80, 'connected', { device: 'httpd', port: 80, app: 'http' }]);
  });

  it('nc -zv to a closed port: ECONNREFUSED, no server', () => {
    const c = openLab().run('netshoot', 'nc -zv 10.244.1.3 81').l4!.connections;
    expect(c.map((x) => [x.outcome, x.server])).toEqual([['ECONNREFUSED', undefined]]);
  });

  it('nc -zv -w 2 to a DROP: ETIMEDOUT by the caller\'s timeout after 2 s', () => {
    const lab = openLab();
    lab.run('node-1', 'iptables -I FORWARD -d 10.244.1.3 -p tcp --dport 81 -j DROP');
    const c = lab.run('netshoot', 'nc -zv -w 2 10.244.1.3 81').l4!.connections[0]!;
    expect([c.outcome, c.callerTimeout, c.elapsedMs]).toEqual(['ETIMEDOUT', true, 2000]);
  });

  it('dig and nslookup: the answers and rcodes CoreDNS gave', () => {
    const lab = openLab();
    const dig = lab.run('netshoot', 'dig +short httpd.default.svc.cluster.local').l4!.dns;
    expect(dig.map((d) => [d.name, d.type, d.rcode, d.answers.map((a) => [a.type, a.ttl, a.data])])).toEqual([
      ['httpd.default.svc.cluster.local', 'A', 'NOERROR', [['A', 30, '10.96.0.20']]],
    ]);
    const ns = lab.run('netshoot', 'nslookup nosuchsvc').l4!.dns;
    expect(ns.map((d) => d.rcode)).toEqual(['NXDOMAIN', 'NXDOMAIN', 'NXDOMAIN', 'NXDOMAIN']);
  });

  it('commands without L4 clients carry no l4 field', () => {
    expect(openLab().run('node-2', 'ip route').l4).toBeUndefined();
  });
});
