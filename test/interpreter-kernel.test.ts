// Root-only: the interpreter's answers (stdout, stderr, exit code) equal the real kernel's and tools' in the namespace
// copy of the three-node lab, command for command, over a sequence that edits routes, links, sysctls and iptables.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createNetnsBackend } from '../lab/netns/backend.js';
import { preflight } from '../lab/netns/preflight.js';
import { runArgv } from '../lab/process.js';
import { netnsDown } from '../lab/netns/lifecycle.js';
import { readRecord, recordPath } from '../lab/netns/record.js';
import { Simulator } from '../sim/simulator.js';
import { loadLab } from '../topology/compile.js';
import { resolvePlace } from '../topology/place.js';
import { KERNEL_SEQUENCE } from './helpers/interpreter-kernel-cases.js';

const PREFIX = 'tli1k';

/**
 * Packet counters (`iptables -L -v`, `iptables-save`) count whatever traffic the namespace lab carried (a stray RST, a probe of another
 * test); the simulator keeps none and prints 0. They are the only thing masked, on both sides alike.
 */
function maskCounters(command: string, out: string): string {
  // iptables-save stamps the wall clock (the simulator its own clock) and prints the policy counters.
  if (command.startsWith('iptables-save')) return out.replace(/ on .*$/gm, ' on #').replace(/ \[\d+:\d+\]$/gm, ' [#:#]');
  if (!/^iptables .*(-v|--verbose|-[a-zA-Z]*v)/.test(command)) return out;
  return out
    .replace(/\(policy (\w+) \d+ packets, \d+ bytes\)/g, '(policy $1 # packets, # bytes)')
    .replace(/^((?:\d+ +)?) *\d+[KMGT]? +\d+[KMGT]? /gm, '$1# # ');
}
const check = preflight();
if (!check.ok) console.log(`skipping interpreter-vs-kernel tests: ${check.message.split('\n').join('; ')}`);

describe.skipIf(!check.ok)('the interpreter against the kernel (namespace lab)', () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'tracelab-interpreter-'));
  const backend = createNetnsBackend({ prefix: PREFIX, stateDir });
  const lab = loadLab('three-node');
  const sim = new Simulator(lab);

  beforeAll(async () => {
    await backend.up(lab);
  }, 120_000);
  afterAll(async () => {
    await netnsDown({ prefix: PREFIX, stateDir });
    rmSync(stateDir, { recursive: true, force: true });
  }, 120_000);

  it(`answers all ${KERNEL_SEQUENCE.length} commands of the sequence as the kernel does`, async () => {
    const differences: string[] = [];
    for (const [place, command] of KERNEL_SEQUENCE) {
      const where = resolvePlace(lab, place);
      if (!where.ok) throw new Error(where.message);
      const mine = sim.run(where.device.id, command);
      const real = await backend.run(place, command);
      const a = { stdout: maskCounters(command, mine.stdout), stderr: mine.stderr, exitCode: mine.exitCode };
      const b = { stdout: maskCounters(command, real.stdout), stderr: real.stderr, exitCode: real.exitCode };
      if (JSON.stringify(a) !== JSON.stringify(b)) differences.push(`[${place}] ${command}\n  sim:    ${JSON.stringify(a)}\n  kernel: ${JSON.stringify(b)}`);
    }
    expect(differences.join('\n')).toBe('');
  }, 120_000);
});

