// The command interpreter on the simulator: output formats (checked against iproute2 6.1, iptables 1.8.9 nf_tables,
// procps 4.0.2 and dash on Debian 12), error texts and exit codes, and the dataplane changes the probes then see.
import { describe, expect, it } from 'vitest';
import { Simulator } from '../sim/simulator.js';
import { FLANNEL_RECONCILE_MS } from '../sim/simulator.js';
import { linkLocal } from '../sim/commands/links.js';
import { loadLab } from '../topology/compile.js';
import { describeLab } from '../cli/commands/topo.js';
import { runAtPlace } from './helpers/at-place.js';

const lab = loadLab('three-node');
const text = (r: { stdout: string; stderr: string; exitCode: number }) => `${r.stdout}${r.stderr}[${r.exitCode}]`;
const fresh = () => new Simulator(lab);
/** httpd's image (Debian slim) has no ip: its commands run from a netshoot debug container sharing the pod's network. */
const atHttpd = (sim: Simulator, command: string) => runAtPlace(sim, 'httpd+netshoot', command);

const NODE1_ROUTES =
  'default via 10.0.2.2 dev eth0 \n' +
  '10.0.2.0/24 dev eth0 proto kernel scope link src 10.0.2.15 \n' +
  '10.244.0.0/24 via 192.168.56.10 dev eth1 \n' +
  '10.244.1.0/24 dev cni0 proto kernel scope link src 10.244.1.1 \n' +
  '10.244.2.0/24 via 192.168.56.12 dev eth1 \n' +
  '192.168.56.0/24 dev eth1 proto kernel scope link src 192.168.56.11 \n';

