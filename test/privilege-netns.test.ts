// The refusals a user without root meets (sim/commands/privilege.ts) against the real tools run as nobody
// (setpriv --reuid=65534) in a throwaway namespace: same text, same exit status; and what such a user may do. Also
// iptables -L -v's number columns (K rounding) on counters the kernel kept.
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runArgv } from '../lab/process.js';
import { rootRefusal } from '../sim/commands/privilege.js';
import { numberText } from '../sim/commands/iptables-list.js';

const root = process.getuid?.() === 0;
if (!root) console.log('skipping the unprivileged-tool comparison: it needs root to make a namespace and drop to nobody');

const NS = 'tlh-shell-priv';
const NOBODY = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'];

/** Lines a user without root types on a node: every one is refused by the real tools. */
const REFUSED: readonly string[][] = [
  ['sysctl', '-w', 'net.ipv4.ip_forward=1'],
  ['sysctl', 'net.ipv4.ip_forward=1'],
  ['sysctl', '-w', 'net.ipv4.ip_forward=1', 'net.ipv4.conf.all.rp_filter=0'],
  ['iptables', '-L', 'FORWARD', '-v', '-n'],
  ['iptables', '-S'],
  ['iptables', '-D', 'FORWARD', '-j', 'DROP'],
  ['iptables-save', '-c'],
  ['ip', 'route', 'add', '198.51.100.0/24', 'via', '192.0.2.5'],
  ['ip', 'r', 'del', '192.0.2.0/24'],
  ['ip', 'route', 'replace', '198.51.100.0/24', 'via', '192.0.2.5'],
  ['ip', 'route', 'flush', '192.0.2.0/24'],
  ['ip', 'link', 'set', 'd0', 'mtu', '1400'],
  ['ip', 'link', 'set', 'd0', 'up'],
  ['ip', 'addr', 'add', '192.0.2.9/24', 'dev', 'd0'],
  ['ip', 'addr', 'flush', 'dev', 'd0'],
  ['ip', 'neigh', 'replace', '192.0.2.5', 'lladdr', '00:11:22:33:44:55', 'dev', 'd0'],
  ['ip', 'neigh', 'del', '192.0.2.5', 'dev', 'd0'],
  ['traceroute', '-T', '-n', '192.0.2.5'],
  ['traceroute', '-I', '-n', '192.0.2.5'],
  ['tcpdump', '-i', 'd0', '-c', '1'],
  ['tcpdump', '-ni', 'd0', '-c', '1'],
  ['conntrack', '-L'],
  ['bridge', 'link', 'set', 'dev', 'd0', 'cost', '1'],
];

/** Reads and the setuid/capable tools: allowed for a user. */
const ALLOWED: readonly string[][] = [
  ['sysctl', 'net.ipv4.ip_forward'],
  ['ip', 'route'],
  ['ip', 'r', 's'],
  ['ip', 'neigh', 'show'],
  ['ip', 'link', 'show', 'd0'],
  ['iptables', '-V'],
  ['tcptraceroute', '-n', '-q', '1', '-w', '1', '-m', '1', '192.0.2.1', '80'],
  ['ping', '-c', '1', '-W', '1', '192.0.2.1'],
];

describe.skipIf(!root)('root-only commands as a user without root, against the real tools', () => {
  const ip = (...args: string[]) => execFileSync('ip', ['-n', NS, ...args]);
  beforeAll(() => {
    execFileSync('ip', ['netns', 'add', NS]);
    ip('link', 'add', 'd0', 'type', 'veth', 'peer', 'name', 'd1');
    ip('link', 'set', 'd0', 'up');
    ip('link', 'set', 'd1', 'up');
    ip('addr', 'add', '192.0.2.1/24', 'dev', 'd0');
    ip('neigh', 'add', '192.0.2.5', 'lladdr', '00:11:22:33:44:55', 'dev', 'd0');
    ip('route', 'add', '198.51.100.0/24', 'via', '192.0.2.5');
  });
  afterAll(() => execFileSync('ip', ['netns', 'del', NS]));
  const asNobody = (argv: readonly string[]) => runArgv(['ip', 'netns', 'exec', NS, ...NOBODY, ...argv], { timeoutMs: 20_000 });

  for (const argv of REFUSED) {
    it(`refuses ${argv.join(' ')}`, async () => {
      const real = await asNobody(argv);
      const sim = rootRefusal(argv);
      expect(sim, `${real.stderr}`).toBeDefined();
      expect(sim!.stdout + sim!.stderr).toBe(real.stdout + real.stderr);
      expect(sim!.exitCode).toBe(real.exitCode);
    });
  }

  for (const argv of ALLOWED) {
    it(`allows ${argv.join(' ')}`, async () => {
      const real = await asNobody(argv);
      expect(real.stderr).not.toMatch(/permission|not permitted|must be root|privileges/i);
      expect(rootRefusal(argv)).toBeUndefined();
    });
  }
});

describe.skipIf(!root)('iptables -L -v number columns, against iptables 1.8.9 on counters the kernel kept', () => {
  const NS2 = 'tlh-shell-cnt';
  beforeAll(() => {
    execFileSync('ip', ['netns', 'add', NS2]);
    execFileSync('ip', ['-n', NS2, 'link', 'set', 'lo', 'up']);
    execFileSync('ip', ['netns', 'exec', NS2, 'iptables', '-A', 'OUTPUT', '-p', 'icmp']);
    // 400 echo requests and replies of 8028 bytes: over 99999 bytes, so -v rounds them to K (M for none here).
    execFileSync('ip', ['netns', 'exec', NS2, 'ping', '-q', '-c', '400', '-i', '0.002', '-s', '8000', '127.0.0.1'], { stdio: 'ignore' });
  });
  afterAll(() => execFileSync('ip', ['netns', 'del', NS2]));

  it('rounds as xtables_print_num does, policy line included', async () => {
    const list = async (...flags: string[]) => (await runArgv(['ip', 'netns', 'exec', NS2, 'iptables', '-L', 'OUTPUT', '-n', ...flags])).stdout.split('\n');
    const exact = await list('-v', '-x');
    const rounded = await list('-v');
    const [packets, bytes] = exact[2]!.trim().split(/\s+/).map(Number) as [number, number];
    expect(bytes).toBeGreaterThan(99999);
    expect(rounded[2]!.slice(0, 12)).toBe(numberText(packets, false, true) + numberText(bytes, false, true));
    expect(exact[2]!.slice(0, 18)).toBe(numberText(packets, true, true) + numberText(bytes, true, true));
    expect(rounded[0]).toBe(`Chain OUTPUT (policy ACCEPT ${numberText(0, false, false)}packets, ${numberText(0, false, false)}bytes)`);
  });
});
