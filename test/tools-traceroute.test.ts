// Linux traceroute, busybox traceroute and tcptraceroute in the simulator: every real capture (tr-*, bb-tr-*, tcpt-*)
// reproduced byte for byte apart from millisecond figures, the seed outputs of docs/kernel-facts.md §1, and properties of the loop.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatIp } from '../topology/address.js';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { compileLabObject, loadLab } from '../topology/compile.js';
import type { LabFile } from '../topology/labfile.js';
import type { LabModel } from '../topology/model.js';
import { resolveLabPath } from '../topology/paths.js';
import { resolvePlace } from '../topology/place.js';
import { Simulator } from '../sim/simulator.js';
import { maskMilliseconds } from '../sim/tools/mask.js';
import { BUSYBOX_TRACEROUTE_USAGE, LINUX_TRACEROUTE_USAGE, TCPTRACEROUTE_BANNER, TCPTRACEROUTE_USAGE } from '../sim/tools/usage-texts.js';
import { captureSession, loadCaptures, type SetupFailure } from './helpers/captures.js';
import { runInContainer } from '../sim/debug-container.js';

const CAPTURES = loadCaptures('tr-', 'bb-tr-', 'tcpt-');
/** cases.sh replayed in one simulator, in order, as the rig ran it. */
const SESSION = captureSession();

const describeFailure = (f: SetupFailure) => `${f.command.at}: ${f.command.run} -> exit ${f.result.exitCode} ${f.result.stderr.trim()}`;

describe('captures of the real tools', () => {
  it('finds every traceroute capture', () => {
    expect(CAPTURES.length).toBeGreaterThanOrEqual(58);
  });

  it.each(CAPTURES.map((c) => [c.name, c] as const))('%s', (_name, capture) => {
    const replay = SESSION.get(capture.name)!;
    expect(replay.failures.map(describeFailure)).toEqual([]);
    expect(replay.actual).toEqual(replay.expected);
    if (replay.result.exitCode === 0 && capture.argv.includes('-n')) expect(replay.result.traces?.length).toBe(1);
  });
});

function labWithoutHttpdService(): LabModel {
  const file = parse(readFileSync(resolveLabPath('three-node'), 'utf8')) as LabFile;
  file.services = file.services!.filter((svc) => svc.name !== 'httpd');
  return compileLabObject('three-node.yaml', file);
}

function runAt(sim: Simulator, place: string, line: string) {
  const where = resolvePlace(sim.model, place);
  if (!where.ok) throw new Error(where.message);
  return runInContainer(sim, where.device, line);
}

// The published outputs come from a cluster where httpd's pod backed no Service: with the lab's httpd Service, CoreDNS
// answers the PTR of 10.244.1.3 and the tools print 10-244-1-3.httpd.default.svc.cluster.local (test/dns-netns.test.ts,
// test/fixtures/kernel/seed-*.yaml). So the seeds run on the lab without that Service.
describe('seed outputs (docs/kernel-facts.md §1)', () => {
  const lab = labWithoutHttpdService();
  const seeds: [string, string, string][] = [
    ['controlplane', 'traceroute -n 192.168.56.11', `traceroute to 192.168.56.11 (192.168.56.11), 30 hops max, 60 byte packets
 1  192.168.56.11  0.900 ms  0.850 ms  0.717 ms
`],
    ['node-1/nginx+netshoot', 'busybox traceroute 10.244.1.3', `traceroute to 10.244.1.3 (10.244.1.3), 30 hops max, 46 byte packets
 1  10.244.1.3 (10.244.1.3)  0.018 ms  0.009 ms  0.005 ms
`],
    ['node-2/traceroute', 'traceroute 10.244.1.3', `traceroute to 10.244.1.3 (10.244.1.3), 30 hops max, 46 byte packets
 1  10.244.2.1 (10.244.2.1)  0.007 ms  0.008 ms  0.004 ms
 2  192.168.56.11 (192.168.56.11)  0.575 ms  0.411 ms  0.396 ms
 3  10.244.1.3 (10.244.1.3)  0.614 ms  0.580 ms  0.498 ms
`],
  ];
  it.each(seeds)('%s: %s', (place, line, expected) => {
    const result = runAt(new Simulator(lab, { seed: 7 }), place, line);
    expect({ stdout: maskMilliseconds(result.stdout), stderr: result.stderr, exitCode: result.exitCode })
      .toEqual({ stdout: maskMilliseconds(expected), stderr: '', exitCode: 0 });
  });
});