describe('ip route', () => {
  it('lists the main table in the kernel dump order with iproute2 trailing spaces', () => {
    expect(fresh().run('node-1', 'ip route').stdout).toBe(NODE1_ROUTES);
    expect(fresh().run('node-1', 'ip r').stdout).toBe(NODE1_ROUTES);
    expect(atHttpd(fresh(), 'ip ro show').stdout).toBe('default via 10.244.1.1 dev eth0 \n10.244.0.0/16 via 10.244.1.1 dev eth0 \n10.244.1.0/24 dev eth0 proto kernel scope link src 10.244.1.3 \n');
  });

  it('orders longer prefixes of the same address first, then by metric, and prints typed routes', () => {
    const sim = fresh();
    for (const c of ['ip route add 10.244.0.0/16 via 192.168.56.12', 'ip route add 10.244.0.0/16 via 192.168.56.12 metric 50', 'ip route add prohibit 10.99.0.0/16', 'ip route add blackhole 10.97.0.0/16', 'ip route add 10.1.2.3 dev eth1', 'ip route add 10.96.0.0/12 via 192.168.56.12 dev eth1 proto static metric 5 onlink']) {
      expect(text(sim.run('node-1', c))).toBe('[0]');
    }
    expect(sim.run('node-1', 'ip route').stdout).toBe(
      'default via 10.0.2.2 dev eth0 \n10.0.2.0/24 dev eth0 proto kernel scope link src 10.0.2.15 \n10.1.2.3 dev eth1 scope link \n' +
        '10.96.0.0/12 via 192.168.56.12 dev eth1 proto static metric 5 onlink \nblackhole 10.97.0.0/16 \nprohibit 10.99.0.0/16 \n' +
        '10.244.0.0/24 via 192.168.56.10 dev eth1 \n10.244.0.0/16 via 192.168.56.12 dev eth1 \n10.244.0.0/16 via 192.168.56.12 dev eth1 metric 50 \n' +
        '10.244.1.0/24 dev cni0 proto kernel scope link src 10.244.1.1 \n10.244.2.0/24 via 192.168.56.12 dev eth1 \n192.168.56.0/24 dev eth1 proto kernel scope link src 192.168.56.11 \n',
    );
    expect(sim.run('node-1', 'ip route show dev eth1 metric').exitCode).toBe(1);
    expect(sim.run('node-1', 'ip route show via 192.168.56.12').stdout).toBe('10.96.0.0/12 dev eth1 proto static metric 5 onlink \n10.244.0.0/16 dev eth1 \n10.244.0.0/16 dev eth1 metric 50 \n10.244.2.0/24 dev eth1 \n');
    expect(sim.run('node-1', 'ip route show type prohibit').stdout).toBe('prohibit 10.99.0.0/16 \n');
  });

  it('answers ip route get as iproute2 does (uid 0, cache line, local and broadcast)', () => {
    const sim = fresh();
    expect(sim.run('node-1', 'ip route get 10.244.2.3').stdout).toBe('10.244.2.3 via 192.168.56.12 dev eth1 src 192.168.56.11 uid 0 \n    cache \n');
    expect(sim.run('node-1', 'ip route get 10.244.1.3').stdout).toBe('10.244.1.3 dev cni0 src 10.244.1.1 uid 0 \n    cache \n');
    expect(sim.run('node-1', 'ip route get 192.168.56.11').stdout).toBe('local 192.168.56.11 dev lo src 192.168.56.11 uid 0 \n    cache <local> \n');
    expect(sim.run('node-1', 'ip route get 10.244.1.255').stdout).toBe('broadcast 10.244.1.255 dev cni0 src 10.244.1.1 uid 0 \n    cache <local,brd> \n');
    expect(text(sim.run('node-1', 'ip route get 10.1.2.3/24'))).toBe('10.1.2.3 via 10.0.2.2 dev eth0 src 10.0.2.15 uid 0 \n    cache \nWarning: /24 as prefix is invalid, only /32 (or none) is supported.\n[0]');
    expect(text(sim.run('node-1', 'ip route get'))).toBe('need at least a destination address\n[1]');
    for (const [n, type, error] of [[51, 'blackhole', 'Invalid argument'], [52, 'unreachable', 'No route to host'], [53, 'prohibit', 'Permission denied']]) {
      sim.run('node-1', `ip route add ${type} 10.${n}.0.0/16`);
      expect(text(sim.run('node-1', `ip route get 10.${n}.1.1`))).toBe(`RTNETLINK answers: ${error}\n[2]`);
    }
    atHttpd(sim, 'ip route del default');
    expect(text(atHttpd(sim, 'ip route get 8.8.8.8'))).toBe('RTNETLINK answers: Network is unreachable\n[2]');
  });

  it('refuses what the kernel refuses, with its messages and exit codes', () => {
    const sim = fresh();
    const cases: [string, string][] = [
      ['ip route add 172.16.0.0/16 via 10.9.9.9', 'Error: Nexthop has invalid gateway.\n[2]'],
      ['ip route add 172.16.0.0/16 via 10.244.1.3 dev eth1', 'Error: Nexthop has invalid gateway.\n[2]'],
      ['ip route add 172.16.0.0/16 dev eth9', 'Cannot find device "eth9"\n[1]'],
      ['ip route del 172.16.0.0/16', 'RTNETLINK answers: No such process\n[2]'],
      ['ip route add 10.244.2.0/24 via 192.168.56.10', 'RTNETLINK answers: File exists\n[2]'],
      ['ip route add unreachable 10.244.2.0/24', 'RTNETLINK answers: File exists\n[2]'],
      ['ip route add 10.1.2.3/33 dev eth1', 'Error: any valid prefix is expected rather than "10.1.2.3/33".\n[1]'],
      ['ip route add 10.1.2.3/24 dev eth1', 'Error: Invalid prefix for given prefix length.\n[2]'],
      ['ip route add 10.7.0.0/16', 'RTNETLINK answers: No such device\n[2]'],
      ['ip route add 10.7.0.0/16 via', 'Command line is not complete. Try option "help"\n[255]'],
      ['ip route add 10.7.0.0/16 blah', 'Error: either "to" is duplicate, or "blah" is a garbage.\n[255]'],
      ['ip route add 10.7.0.0/16 via foo', 'Error: inet address is expected rather than "foo".\n[1]'],
      ['ip route add 10.7.0.0/16 dev eth1 metric abc', 'Error: argument "abc" is wrong: "metric" value is invalid\n\n[255]'],
      ['ip route add blackhole 10.7.0.0/16 dev eth1', 'Error: Gateway, device and multipath can not be specified for this route type.\n[2]'],
      ['ip route add 10.7.0.0/16 via 192.168.56.10 onlink', 'Error: Nexthop device required for onlink.\n[2]'],
      ['ip route add 10.7.1.0/24 dev eth1 src 10.0.2.99', 'Error: Invalid prefsrc address.\n[2]'],
      ['ip route change 10.7.9.0/24 dev eth1', 'RTNETLINK answers: No such file or directory\n[2]'],
      ['ip route foo', 'Command "foo" is unknown, try "ip route help".\n[255]'],
      ['ip foo', 'Object "foo" is unknown, try "ip help".\n[1]'],
      ['ip -x route', 'Option "-x" is unknown, try "ip -help".\n[255]'],
      ['ip link set eth1 mtu 10', 'Error: mtu less than device minimum.\n[2]'],
      ['ip link set eth1 mtu 70000', 'Error: mtu greater than device maximum.\n[2]'],
      ['ip link set eth1 mtu abc', 'Error: argument "abc" is wrong: Invalid "mtu" value\n\n[255]'],
      ['ip link set eth9 up', 'Cannot find device "eth9"\n[1]'],
      ['ip link set', 'Not enough information: "dev" argument is required.\n[255]'],
      ['ip link show dev eth9', 'Device "eth9" does not exist.\n[1]'],
    ];
    for (const [command, expected] of cases) expect({ command, out: text(sim.run('node-1', command)) }).toEqual({ command, out: expected });
    expect(sim.run('node-1', 'ip route').stdout).toBe(NODE1_ROUTES);
  });
});

