// kube-router's policy rules: chain and set names as its Go code derives them (sha256, base32; expected values computed
// with Python's hashlib/base64, not with this code), and, as root, the kernel's own view: a node's ipsets and filter
// table restored into a namespace and saved again equal what the simulator prints, and hash:net sets with nomatch
// entries answer `ipset test` as the simulator's set match does; `ipset list -n` and `ipset test` print what ipset prints.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { runArgv } from '../lab/process.js';
import { inIpset, parseIpsets } from '../sim/ipset.js';
import { Simulator } from '../sim/simulator.js';
import { compileLabText } from '../topology/compile.js';
import { podChainName, policyChainName, SYNC_VERSION } from '../topology/kube-router-rules.js';
import { parseIp } from '../topology/address.js';

const LAB = readFileSync(new URL('../topology/labs/three-node.yaml', import.meta.url), 'utf8').replace('  icmpRatelimit: 0\n', '  icmpRatelimit: 0\n  networkPolicy: kube-router\n');
const POLICIES = `networkPolicies:
  - metadata: { name: default-deny-ingress }
    spec: { podSelector: {}, policyTypes: [Ingress] }
  - metadata: { name: allow-web }
    spec:
      podSelector: { matchLabels: { app: httpd } }
      ingress:
        - from: [{ ipBlock: { cidr: 0.0.0.0/0, except: [192.168.56.0/24, 10.244.2.0/25] } }]
          ports: [{ port: 80 }, { protocol: UDP, port: 5000, endPort: 5010 }]
        - from: [{ podSelector: { matchLabels: { app: nginx } } }, { namespaceSelector: { matchLabels: { kubernetes.io/metadata.name: kube-system } } }]
      egress:
        - to: [{ namespaceSelector: {} }]
          ports: [{ protocol: UDP, port: 53 }]
`;

describe('kube-router names', () => {
  it('derives chain names as its Go code does', () => {
    expect(SYNC_VERSION).toBe('cy2xeohcq2o0');
    expect(podChainName({ namespace: 'default', name: 'httpd', node: 'node-1', ip: 0, labels: {}, ports: [] })).toBe('KUBE-POD-FW-4AUT56PYAHCIQIE6');
    expect(policyChainName({ namespace: 'default', name: 'default-deny-ingress', podSelector: {}, policyTypes: ['Ingress'] })).toBe('KUBE-NWPLCY-JBI2ILIDUN4OZM5H');
  });
});

const root = typeof process.getuid === 'function' && process.getuid() === 0;
const haveTools = root && (await runArgv(['ipset', '--version'])).exitCode === 0;
if (!haveTools) console.log('skipping kube-router kernel tests: needs root and ipset');
const NS = `tlkr${process.pid}`;
const inNs = (argv: string[], input?: string) => runArgv(['ip', 'netns', 'exec', NS, ...argv], input === undefined ? {} : { input });

describe.skipIf(!haveTools)('kube-router rules on the kernel', () => {
  beforeAll(async () => {
    expect((await runArgv(['ip', 'netns', 'add', NS])).exitCode).toBe(0);
  });
  afterAll(async () => {
    await runArgv(['ip', 'netns', 'del', NS]);
  });

  it('restores and saves back to what the simulator prints (node-1, every rule form)', async () => {
    const lab = compileLabText('lab.yaml', LAB + POLICIES);
    const node = lab.device('node-1')!;
    const sets = await inNs(['ipset', 'restore'], node.ipsets!.join('\n') + '\n');
    expect(sets.stderr).toBe('');
    const filter = node.netfilter.slice(0, node.netfilter.indexOf('COMMIT') + 1);
    const restored = await inNs(['iptables-restore'], filter.join('\n') + '\n');
    expect(restored.stderr).toBe('');
    const kernel = (await inNs(['iptables-save', '-t', 'filter'])).stdout;
    const sim = new Simulator(lab).run('node-1', 'iptables-save -t filter').stdout;
    const strip = (t: string) => t.replace(/^#.*\n/gm, '').replace(/ \[\d+:\d+\]$/gm, ' [#:#]');
    expect(strip(sim)).toBe(strip(kernel));
    expect(sim).toContain('-m set --match-set KUBE-SRC-');
    // iptables -L of kube-router's chains (set, physdev, limit, NFLOG, mark matches as the extensions print them).
    const chains = [...new Set(filter.filter((l) => l.startsWith(':KUBE-ROUTER') || l.startsWith(':KUBE-NWPLCY') || l.startsWith(':KUBE-POD-FW')).map((l) => l.slice(1).split(' ')[0]!))];
    const sim1 = new Simulator(lab);
    for (const chain of chains) {
      for (const flags of ['-n', '-n --line-numbers']) {
        const c = `iptables -L ${chain} ${flags}`;
        expect({ c, out: sim1.run('node-1', c).stdout }).toEqual({ c, out: (await inNs(c.split(' '))).stdout });
      }
    }
    // The ipset command over the same sets: names in creation order, membership answers and their texts.
    const simulator = new Simulator(lab);
    const names = simulator.run('node-1', 'ipset list -n').stdout.trim().split('\n');
    const commands = ['ipset list -n', `ipset test ${names[0]} 10.244.1.3`, `ipset test ${names[0]} 10.244.9.9`, 'ipset test NOPE 10.244.1.3',
      ...names.map((n) => `ipset test ${n} 192.168.56.12`)];
    for (const c of commands) {
      const k = await inNs(c.split(' '));
      const v = simulator.run('node-1', c);
      expect({ c, stdout: v.stdout, stderr: v.stderr, exit: v.exitCode }).toEqual({ c, stdout: k.stdout, stderr: k.stderr, exit: k.exitCode });
    }
  });

  it('answers set membership as the kernel does (hash:ip, hash:net with nomatch)', async () => {
    const text = ['create S hash:net family inet hashsize 1024 maxelem 65536 timeout 0', 'add S 0.0.0.0/1 timeout 0', 'add S 128.0.0.0/1 timeout 0',
      'add S 192.168.56.0/24 timeout 0 nomatch', 'add S 192.168.56.8/29 timeout 0', 'create P hash:ip family inet hashsize 1024 maxelem 65536 timeout 0', 'add P 10.244.1.3 timeout 0'];
    await inNs(['ipset', 'restore'], text.join('\n') + '\n');
    const sets = parseIpsets(text);
    for (const [set, ip] of [['S', '10.244.2.3'], ['S', '192.168.56.12'], ['S', '192.168.56.1'], ['S', '192.168.56.9'], ['S', '200.1.1.1'], ['P', '10.244.1.3'], ['P', '10.244.1.4']] as const) {
      const kernel = (await inNs(['ipset', 'test', set, ip])).exitCode === 0;
      expect(inIpset(sets, set, parseIp(ip)!), `${set} ${ip}`).toBe(kernel);
    }
  });
});
