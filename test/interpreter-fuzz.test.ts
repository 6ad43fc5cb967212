// Fuzzing the command interpreter: random and mutated command lines at random places never throw, never hang, and
// always come back as text with an integer exit status.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Simulator } from '../sim/simulator.js';
import { runInContainer } from '../sim/debug-container.js';
import { debugView } from '../topology/debug-container.js';
import { hasTool } from '../topology/images.js';
import { loadLab } from '../topology/compile.js';

const lab = loadLab('three-node');
const places = lab.devices.map((d) => d.id);

const PROGRAMS = ['ip', 'sysctl', 'iptables', 'iptables-nft', 'kubectl', 'cat', 'echo', 'hostname', 'sudo', 'frob'];
const WORDS = [
  'route', 'r', 'ro', 'addr', 'a', 'link', 'l', 'neigh', 'show', 's', 'list', 'get', 'g', 'add', 'del', 'delete', 'replace',
  'change', 'append', 'flush', 'set', 'up', 'down', 'mtu', 'dev', 'via', 'src', 'metric', 'proto', 'scope', 'table', 'onlink',
  'blackhole', 'unreachable', 'prohibit', 'unicast', 'local', 'default', 'to', 'root', 'match', 'exact', 'type', 'from',
  'eth0', 'eth1', 'cni0', 'lo', 'eth9', 'main', 'static', 'kernel', 'link', 'host', 'global', '-4', '-6', '-br', '-V', '-x',
  '-w', '-n', '-q', '-e', '-a', '-N', '-r', '-t', 'nat', 'filter', 'mangle', '-A', '-I', '-D', '-C', '-F', '-Z', '-L', '-S',
  '-P', '-N', '-X', '-s', '-d', '-p', '-i', '-o', '-j', '-m', '--dport', '--sport', '--comment', '--reject-with', '--to-destination',
  '--ctstate', '!', 'tcp', 'udp', 'icmp', 'sctp', 'ACCEPT', 'DROP', 'REJECT', 'RETURN', 'MASQUERADE', 'DNAT', 'SNAT', 'LOG',
  'FORWARD', 'INPUT', 'OUTPUT', 'PREROUTING', 'POSTROUTING', 'FLANNEL-FWD', 'KUBE-SERVICES', '--line-numbers', '-v', '-nvL',
  'icmp-admin-prohibited', 'tcp-reset', 'net.ipv4.ip_forward', 'net.ipv4.ip_forward=0', 'net.ipv4.ip_forward=1',
  'net.ipv4.conf.all.rp_filter=1', 'net.ipv4.conf.eth1.rp_filter', 'net.ipv4.conf.default.rp_filter=2', 'net.ipv4.conf',
  'net.ipv4.icmp_ratelimit=0', 'net/ipv4/ip_forward', '/proc/sys/net/ipv4/ip_forward', '/run/flannel/subnet.env', '>', '>>',
  'get', 'nodes', 'pods', 'svc', '-o', 'wide', '-A', '--namespace', 'kube-system', '10.244.1.0/24', '10.244.2.0/24',
  '0.0.0.0/0', '10.244.1.3', '192.168.56.11', '192.168.56.99', '10.0.2.2', '10.9.9.9/33', '300.1.1.1', '10.244.1.5/24', '1.2.3',
  '0', '1', '2', '68', '1400', '65536', '99999', '-1', 'abc', '', '*', '--', '-', '=',
];

const word = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...WORDS) },
  { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
  { weight: 1, arbitrary: fc.ipV4().map((a) => `${a}/${a.length % 33}`) },
  { weight: 1, arbitrary: fc.integer({ min: -5, max: 70000 }).map(String) },
);
const quote = (w: string) => `'${w.replace(/'/g, '')}'`;
const line = fc.tuple(fc.constantFrom(...PROGRAMS), fc.array(word, { maxLength: 9 })).map(([p, ws]) => [p, ...ws.map(quote)].join(' '));