describe.skipIf(!check.ok)('random edits (routes, links, addresses, iptables, sysctl) against the kernel (namespace lab)', () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'tracelab-interpreter-random-'));
  const prefix = `${PREFIX}r`;
  const backend = createNetnsBackend({ prefix, stateDir });
  const lab = loadLab('three-node');
  const pick = <T>(...xs: T[]) => fc.constantFrom(...xs);
  const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
  const route = fc
    .tuple(
      pick('add', 'del', 'replace', 'append', 'change', 'delete'),
      opt(pick('blackhole', 'unreachable', 'prohibit', 'unicast')),
      pick('10.244.1.0/24', '10.244.0.0/16', '10.50.0.0/16', '10.50.1.0/24', '10.50.1.7', 'default', '192.168.56.0/24', '10.0.2.0/24', '10.0.2.15'),
      opt(pick('192.168.56.11', '192.168.56.99', '10.0.2.2', '10.244.0.5', '10.0.2.15', '8.8.8.8', '10.50.1.7')),
      opt(pick('eth0', 'eth1', 'cni0')),
      opt(pick('0', '10', '100', '1024')),
      opt(pick('static', 'boot', 'kernel', 'dhcp')),
      opt(pick('scope link', 'scope host', 'scope global', 'onlink', 'src 10.0.2.15', 'src 192.168.56.10', 'src 1.2.3.4')),
    )
    .map(([verb, type, dst, via, dev, metric, proto, extra]) =>
      ['ip route', verb, type, dst, via && `via ${via}`, dev && `dev ${dev}`, metric && `metric ${metric}`, proto && `proto ${proto}`, extra].filter(Boolean).join(' '),
    );
  const linkOrAddr = pick(
    'ip link set eth1 down', 'ip link set eth1 up', 'ip link set cni0 down', 'ip link set cni0 up', 'ip addr add 10.50.1.1/24 dev eth1',
    'ip addr del 10.50.1.1/24 dev eth1', 'ip route flush dev eth1', 'ip route flush root 10.50.0.0/16',
  );
  const command = fc.oneof({ weight: 5, arbitrary: route }, { weight: 1, arbitrary: linkOrAddr });
  const probes = ['ip route', 'ip route get 10.244.1.9', 'ip route get 10.50.1.7', 'ip route get 8.8.8.8', 'ip route get 192.168.56.11', 'ip route show table local'];

  beforeAll(async () => {
    await backend.up(lab);
  }, 120_000);
  afterAll(async () => {
    await netnsDown({ prefix, stateDir });
    rmSync(stateDir, { recursive: true, force: true });
  }, 120_000);

  it('agrees with the kernel on every command and on the resulting table (seeded sequences)', async () => {
    const original = (await backend.run('controlplane', 'ip route')).stdout.split('\n').filter(Boolean);
    const restore = async () => {
      for (const c of ['ip link set eth1 up', 'ip link set cni0 up', 'ip addr del 10.50.1.1/24 dev eth1']) await backend.run('controlplane', c);
      await backend.run('controlplane', 'ip route flush table main');
      for (const line of original.filter((l) => !l.includes(' via ')).concat(original.filter((l) => l.includes(' via ')))) {
        await backend.run('controlplane', `ip route add ${line.trim()}`);
      }
    };
    const differences: string[] = [];
    let commands = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 10 }), async (sequence) => {
        await restore();
        const sim = new Simulator(lab);
        for (const c of [...sequence, ...probes]) {
          commands++;
          const mine = sim.run('controlplane', c);
          const real = await backend.run('controlplane', c);
          const a = JSON.stringify([mine.stdout, mine.stderr, mine.exitCode]);
          const b = JSON.stringify([real.stdout, real.stderr, real.exitCode]);
          if (a !== b) differences.push(`${sequence.join(' ; ')}\n  at: ${c}\n  sim:    ${a}\n  kernel: ${b}`);
        }
      }),
      { numRuns: 60, seed: 20261123 },
    );
    console.log(`random route edits: ${commands} commands compared, ${differences.length} differ`);
    expect(differences.slice(0, 5).join('\n')).toBe('');
  }, 300_000);
  const neg = (a: fc.Arbitrary<string>) => fc.tuple(fc.boolean(), a).map(([n, x]) => (n ? `! ${x}` : x));
  const filterRule = fc
    .tuple(
      fc.tuple(pick('-A', '-I', '-D', '-C'), pick('FORWARD', 'INPUT', 'OUTPUT', 'FLANNEL-FWD', 'MYCHAIN'), pick('', '', ' 1', ' 2'))
        .map(([v, c, n]) => (v === '-I' || v === '-D' ? `${v} ${c}${n}` : `${v} ${c}`)),
      opt(neg(pick('-s 10.244.2.0/24', '-s 10.244.2.3', '-s 0.0.0.0/0', '-s 10.1.2.3/8'))),
      opt(neg(pick('-d 10.244.1.3', '-d 10.244.0.0/16', '-d 203.0.113.10'))),
      opt(neg(pick('-p tcp', '-p udp', '-p icmp'))),
      opt(neg(pick('-i eth1', '-i cni0', '-i veth+'))),
      opt(neg(pick('-o eth0', '-o cni0'))),
      opt(pick('--dport 80', '--dport 53', '--sport 1000:2000', '! --dport 443', '-m comment --comment "x y"', '-m comment --comment abc', '-m conntrack --ctstate NEW', '-m conntrack --ctstate ESTABLISHED,RELATED')),
      opt(pick('-j ACCEPT', '-j DROP', '-j REJECT', '-j REJECT --reject-with icmp-host-unreachable', '-j REJECT --reject-with tcp-reset', '-j RETURN', '-j LOG', '-j MYCHAIN', '-j KUBE-SERVICES', '-j MASQUERADE')),
    )
    .map((parts) => ['iptables', ...parts.filter(Boolean)].join(' '));
  const natRule = fc
    .tuple(
      pick('-A', '-I', '-D'), pick('PREROUTING', 'POSTROUTING', 'OUTPUT'), opt(pick('-d 10.96.0.99', '-s 10.244.0.0/16', '-o eth0')), opt(pick('-p tcp --dport 80', '-p udp')),
      pick('-j DNAT --to-destination 10.244.1.3:80', '-j DNAT --to-destination 10.244.1.3', '-j MASQUERADE', '-j MASQUERADE --random-fully', '-j SNAT --to-source 10.0.2.15', '-j RETURN', '-j ACCEPT'),
    )
    .map((parts) => ['iptables -t nat', ...parts.filter(Boolean)].join(' '));
  const chainOp = pick('iptables -N MYCHAIN', 'iptables -X MYCHAIN', 'iptables -F MYCHAIN', 'iptables -P FORWARD DROP', 'iptables -P FORWARD ACCEPT', 'iptables -F FORWARD', 'iptables -Z');
  const iptablesCommand = fc.oneof({ weight: 5, arbitrary: filterRule }, { weight: 2, arbitrary: natRule }, { weight: 1, arbitrary: chainOp });
  const listings = ['iptables -S', 'iptables -L -n', 'iptables -L', 'iptables -t nat -S', 'iptables -t nat -L -n --line-numbers', 'iptables -L FORWARD -v -n'];

  it('agrees with iptables on random rule edits and listings (seeded sequences)', async () => {
    const ns = readRecord(recordPath(stateDir, prefix))!.namespaces.find((n) => n.endsWith('-controlplane'))!;
    const saved = (await backend.run('controlplane', 'iptables-save')).stdout;
    const restore = () => runArgv(['ip', 'netns', 'exec', ns, 'iptables-restore'], { input: saved });
    const differences: string[] = [];
    let commands = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(iptablesCommand, { minLength: 1, maxLength: 10 }), async (sequence) => {
        await restore();
        const sim = new Simulator(lab);
        for (const c of [...sequence, ...listings]) {
          commands++;
          const mine = sim.run('controlplane', c);
          const real = await backend.run('controlplane', c);
          const a = JSON.stringify([maskCounters(c, mine.stdout), mine.stderr, mine.exitCode]);
          const b = JSON.stringify([maskCounters(c, real.stdout), real.stderr, real.exitCode]);
          if (a !== b) differences.push(`${sequence.join(' ; ')}\n  at: ${c}\n  sim:    ${a}\n  kernel: ${b}`);
        }
      }),
      { numRuns: 60, seed: 20261123 },
    );
    console.log(`random iptables edits: ${commands} commands compared, ${differences.length} differ`);
    expect(differences.slice(0, 5).join('\n')).toBe('');
  }, 300_000);
  const sysctlKey = pick(
    'net.ipv4.ip_forward', 'net.ipv4.conf.all.rp_filter', 'net.ipv4.conf.default.rp_filter', 'net.ipv4.conf.eth0.rp_filter', 'net.ipv4.conf.eth1.rp_filter',
    'net.ipv4.conf.cni0.forwarding', 'net.ipv4.conf.all.forwarding', 'net.ipv4.conf.default.forwarding', 'net.ipv4.conf.eth1.forwarding',
    'net.ipv4.icmp_ratelimit', 'net.ipv4.ip_default_ttl', 'net.ipv4.conf.eth9.rp_filter', 'net.ipv4.conf.eth0', 'net/ipv4/ip_forward', 'net.ipv4.icmp_echo_ignore_all',
  );
  const sysctlCommand = fc.oneof(
    fc.tuple(pick('sysctl', 'sysctl -w', 'sysctl -q -w', 'sysctl -n', 'sysctl -e', 'sysctl -N'), sysctlKey, opt(pick('0', '1', '2', '5', '256', 'abc', '-1', '')))
      .map(([c, k, v]) => `${c} ${v === undefined ? k : `${k}=${v}`}`),
    sysctlKey.map((k) => `cat /proc/sys/${k.replace(/\./g, '/')}`),
  );
  const SYSCTL_DEFAULTS = ['net.ipv4.conf.all.rp_filter=0', 'net.ipv4.conf.default.rp_filter=0', 'net.ipv4.conf.eth0.rp_filter=0', 'net.ipv4.icmp_ratelimit=0', 'net.ipv4.ip_default_ttl=64', 'net.ipv4.icmp_echo_ignore_all=0'];

  it('agrees with procps and busybox sysctl on random reads and writes (seeded sequences)', async () => {
    const differences: string[] = [];
    let commands = 0;
    await fc.assert(
      fc.asyncProperty(pick('node-1', 'netshoot', 'traceroute'), fc.array(sysctlCommand, { minLength: 1, maxLength: 8 }), async (place, sequence) => {
        // Toggling ip_forward resets every conf.*.forwarding; the rest are set back one by one.
        const forward = place === 'node-1' ? '1' : '0';
        for (const c of [`net.ipv4.ip_forward=${forward === '1' ? '0' : '1'}`, 'net.ipv4.conf.default.forwarding=0', `net.ipv4.ip_forward=${forward}`, ...SYSCTL_DEFAULTS]) {
          await backend.run(place, `sysctl -q -w ${c}`);
        }
        if (place !== 'traceroute') await backend.run(place, 'sysctl -q -w net.ipv4.conf.eth1.rp_filter=0');
        const sim = new Simulator(lab);
        for (const c of [...sequence, 'sysctl net.ipv4.ip_forward net.ipv4.conf.all.forwarding net.ipv4.conf.eth0.forwarding net.ipv4.conf.eth0.rp_filter']) {
          commands++;
          const mine = sim.run(place, c);
          const real = await backend.run(place, c);
          const a = JSON.stringify([mine.stdout, mine.stderr, mine.exitCode]);
          const b = JSON.stringify([real.stdout, real.stderr, real.exitCode]);
          if (a !== b) differences.push(`[${place}] ${sequence.join(' ; ')}\n  at: ${c}\n  sim:    ${a}\n  kernel: ${b}`);
        }
      }),
      { numRuns: 60, seed: 20261123 },
    );
    console.log(`random sysctl reads and writes: ${commands} commands compared, ${differences.length} differ`);
    expect(differences.slice(0, 5).join('\n')).toBe('');
  }, 300_000);
});
