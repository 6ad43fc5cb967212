// The build's namespace helper (lab/netns/ns-helper.ts, root): its sysctl writes, link listings and renames, checked
// against procps' sysctl and iproute2 run in the same namespace, and the root namespace left alone.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runArgv } from '../lab/process.js';
import { preflight } from '../lab/netns/preflight.js';
import { startNsHelper, type NsHelper } from '../lab/netns/ns-helper.js';

const check = preflight();
const NS = 'tlhelp-a';
const MISSING = 'tlhelp-missing';
const inNs = (...argv: string[]) => runArgv(['ip', 'netns', 'exec', NS, ...argv]);
const sysctlValue = async (key: string) => (await inNs('sysctl', '-n', key)).stdout.trim();
const rootForward = () => readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8');

describe.skipIf(!check.ok)('the namespace helper', () => {
  let helper: NsHelper;
  beforeAll(async () => {
    await runArgv(['ip', 'netns', 'del', NS]);
    expect((await runArgv(['ip', 'netns', 'add', NS])).exitCode).toBe(0);
    const batch = ['link add name va type veth peer name vz', 'link add name p3-api.example type veth peer name px', 'link set dev va up', 'link set dev vz up'];
    expect((await runArgv(['ip', '-n', NS, '-batch', '-'], { input: batch.join('\n') + '\n' })).stderr).toBe('');
    helper = startNsHelper();
  });
  afterAll(async () => {
    helper?.close();
    await runArgv(['ip', 'netns', 'del', NS]);
  });

  it('writes sysctls in the namespace with sysctl key syntax (dots, or slashes with dotted names)', async () => {
    const root = rootForward();
    const [flip, rp] = (await sysctlValue('net.ipv4.ip_forward')) === '1' ? ['0', '0'] : ['1', '2'];
    expect(await helper.sysctl([{ ns: NS, writes: [`net.ipv4.ip_forward=${flip}`, `net/ipv4/conf/p3-api.example/rp_filter=${rp}`], ignoreUnknown: false }])).toEqual([undefined]);
    expect(await sysctlValue('net.ipv4.ip_forward')).toBe(flip);
    expect(await sysctlValue('net/ipv4/conf/p3-api.example/rp_filter')).toBe(rp);
    expect(rootForward()).toBe(root);
  });

  it("fails as procps' sysctl does, and skips unknown keys as its -e does", async () => {
    for (const kv of ['net.ipv4.tracelab_nope=1', 'net.ipv4.ip_forward=abc', 'net/ipv4/conf/nope.x/rp_filter=1']) {
      const real = await inNs('sysctl', '-q', '-w', kv);
      expect(real.exitCode, kv).not.toBe(0);
      expect(await helper.sysctl([{ ns: NS, writes: [kv], ignoreUnknown: false }]), kv).toEqual([real.stderr.trim()]);
    }
    const real = await inNs('sysctl', '-q', '-e', '-w', 'net.ipv4.tracelab_nope=1', 'net.ipv4.conf.all.rp_filter=0');
    expect(real).toMatchObject({ exitCode: 0, stderr: '' });
    expect(await helper.sysctl([{ ns: NS, writes: ['net.ipv4.tracelab_nope=1', 'net.ipv4.conf.all.rp_filter=0'], ignoreUnknown: true }])).toEqual([undefined]);
  });

  it('writes nothing when it cannot enter the namespace', async () => {
    const root = rootForward();
    const [error] = await helper.sysctl([{ ns: MISSING, writes: [`net.ipv4.ip_forward=${root.trim() === '1' ? '0' : '1'}`], ignoreUnknown: false }]);
    expect(error).toMatch(/No such file or directory/);
    expect(rootForward()).toBe(root);
    expect(await helper.links([MISSING])).toEqual([undefined]);
  });

  it("lists links as `ip -j link show` does (name, UP and LOWER_UP, qdisc, operstate)", async () => {
    const [listed] = await helper.links([NS]);
    const real = JSON.parse((await runArgv(['ip', '-n', NS, '-j', 'link', 'show'])).stdout) as { ifname: string; flags: string[]; qdisc?: string; operstate: string }[];
    expect(listed?.map((l) => ({ ...l, ifindex: undefined }))).toEqual(
      real.map((l) => ({ ifname: l.ifname, ifindex: undefined, flags: l.flags.filter((f) => f === 'UP' || f === 'LOWER_UP'), qdisc: l.qdisc, operstate: l.operstate })),
    );
  });

  it('renames a link and sets its MAC as ip link set down / name address / up do', async () => {
    expect(await helper.rename(NS, 'va', 'vb', '0a:58:0a:f4:01:ff')).toBeUndefined();
    const [link] = JSON.parse((await runArgv(['ip', '-n', NS, '-j', 'link', 'show', 'dev', 'vb'])).stdout) as { address: string; flags: string[] }[];
    expect(link).toMatchObject({ address: '0a:58:0a:f4:01:ff' });
    expect(link!.flags).toContain('UP');
    // va is gone (renamed): a problem, not a throw.
    expect(await helper.rename(NS, 'va', 'vc', '0a:58:0a:f4:01:fe')).toMatch(/^RTNETLINK answers: /);
  });
});