// Outputs of the real binaries (traceroute 2.1.2, busybox 1.35.0, tcptraceroute 1.5beta7) for bad command lines.
describe('command-line errors as the real tools print them', () => {
  const lab = loadLab('three-node');
  const cases: [string, string, string, number][] = [
    ['traceroute', '', LINUX_TRACEROUTE_USAGE, 0],
    ['traceroute -n', '', 'Specify "host" missing argument.\n', 2],
    ['traceroute -q', '', "Option `-q' (argc 1) requires an argument: `-q nqueries'\n", 2],
    ['traceroute --foo 1.2.3.4', '', "Bad option `--foo' (argc 1)\n", 2],
    ['traceroute -q abc 1.2.3.4', '', "Cannot handle `-q' option with arg `abc' (argc 2)\n", 2],
    ['traceroute -m 0 1.2.3.4', '', 'first hop out of range\n', 2],
    ['traceroute -m 256 -q 11 1.2.3.4', '', 'max hops cannot be more than 255\n', 2],
    ['traceroute -q 11 -f 0 1.2.3.4', '', 'first hop out of range\n', 2],
    ['traceroute -q 11 nosuchhost', '', 'nosuchhost: Name or service not known\nCannot handle "host" cmdline arg `nosuchhost\' on position 1 (argc 3)\n', 2],
    ['traceroute 1.2.3.4 abc -q 11', '', 'Cannot handle "packetlen" cmdline arg `abc\' on position 2 (argc 2)\n', 2],
    ['traceroute 1.2.3.4 100 200', '', "Extra arg `200' (position 3, argc 3)\n", 2],
    ['traceroute -w -1 1.2.3.4', '', "bad wait specifications `-1,0,0' used\n", 2],
    ['traceroute -w 1,-2 1.2.3.4', '', "bad wait specifications `1,-2,0' used\n", 2],
    ['traceroute 1.2.3.4 70000', '', 'too big packetlen 70000 specified\n', 2],
    ['traceroute -nq2 -w1 1.2.3.4', '', "Option `-q' (argc 1) requires an argument: `-q nqueries'\n", 2],
    ['traceroute -q 1.5 1.2.3.4', '', "Cannot handle `-q' option with arg `1.5' (argc 2)\n", 2],
    ['traceroute -nq 11 1.2.3.4', '', 'no more than 10 probes per hop\n', 2],
    ['busybox traceroute -Z 1.2.3.4', '', `traceroute: invalid option -- 'Z'\n${BUSYBOX_TRACEROUTE_USAGE}`, 1],
    ['busybox traceroute', '', BUSYBOX_TRACEROUTE_USAGE, 1],
    ['busybox traceroute -q 0 1.2.3.4', '', 'traceroute: number 0 is not in 1..2147483647 range\n', 1],
    ['busybox traceroute -w abc 1.2.3.4', '', "traceroute: invalid number 'abc'\n", 1],
    ['busybox traceroute 1.2.3.4 10', '', 'traceroute: number 10 is not in 46..32768 range\n', 1],
    ['busybox traceroute -f 40 1.2.3.4', '', 'traceroute: number 40 is not in 1..30 range\n', 1],
    ['busybox traceroute -m 0 1.2.3.4', '', 'traceroute: number 0 is not in 1..255 range\n', 1],
    ['tcptraceroute', TCPTRACEROUTE_BANNER, TCPTRACEROUTE_USAGE, 1],
    ['tcptraceroute -Z 1.2.3.4', TCPTRACEROUTE_BANNER, `Unknown command line argument: -Z\n${TCPTRACEROUTE_USAGE}`, 1],
    ['tcptraceroute -q', '', 'Argument required for -q\n', 1],
    ['tcptraceroute -q 0 1.2.3.4', '', 'Number of queries must be at least 1\n', 1],
    ['tcptraceroute nosuchhost', '', 'Bad destination address: nosuchhost\n', 1],
    ['tcptraceroute -w x 1.2.3.4', '', 'Numeric argument required for - \n', 1],
    ['tcptraceroute 1.2.3.4 foo', '', 'Unknown port: foo\n', 1],
    ['tcptraceroute -m 300 1.2.3.4', '', 'TTL must be less than 256\n', 1],
    ['tcptraceroute -f 5 -m 3 1.2.3.4', '', 'Minimum TTL (5) must be less than maximum TTL (3)\n', 1],
    ['tcptraceroute -w 0 1.2.3.4', '', 'Timeout must be at least 1\n', 1],
    ['tcptraceroute -f 0 1.2.3.4', '', 'TTL must be greater than 0\n', 1],
  ];
  // At a glibc place: the real binaries are Debian's (netshoot's link musl, whose resolver errors are worded differently).
  it.each(cases)('%s', (line, stdout, stderr, exitCode) => {
    const result = runAt(new Simulator(lab), 'node-1', line);
    expect({ stdout: result.stdout, stderr: result.stderr, exitCode: result.exitCode }).toEqual({ stdout, stderr, exitCode });
  });
});