describe('route edits reach the dataplane, and Flannel heals its host-gw routes', () => {
  it('a deleted host-gw route comes back after the reconcile interval', () => {
    const sim = fresh();
    expect(text(sim.run('node-2', 'ip route del 10.244.1.0/24'))).toBe('[0]');
    expect(sim.run('node-2', 'ip route').stdout).not.toContain('10.244.1.0/24');
    expect(sim.run('node-2', 'ip route get 10.244.1.3').stdout).toBe('10.244.1.3 via 10.0.2.2 dev eth0 src 10.0.2.15 uid 0 \n    cache \n');
    sim.advance(FLANNEL_RECONCILE_MS / 2);
    expect(sim.run('node-2', 'ip route').stdout).not.toContain('10.244.1.0/24');
    sim.advance(FLANNEL_RECONCILE_MS);
    expect(sim.run('node-2', 'ip route').stdout).toContain('10.244.1.0/24 via 192.168.56.11 dev eth1 \n');
  });

  it('a host-gw route replaced by hand stays replaced (flanneld only re-adds missing routes)', () => {
    const sim = fresh();
    expect(text(sim.run('node-2', 'ip route replace 10.244.1.0/24 via 192.168.56.10'))).toBe('[0]');
    sim.advance(2 * FLANNEL_RECONCILE_MS);
    expect(sim.run('node-2', 'ip route').stdout).toContain('10.244.1.0/24 via 192.168.56.10 dev eth1 \n');
    expect(sim.run('node-2', 'ip route').stdout.match(/10\.244\.1\.0\/24/g)).toHaveLength(1);
    const trace = sim.run('netshoot', 'traceroute -n -q 1 -m 5 10.244.1.3').stdout;
    expect(trace.split('\n').slice(1, 4).map((l) => l.trim().split(/\s+/)[1])).toEqual(['10.244.2.1', '192.168.56.10', '192.168.56.11']);
  });

  it('a second route with another metric keeps the host-gw route in the listing', () => {
    const sim = fresh();
    expect(text(sim.run('node-2', 'ip route add 10.244.1.0/24 via 192.168.56.10 metric 100'))).toBe('[0]');
    expect(sim.run('node-2', 'ip route show 10.244.1.0/24').stdout).toBe('10.244.1.0/24 via 192.168.56.11 dev eth1 \n10.244.1.0/24 via 192.168.56.10 dev eth1 metric 100 \n');
    expect(sim.run('node-2', 'ip route get 10.244.1.3').stdout).toContain('via 192.168.56.11');
  });

  it('an interface taken down loses its routes; up brings back only the connected one', () => {
    const sim = fresh();
    sim.run('node-1', 'ip link set eth1 down');
    expect(sim.run('node-1', 'ip route').stdout).toBe(
      'default via 10.0.2.2 dev eth0 \n10.0.2.0/24 dev eth0 proto kernel scope link src 10.0.2.15 \n10.244.1.0/24 dev cni0 proto kernel scope link src 10.244.1.1 \n',
    );
    sim.run('node-1', 'ip link set eth1 up');
    expect(sim.run('node-1', 'ip route').stdout).toContain('192.168.56.0/24 dev eth1 proto kernel scope link src 192.168.56.11 \n');
    expect(sim.run('node-1', 'ip route').stdout).not.toContain('10.244.2.0/24');
    sim.advance(FLANNEL_RECONCILE_MS + 1000);
    expect(sim.run('node-1', 'ip route').stdout).toBe(NODE1_ROUTES);
  });

  it('a veth whose peer is down shows NO-CARRIER and linkdown routes in the pod', () => {
    const sim = fresh();
    sim.run('node-1', 'ip link set vethc9de87d3 down');
    expect(atHttpd(sim, 'ip route').stdout).toBe('default via 10.244.1.1 dev eth0 linkdown \n10.244.0.0/16 via 10.244.1.1 dev eth0 linkdown \n10.244.1.0/24 dev eth0 proto kernel scope link src 10.244.1.3 linkdown \n');
    expect(atHttpd(sim, 'ip link show eth0').stdout).toBe(
      '2: eth0@if6: <NO-CARRIER,BROADCAST,MULTICAST,UP,M-DOWN> mtu 1500 qdisc noqueue state LOWERLAYERDOWN mode DEFAULT group default \n' +
        '    link/ether 02:15:4e:ed:ad:95 brd ff:ff:ff:ff:ff:ff link-netnsid 0\n',
    );
  });

  it('unreachable and prohibit routes on the router answer at its own hop (route input comes before the TTL check)', () => {
    const sim = fresh();
    sim.run('node-1', 'ip route add unreachable 10.244.1.3');
    expect(sim.run('netshoot', 'traceroute -n -q 1 -m 4 10.244.1.3').stdout).toMatch(/\n 2 {2}192\.168\.56\.11 {2}\d+\.\d{3} ms !H\n$/);
    sim.run('node-1', 'ip route replace prohibit 10.244.1.3');
    expect(sim.run('netshoot', 'traceroute -n -q 1 -m 4 10.244.1.3').stdout).toMatch(/\n 2 {2}192\.168\.56\.11 {2}\d+\.\d{3} ms !X\n$/);
  });
});

