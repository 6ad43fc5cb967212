// CoreDNS's error log when its upstream does not answer: the line format of CoreDNS's plugin/errors (`[ERROR]
// plugin/errors: RCODE NAME. TYPE: ERR`, rcode 2 for the forward's SERVFAIL) and Go's net errors for a connected UDP
// socket (`read udp SRC->DST: i/o timeout`, `read: connection refused`), as public CoreDNS logs show them.
import { describe, expect, it } from 'vitest';
import { Simulator } from '../sim/simulator.js';
import { loadLab } from '../topology/compile.js';

const LINE = /^\[ERROR\] plugin\/errors: 2 example\.com\. A: read udp (10\.244\.0\.\d+):\d+->10\.0\.2\.3:53: (i\/o timeout|read: connection refused)$/;

function brokenUpstream(target: string): { sim: Simulator; pods: string[] } {
  const sim = new Simulator(loadLab('three-node'));
  const pods = sim.run('controlplane', 'kubectl -n kube-system get pods -l k8s-app=kube-dns -o name').stdout.trim().split('\n');
  sim.run('controlplane', `iptables -I FORWARD -d 10.0.2.3 -p udp --dport 53 -j ${target}`);
  return { sim, pods };
}

describe('CoreDNS logs its failed forwards', () => {
  it('an upstream that never answers: i/o timeout, from the pod that forwarded', () => {
    const { sim, pods } = brokenUpstream('DROP');
    expect(sim.run('netshoot', 'nslookup example.com').stdout).toContain('SERVFAIL');
    const logged = pods.flatMap((p) => sim.run('controlplane', `kubectl -n kube-system logs ${p}`).stdout.split('\n').filter((l) => l.startsWith('[ERROR]')));
    expect(logged.length).toBeGreaterThan(0);
    for (const l of logged) expect(l).toMatch(LINE);
    expect(logged[0]!.match(LINE)![2]).toBe('i/o timeout');
  });

  it('an upstream port that is rejected: read: connection refused; nothing logged while the upstream answers', () => {
    const healthy = new Simulator(loadLab('three-node'));
    healthy.run('netshoot', 'nslookup example.com');
    expect(healthy.run('controlplane', 'kubectl -n kube-system logs deploy/coredns').stdout).not.toContain('[ERROR]');
    const { sim, pods } = brokenUpstream('REJECT');
    sim.run('netshoot', 'nslookup example.com');
    const logged = pods.flatMap((p) => sim.run('controlplane', `kubectl -n kube-system logs ${p}`).stdout.split('\n').filter((l) => l.startsWith('[ERROR]')));
    expect(logged[0]).toMatch(LINE);
    expect(logged[0]!.match(LINE)![2]).toBe('read: connection refused');
  });
});