// A neighbour that never answers ARP, seen in a namespace pair (an address on a veth nobody holds): one ARP attempt
// lasts about 3 s, packets sent meanwhile fail with it, the next packet starts a new attempt. The prober's own
// address reports !H. Here: netshoot (10.244.2.3) to an unused address of its own subnet.
describe('an address on the local subnet that nobody holds', () => {
  const lab = loadLab('three-node');
  const cases: [string, string][] = [
    ['busybox traceroute -n -q 8 -w 1 -m 1 10.244.2.99', ' 1  *  *  *  10.244.2.3  # ms !H  *  *  *  # ms !H\n'],
    ['busybox traceroute -n -q 6 -w 2 -m 1 10.244.2.99', ' 1  *  10.244.2.3  # ms !H  *  # ms !H  *  # ms !H\n'],
    ['busybox traceroute -n -q 4 -w 5 -m 1 -z 2500 10.244.2.99', ' 1  10.244.2.3  # ms !H  # ms !H  # ms !H  # ms !H\n'],
    ['traceroute -n -q 3 -w 5 -m 3 10.244.2.99', ' 1  10.244.2.3  # ms !H  # ms !H  # ms !H\n'],
    ['traceroute -n -q 2 -w 1 -m 2 10.244.2.99', ' 1  * *\n 2  * *\n'],
    ['traceroute -n -I -q 2 -w 5 -m 2 10.244.2.99', ' 1  10.244.2.3  # ms !H  # ms !H\n'],
  ];
  it.each(cases)('%s', (line, hops) => {
    const result = runAt(new Simulator(lab), 'node-2/netshoot', line);
    expect(maskMilliseconds(result.stdout).split('\n').slice(1).join('\n')).toBe(hops);
  });
});