describe('ip addr and ip link', () => {
  it('prints a VM node as iproute2 does, with stable MACs, ifindexes and EUI-64 link-locals', () => {
    const out = fresh().run('node-1', 'ip addr show eth1').stdout;
    expect(out).toBe(
      '3: eth1: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc pfifo_fast state UP group default qlen 1000\n' +
        '    link/ether 02:f4:b9:9d:9f:52 brd ff:ff:ff:ff:ff:ff\n' +
        '    inet 192.168.56.11/24 brd 192.168.56.255 scope global eth1\n       valid_lft forever preferred_lft forever\n' +
        '    inet6 fe80::f4:b9ff:fe9d:9f52/64 scope link \n       valid_lft forever preferred_lft forever\n',
    );
    expect(fresh().run('node-1', 'ip -br -4 a').stdout).toBe(
      'lo               UNKNOWN        127.0.0.1/8 \neth0             UP             10.0.2.15/24 \neth1             UP             192.168.56.11/24 \ncni0             UP             10.244.1.1/24 \n',
    );
    expect(linkLocal('02:a2:c0:9f:d5:48')).toBe('fe80::a2:c0ff:fe9f:d548');
  });

  it('ip link set mtu changes what the probes see; down takes the link down', () => {
    const sim = fresh();
    sim.run('node-1', 'ip link set dev eth1 mtu 1400');
    expect(sim.run('node-1', 'ip link show eth1').stdout).toContain(' mtu 1400 qdisc pfifo_fast state UP ');
    sim.run('node-1', 'ip link set eth1 down');
    expect(sim.run('node-1', 'ip link show eth1').stdout).toMatch(/^3: eth1: <BROADCAST,MULTICAST> mtu 1400 qdisc pfifo_fast state DOWN mode DEFAULT/);
  });

  it('ip addr add and del keep the connected routes in step', () => {
    const sim = fresh();
    expect(text(sim.run('node-1', 'ip addr add 10.9.0.1/24 dev eth1'))).toBe('[0]');
    expect(text(sim.run('node-1', 'ip addr add 10.9.0.1/24 dev eth1'))).toBe('Error: ipv4: Address already assigned.\n[2]');
    expect(sim.run('node-1', 'ip route show dev eth1').stdout).toContain('10.9.0.0/24 proto kernel scope link src 10.9.0.1 \n');
    expect(text(sim.run('node-1', 'ip addr del 10.9.0.1/24 dev eth1'))).toBe('[0]');
    expect(text(sim.run('node-1', 'ip addr del 10.9.0.1/24 dev eth1'))).toBe('Error: ipv4: Address not found.\n[2]');
    expect(sim.run('node-1', 'ip route').stdout).toBe(NODE1_ROUTES);
  });
});

