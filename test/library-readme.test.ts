// The README's library example, run as written: offline tests of path logic through `openLab` (the package entry).
import { describe, expect, it } from 'vitest';
import { maskMilliseconds, openLab } from '../index.js';

describe('the library entry (README example)', () => {
  it('a pod on node-2 reaches httpd through 192.168.56.11', () => {
    const lab = openLab();
    expect(lab.hops('netshoot', '10.244.1.3')).toEqual(['10.244.2.1', '192.168.56.11', '10.244.1.3']);
  });

  it('forwarding off on node-1 silences hop 2, and the trace record says why', () => {
    const lab = openLab();
    lab.run('node-1', 'sysctl -w net.ipv4.ip_forward=0');
    const trace = lab.trace('netshoot', 'traceroute -n -q 1 -m 4 10.244.1.3');
    expect(trace.hops.map((h) => h.probes[0]!.disposition)).toEqual(['time-exceeded', 'forwarding-off', 'forwarding-off', 'forwarding-off']);
    expect(trace.hops[1]!.probes[0]!.reply).toBeUndefined();
  });

  // README's first look; the last hop's name is CoreDNS's PTR for httpd's endpoint (kernel-recorded in
  // test/fixtures/kernel/seed-busybox-cross-node.yaml).
  it('prints the seed busybox output from the traceroute pod (times masked)', () => {
    const r = openLab().run('node-2/traceroute', 'traceroute 10.244.1.3');
    expect(r.exitCode).toBe(0);
    expect(maskMilliseconds(r.stdout)).toBe(maskMilliseconds(
      'traceroute to 10.244.1.3 (10.244.1.3), 30 hops max, 46 byte packets\n' +
      ' 1  10.244.2.1 (10.244.2.1)  0.007 ms  0.008 ms  0.004 ms\n' +
      ' 2  192.168.56.11 (192.168.56.11)  0.575 ms  0.411 ms  0.396 ms\n' +
      ' 3  10-244-1-3.httpd.default.svc.cluster.local (10.244.1.3)  0.614 ms  0.580 ms  0.498 ms\n'));
  });

  it('a deleted host-gw route comes back after Flannel reconciles (simulated time)', () => {
    const lab = openLab();
    lab.run('node-2', 'ip route del 10.244.1.0/24');
    expect(lab.hops('netshoot', '10.244.1.3')[1]).not.toBe('192.168.56.11');
    lab.wait(15);
    expect(lab.hops('netshoot', '10.244.1.3')).toEqual(['10.244.2.1', '192.168.56.11', '10.244.1.3']);
  });
});