// A router whose next hop never answers ARP, probed one probe at a time with -w 1, seen in a namespace pair (router
// one hop away, route via an absent neighbour): probes queue behind one ~3 s ARP attempt and time out, the first
// probe sent after ~3 s gets the router's !H within the wait. Here: node-2 to 198.51.100.x, which node-1 sends to
// 10.244.1.99 on cni0 (nobody).
describe('a router next hop that never answers ARP, one probe at a time', () => {
  const lab = loadLab('three-node');
  const cases: [string, string][] = [
    ['busybox traceroute -n -q 1 -w 1 -m 8 198.51.100.7', ' 1  192.168.56.11  # ms\n 2  *\n 3  *\n 4  *\n 5  192.168.56.11  # ms !H\n'],
    ['busybox traceroute -n -q 3 -w 1 -m 4 198.51.100.8', ' 1  192.168.56.11  # ms  # ms  # ms\n 2  *  *  *\n 3  192.168.56.11  # ms !H  *  *\n 4  *  # ms !H  *\n'],
    ['traceroute -n -q 3 -w 1 -m 4 -N 1 198.51.100.11', ' 1  192.168.56.11  # ms  # ms  # ms\n 2  * * *\n 3  192.168.56.11  # ms !H * *\n'],
    ['tcptraceroute -n -q 3 -w 1 -m 4 198.51.100.10', ' 1  192.168.56.11  # ms  # ms  # ms\n 2  * * *\n 3  192.168.56.11  # ms !H * *\n'],
    // Linux traceroute's 16 probes in flight all queue behind the first attempt: -w 1 gives up on all of them...
    ['traceroute -n -q 1 -w 1 -m 5 198.51.100.12', ' 1  192.168.56.11  # ms\n 2  *\n 3  *\n 4  *\n 5  *\n'],
    // ...the default -w 5,3,10 waits long enough.
    ['traceroute -n -m 4 198.51.100.13', ' 1  192.168.56.11  # ms  # ms  # ms\n 2  192.168.56.11  # ms !H  # ms !H  # ms !H\n'],
  ];
  const setup = [['node-2', 'ip route del default'], ['node-2', 'ip route add 198.51.100.0/24 via 192.168.56.11'], ['node-1', 'ip route add 198.51.100.0/24 via 10.244.1.99 dev cni0']];
  it.each(cases)('%s', (line, hops) => {
    const sim = new Simulator(lab);
    for (const [at, run] of setup) expect(runAt(sim, at!, run!).exitCode).toBe(0);
    const result = runAt(sim, 'node-2', line);
    expect(maskMilliseconds(result.stdout).replace(/^traceroute to .*\n/, '')).toBe(hops);
  });
  it('tcptraceroute stops at the !H (exit 0)', () => {
    const sim = new Simulator(lab);
    for (const [at, run] of setup) runAt(sim, at!, run!);
    const result = runAt(sim, 'node-2', 'tcptraceroute -n -q 1 -w 1 -m 8 198.51.100.9');
    expect({ stdout: maskMilliseconds(result.stdout), exitCode: result.exitCode })
      .toEqual({ stdout: ' 1  192.168.56.11  # ms\n 2  *\n 3  *\n 4  *\n 5  192.168.56.11  # ms !H\n', exitCode: 0 });
  });
});

// The prober's own interface MTU below the probe size, seen in a namespace pair (veth at mtu 1400): with -F the
// socket reports EMSGSIZE with no offender (`*` with a time and !F-1400); --mtu starts at the route's MTU; busybox
// and traceroute without -F fragment locally; tcptraceroute's raw write fails.
describe('probes bigger than the source interface MTU', () => {
  const lab = loadLab('three-node');
  const cases: [string, string, number][] = [
    ['traceroute -n -q 2 -w 1 -m 2 -F 10.244.1.3 1500', ' 1  *  # ms !F-1400 *  # ms !F-1400\n', 0],
    ['traceroute -n -q 1 -w 1 -m 4 --mtu 10.244.1.3', ' 1  10.244.2.1  # ms F=1400\n 2  192.168.56.11  # ms\n 3  10.244.1.3  # ms\n', 0],
    ['traceroute -n -q 1 -w 1 -m 3 10.244.1.3 1500', ' 1  10.244.2.1  # ms\n 2  192.168.56.11  # ms\n 3  10.244.1.3  # ms\n', 0],
    ['busybox traceroute -n -q 1 -w 1 -m 3 10.244.1.3 1500', ' 1  10.244.2.1  # ms\n 2  192.168.56.11  # ms\n 3  10.244.1.3  # ms\n', 0],
  ];
  it.each(cases)('%s', (line, hops, exitCode) => {
    const sim = new Simulator(lab);
    expect(runAt(sim, 'node-2/netshoot', 'ip link set eth0 mtu 1400').exitCode).toBe(0);
    const result = runAt(sim, 'node-2/netshoot', line);
    expect({ hops: maskMilliseconds(result.stdout).split('\n').slice(1).join('\n'), exitCode: result.exitCode }).toEqual({ hops, exitCode });
  });
  it('tcptraceroute -F: the raw write fails', () => {
    const sim = new Simulator(lab);
    runAt(sim, 'node-2/netshoot', 'ip link set eth0 mtu 1400');
    const result = runAt(sim, 'node-2/netshoot', 'tcptraceroute -n -q 1 -w 1 -m 2 -F 10.244.1.3 80 1500');
    expect({ stdout: result.stdout, lastLine: result.stderr.split('\n').at(-2), exitCode: result.exitCode })
      .toEqual({ stdout: '', lastLine: 'libnet_write failed?  Attempted to write 1500 bytes, only wrote -1', exitCode: 1 });
  });
});