describe('sysctl, /proc/sys and hostname', () => {
  it('reads and writes as procps does; forwarding off makes the router silent', () => {
    const sim = fresh();
    expect(text(sim.run('node-1', 'sysctl net.ipv4.ip_forward'))).toBe('net.ipv4.ip_forward = 1\n[0]');
    expect(text(sim.run('node-1', 'sysctl -w net.ipv4.ip_forward=0'))).toBe('net.ipv4.ip_forward = 0\n[0]');
    expect(text(sim.run('node-1', 'sysctl net.ipv4.conf.eth1.forwarding'))).toBe('net.ipv4.conf.eth1.forwarding = 0\n[0]');
    expect(sim.run('netshoot', 'traceroute -n -q 1 -m 3 10.244.1.3').stdout).toMatch(/ 2  \*\n 3  \*\n$/);
    expect(text(sim.run('node-1', 'sysctl net.ipv4.ip_forward=1'))).toBe('net.ipv4.ip_forward = 1\n[0]');
    expect(text(sim.run('node-1', 'sysctl -n net.ipv4.conf.all.rp_filter'))).toBe('0\n[0]');
    expect(text(sim.run('node-1', 'sysctl -w net.ipv4.conf.eth9.rp_filter=1'))).toBe('sysctl: cannot stat /proc/sys/net/ipv4/conf/eth9/rp_filter: No such file or directory\n[1]');
    expect(text(sim.run('node-1', 'sysctl -w net.ipv4.ip_forward=abc'))).toBe('sysctl: setting key "net.ipv4.ip_forward": Invalid argument\n[1]');
    expect(text(sim.run('node-1', 'sysctl -w net.ipv4.ip_forward'))).toBe('sysctl: command line(0): invalid syntax, continuing...\n[1]');
    expect(text(sim.run('node-1', 'sysctl -q -w net.ipv4.icmp_ratelimit=0 net.ipv4.ip_forward=1'))).toBe('[0]');
    expect(text(sim.run('node-1', 'sysctl -a -r ip_forward$'))).toBe('net.ipv4.ip_forward = 1\n[0]');
  });

  it('a new conf.default value reaches only interfaces created later', () => {
    const sim = fresh();
    sim.run('node-1', 'sysctl -w net.ipv4.conf.default.rp_filter=2');
    expect(sim.run('node-1', 'sysctl -n net.ipv4.conf.eth1.rp_filter net.ipv4.conf.default.rp_filter').stdout).toBe('0\n2\n');
  });

  it('cat and echo on /proc/sys, the Flannel lease, hostname', () => {
    const sim = fresh();
    expect(text(sim.run('node-1', 'echo 0 > /proc/sys/net/ipv4/ip_forward'))).toBe('[0]');
    expect(text(sim.run('node-1', 'cat /proc/sys/net/ipv4/ip_forward'))).toBe('0\n[0]');
    expect(text(sim.run('node-1', 'echo abc >/proc/sys/net/ipv4/ip_forward'))).toBe('sh: 1: echo: echo: I/O error\n[1]');
    expect(text(sim.run('node-1', 'echo 1 > /proc/sys/net/ipv4/nope'))).toBe('sh: 1: cannot create /proc/sys/net/ipv4/nope: Directory nonexistent\n[2]');
    expect(text(sim.run('node-1', 'cat /proc/sys/net'))).toBe('cat: /proc/sys/net: Is a directory\n[1]');
    expect(text(sim.run('node-1', 'cat /run/flannel/subnet.env'))).toBe('FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.1.1/24\nFLANNEL_MTU=1500\nFLANNEL_IPMASQ=true\n[0]');
    expect(text(sim.run('httpd', 'cat /run/flannel/subnet.env'))).toBe('cat: /run/flannel/subnet.env: No such file or directory\n[1]');
    expect(text(sim.run('node-1', 'hostname'))).toBe('node-1\n[0]');
    expect(text(sim.run('node-1', 'hostname -I'))).toBe('10.0.2.15 192.168.56.11 10.244.1.1 \n[0]');
    expect(text(sim.run('node-1', 'frobnicate --now'))).toBe('sh: frobnicate: not found\n[127]');
  });
});