const pick = <T>(...xs: T[]) => fc.constantFrom(...xs);
const addr = pick('10.244.0.2', '10.244.1.3', '10.244.2.2', '192.168.56.10', '192.168.56.11', '192.168.56.12', '10.0.2.2', '10.0.2.15', '203.0.113.10', '10.96.0.10', '10.96.0.20', '8.8.8.8');
const prefix = pick('10.244.0.0/24', '10.244.1.0/24', '10.244.2.0/24', '10.244.1.3', '10.244.0.0/16', 'default', '192.168.56.0/24', '10.0.2.0/24', '203.0.113.0/24');
const dev = pick('eth0', 'eth1', 'cni0', 'lo', 'vethc9de87d3');
const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
/** Well-formed edits that really change the dataplane, and probes that walk it afterwards. */
const edit = fc.oneof(
  fc.tuple(pick('add', 'del', 'replace', 'append', 'change'), opt(pick('blackhole', 'unreachable', 'prohibit')), prefix, opt(addr), opt(dev), opt(pick('0', '5', '100')))
    .map(([v, t, p, via, d, m]) => ['ip route', v, t, p, t ? undefined : via && `via ${via}`, t ? undefined : d && `dev ${d}`, m && `metric ${m}`].filter(Boolean).join(' ')),
  fc.tuple(dev, pick('up', 'down', 'mtu 1400', 'mtu 68', 'mtu 9000')).map(([d, a]) => `ip link set ${d} ${a}`),
  fc.tuple(pick('add', 'del'), pick('10.244.1.9/24', '192.168.56.11/24', '10.0.2.15/24', '172.16.0.1/16'), dev).map(([v, a, d]) => `ip addr ${v} ${a} dev ${d}`),
  fc.tuple(pick('net.ipv4.ip_forward', 'net.ipv4.conf.all.rp_filter', 'net.ipv4.conf.eth1.rp_filter', 'net.ipv4.conf.default.rp_filter', 'net.ipv4.conf.cni0.forwarding', 'net.ipv4.icmp_ratelimit'), pick('0', '1', '2'))
    .map(([k, v]) => `sysctl -w ${k}=${v}`),
  fc.tuple(pick('-A', '-I', '-D'), pick('FORWARD', 'INPUT', 'OUTPUT'), opt(prefix), opt(pick('tcp', 'udp', 'icmp')), pick('DROP', 'ACCEPT', 'REJECT', 'REJECT --reject-with icmp-host-unreachable', 'REJECT --reject-with icmp-admin-prohibited'))
    .map(([c, ch, d, p, j]) => ['iptables', c, ch, d && d !== 'default' && `-d ${d}`, p && `-p ${p}`, `-j ${j}`].filter(Boolean).join(' ')),
  fc.tuple(pick('-t nat -F', '-F', '-P FORWARD DROP', '-P FORWARD ACCEPT', '-t nat -D POSTROUTING -m comment --comment "flanneld masq" -j FLANNEL-POSTRTG')).map(([a]) => `iptables ${a}`),
  fc.tuple(pick('traceroute -n -q 1 -m 6', 'traceroute -n -I -q 1 -m 6', 'traceroute -n -T -p 80 -q 1 -m 6', 'ping -c 1 -W 1', 'tracepath -n -m 6', 'mtr -n --report -c 1'), addr).map(([t, a]) => `${t} ${a}`),
);

describe('interpreter fuzzing', () => {
  it('applies random well-formed edits and probes afterwards without throwing', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom(...places), edit), { minLength: 1, maxLength: 10 }), fc.nat(30_000), (steps, waitMs) => {
        const sim = new Simulator(lab);
        for (const [place, c] of steps) {
          const r = sim.run(place, c);
          expect(Number.isInteger(r.exitCode)).toBe(true);
          if (r.exitCode !== 0 && r.exitCode !== 1) expect(r.stderr.length).toBeGreaterThan(0);
        }
        sim.advance(waitMs);
        expect(sim.run('netshoot', 'traceroute -n -q 1 -m 6 10.244.1.3').stdout).toMatch(/^traceroute to 10\.244\.1\.3/);
      }),
      { numRuns: 400 },
    );
  }, 300_000);

  it('answers random command lines at random places without throwing', () => {
    fc.assert(
      fc.property(fc.constantFrom(...places), fc.array(line, { minLength: 1, maxLength: 8 }), (place, commands) => {
        const sim = new Simulator(lab);
        for (const c of commands) {
          const r = sim.run(place, c);
          expect(typeof r.stdout).toBe('string');
          expect(typeof r.stderr).toBe('string');
          expect(Number.isInteger(r.exitCode)).toBe(true);
          // Failures say why, except the quiet exit 1 some tools give (busybox `sysctl -e` on an unknown key).
          if (r.exitCode !== 0 && r.exitCode !== 1) expect(r.stderr.length).toBeGreaterThan(0);
        }
        // The dataplane still works after whatever the commands did (nginx and httpd have no `ip`: a debug container).
        const debug = debugView(lab.device(place)!, 'netshoot');
        const after = hasTool(lab.device(place)!, 'ip') || !debug.ok ? sim.run(place, 'ip route') : runInContainer(sim, debug.device, 'ip route');
        expect(after.exitCode).toBe(0);
      }),
      { numRuns: 1500 },
    );
  }, 120_000);

  it('survives arbitrary unicode and shell noise', () => {
    const sim = new Simulator(lab);
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), fc.constantFrom(...PROGRAMS), (noise, program) => {
        const r = sim.run('node-1', `${program} ${noise}`);
        expect(Number.isInteger(r.exitCode)).toBe(true);
      }),
      { numRuns: 1500 },
    );
  }, 120_000);
});