/** Faults the properties combine (Linux commands the interpreter runs). */
const FAULTS: readonly (readonly [string, string])[] = [
  ['node-1', 'sysctl -w net.ipv4.ip_forward=0'],
  ['node-2', 'ip route del 10.244.1.0/24'],
  ['node-2', 'ip route del default'],
  ['node-1', 'iptables -I FORWARD -d 10.244.1.0/24 -j DROP'],
  ['node-1', 'iptables -I FORWARD -d 10.244.1.0/24 -j REJECT --reject-with icmp-host-prohibited'],
  ['node-1', 'ip link set cni0 down'],
  ['node-1', 'ip link set eth1 mtu 1400'],
  ['node-1', 'ip route add 198.51.100.0/24 via 10.244.1.99 dev cni0'],
  ['node-2', 'sysctl -w net.ipv4.icmp_ratelimit=1000'],
  ['node-1', 'ip route del 10.244.2.0/24'],
  ['node-1', 'sysctl -w net.ipv4.conf.all.rp_filter=1'],
];

describe('properties of the probe loop', () => {
  const lab = loadLab('three-node');
  const places = lab.devices.filter((d) => d.kind === 'node' || d.kind === 'pod').map((d) => (d.kind === 'pod' && d.node ? `${d.node}/${d.id}` : d.id));
  const targets = lab.devices.flatMap((d) => d.interfaces.flatMap((i) => i.addrs.map((a) => formatIp(a.ip)))).filter((a) => !a.startsWith('127.'));
  const command = fc.record({
    place: fc.constantFrom(...places),
    target: fc.constantFrom(...targets, '203.0.113.10', '192.0.2.77', '10.96.0.20'),
    tool: fc.constantFrom('traceroute', 'traceroute -I', 'traceroute -T', 'traceroute -U', 'busybox traceroute', 'tcptraceroute'),
    probes: fc.integer({ min: 1, max: 3 }),
    maxHops: fc.integer({ min: 1, max: 8 }),
    seed: fc.integer({ min: 1, max: 1000 }),
    faults: fc.subarray([...FAULTS], { maxLength: 3 }),
  });
  const line = (c: { tool: string; probes: number; maxHops: number; target: string }) => `${c.tool} -n -q ${c.probes} -w 1 -m ${c.maxHops} ${c.target}`;
  const broken = (c: { seed: number; faults: readonly (readonly [string, string])[] }) => {
    const sim = new Simulator(lab, { seed: c.seed });
    // Some combinations are refused, as by the kernel (a route via cni0 after `ip link set cni0 down`): no effect.
    for (const [at, run] of c.faults) expect([0, 2]).toContain(runAt(sim, at, run).exitCode);
    return sim;
  };

  it('ends within max hops, one line per hop, whatever the faults', () => {
    fc.assert(fc.property(command, (c) => {
      const result = runAt(broken(c), c.place, line(c));
      expect([0, 1, 127]).toContain(result.exitCode);
      const hopLines = result.stdout.split('\n').filter((l) => /^ ?\d+ /.test(l));
      expect(hopLines.length).toBeLessThanOrEqual(c.maxHops);
      hopLines.forEach((l, i) => expect(Number(l.trim().split(' ')[0])).toBe(i + 1));
      for (const t of result.traces ?? []) {
        expect(t.hops.length).toBeLessThanOrEqual(c.maxHops);
        for (const h of t.hops) expect(h.probes.length).toBe(c.probes);
      }
    }), { numRuns: 60 });
  });

  it('gives the same bytes for the same seed', () => {
    fc.assert(fc.property(command, (c) => {
      const a = runAt(broken(c), c.place, line(c));
      const b = runAt(broken(c), c.place, line(c));
      expect(b).toEqual(a);
    }), { numRuns: 30 });
  });
});