describe('busybox pods and tracelab topo show', () => {
  it('busybox ip and sysctl print as busybox 1.35 does', () => {
    const sim = fresh();
    expect(sim.run('traceroute', 'ip route').stdout).toBe('default via 10.244.2.1 dev eth0 \n10.244.0.0/16 via 10.244.2.1 dev eth0 \n10.244.2.0/24 dev eth0 scope link  src 10.244.2.2 \n');
    expect(sim.run('traceroute', 'ip route get 10.244.1.3').stdout).toBe('10.244.1.3 via 10.244.2.1 dev eth0  src 10.244.2.2 \n');
    expect(text(sim.run('traceroute', 'ip route add 10.61.0.0/16 via 1.2.3.4'))).toBe('ip: RTNETLINK answers: Network is unreachable\n[2]');
    expect(text(sim.run('traceroute', 'ip route add 10.61.0.0/16 dev eth9'))).toBe("ip: can't find device 'eth9'\n[1]");
    expect(text(sim.run('traceroute', 'ip link set eth0 mtu 10'))).toBe('ip: SIOCSIFMTU: Invalid argument\n[2]');
    expect(text(sim.run('traceroute', 'sysctl -w net.ipv4.conf.eth9.rp_filter=1'))).toBe("sysctl: error: 'net.ipv4.conf.eth9/rp_filter' is an unknown key\n[1]");
    expect(text(sim.run('traceroute', 'cat /nope'))).toBe("cat: can't open '/nope': No such file or directory\n[1]");
    expect(sim.run('traceroute', 'ip -4 addr').stdout).toBe(
      '1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue qlen 1000\n    inet 127.0.0.1/8 scope host lo\n       valid_lft forever preferred_lft forever\n' +
        '2: eth0@if5: <BROADCAST,MULTICAST,UP,LOWER_UP,M-DOWN> mtu 1500 qdisc noqueue \n    inet 10.244.2.2/24 brd 10.244.2.255 scope global eth0\n' +
        '       valid_lft forever preferred_lft forever\n',
    );
  });

  it('topo show prints each node\'s ip route byte for byte', () => {
    expect(describeLab(lab)).toContain(`[node-1]$ ip route\n${NODE1_ROUTES}\n[node-2]$ ip route\n`);
    expect(describeLab(lab).endsWith('192.168.56.0/24 dev eth1 proto kernel scope link src 192.168.56.12 \n')).toBe(true);
  });
});
