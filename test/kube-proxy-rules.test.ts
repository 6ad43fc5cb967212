// kube-proxy's rules in the model: chain-name hashes against chains in public dumps, the rule-set against the one
// FACTS-L4.md §11 captured, and (root) hairpin and NodePort on the simulator against the namespace lab's kernel.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { explainTraces } from '../cli/explain.js';
import { netnsDown } from '../lab/netns/lifecycle.js';
import { createNetnsBackend } from '../lab/netns/backend.js';
import { preflight } from '../lab/netns/preflight.js';
import { Simulator } from '../sim/simulator.js';
import { runAtPlace } from './helpers/at-place.js';
import { loadLab } from '../topology/compile.js';
import { kubeChainName, kubeProbability } from '../topology/kube-proxy-rules.js';
import type { LabModel, Service } from '../topology/model.js';
import { nodeNetfilterRules } from '../topology/netfilter-rules.js';

vi.setConfig({ testTimeout: 120_000 });

describe('kube-proxy chain names', () => {
  // Chains seen in real clusters' iptables-save output (each dump names the service port and endpoint it hashed).
  const cases: [Parameters<typeof kubeChainName>, string, string][] = [
    [['KUBE-SVC', 'kube-system/kube-dns:dns', 'udp'], 'KUBE-SVC-TCOU7JCQXEZGVUNU', 'every kubeadm dump, e.g. FACTS-L4.md §11'],
    [['KUBE-SVC', 'kube-system/kube-dns:dns-tcp', 'tcp'], 'KUBE-SVC-ERIFXISQEP7F7OF4', 'FACTS-L4.md §11'],
    [['KUBE-SVC', 'default/kubernetes:https', 'tcp'], 'KUBE-SVC-NPX46M4PTMTKRN6Y', 'FACTS-L4.md §11'],
    [['KUBE-SVC', 'default/nginx', 'tcp'], 'KUBE-SVC-2CMXP7HKUVJN7L6M', 'VijayRod/demo container-storage/logs/tcp-k8s-service_externalTrafficPolicy_Cluster.md'],
    [['KUBE-EXT', 'default/nginx', 'tcp'], 'KUBE-EXT-2CMXP7HKUVJN7L6M', 'same dump (NodePort)'],
    [['KUBE-SEP', 'default/nginx', 'tcp', '10.244.2.5:80'], 'KUBE-SEP-XW6I7J74P22Q2AZM', 'same dump'],
    [['KUBE-SVC', 'default/webpod', 'tcp'], 'KUBE-SVC-CNZCPOCNCNOROALA', 'kubeadm + Flannel `iptables -t nat -S` in a public write-up (docs/kube-proxy.md)'],
    [['KUBE-SEP', 'default/webpod', 'tcp', '10.244.1.4:80'], 'KUBE-SEP-NBAMRQIHYPBRH37V', 'same write-up'],
    [['KUBE-SEP', 'kube-system/kube-dns:dns', 'udp', '10.244.0.2:53'], 'KUBE-SEP-YIL6JZP7A3QYXJU2', 'FACTS-L4.md §11'],
  ];
  for (const [args, chain, source] of cases) {
    it(`${args.slice(1).join(' ')} -> ${chain} (${source})`, () => expect(kubeChainName(...args)).toBe(chain));
  }

  it('hands iptables 1/n with ten decimals, which iptables-save prints as the kernel stores it', () => {
    expect([2, 3, 4, 5].map(kubeProbability)).toEqual(['0.5000000000', '0.3333333333', '0.2500000000', '0.2000000000']);
    // An AKS 1.32 node's `iptables -t nat -nvL` shows 0.33333333349 for three endpoints (docs/kube-proxy.md).
    const sim = new Simulator(loadLab('three-node'));
    sim.run('node-1', `iptables -t nat -A KUBE-MARK-MASQ -m statistic --mode random --probability ${kubeProbability(3)} -j RETURN`);
    expect(sim.run('node-1', 'iptables -t nat -S KUBE-MARK-MASQ').stdout).toContain('--probability 0.33333333349 -j RETURN');
  });
});

describe("a node's rule-set", () => {
  const save = new Simulator(loadLab('three-node')).run('node-1', 'iptables-save').stdout;

  it('holds every kube-proxy line FACTS-L4.md §11 captured for the same services and endpoints', () => {
    // FACTS-L4.md §11: the replica's rules loaded into iptables 1.8.9 and printed by iptables-save (same addresses).
    const captured = [
      '-A INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL',
      '-A INPUT -m comment --comment "kubernetes health check service ports" -j KUBE-NODEPORTS',
      '-A FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD',
      '-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x4000/0x4000 -j ACCEPT',
      '-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
      '-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING',
      '-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000',
      '-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN',
      '-A KUBE-POSTROUTING -j MARK --set-xmark 0x4000/0x0',
      '-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully',
      '-A KUBE-SEP-AZBCDQXYKAA33ZKT -s 10.244.1.3/32 -m comment --comment "default/httpd" -j KUBE-MARK-MASQ',
      '-A KUBE-SEP-AZBCDQXYKAA33ZKT -p tcp -m comment --comment "default/httpd" -m tcp -j DNAT --to-destination 10.244.1.3:80',
      '-A KUBE-SERVICES -d 10.96.0.10/32 -p udp -m comment --comment "kube-system/kube-dns:dns cluster IP" -m udp --dport 53 -j KUBE-SVC-TCOU7JCQXEZGVUNU',
      '-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS',
      '-A KUBE-SVC-TCOU7JCQXEZGVUNU ! -s 10.244.0.0/16 -d 10.96.0.10/32 -p udp -m comment --comment "kube-system/kube-dns:dns cluster IP" -m udp --dport 53 -j KUBE-MARK-MASQ',
      '-A KUBE-SVC-TCOU7JCQXEZGVUNU -m comment --comment "kube-system/kube-dns:dns -> 10.244.0.2:53" -m statistic --mode random --probability 0.50000000000 -j KUBE-SEP-YIL6JZP7A3QYXJU2',
      '-A KUBE-SVC-TCOU7JCQXEZGVUNU -m comment --comment "kube-system/kube-dns:dns -> 10.244.0.3:53" -j KUBE-SEP-6E7XQMQ4RAYOWTTM',
      '-A KUBE-SVC-TMH6CLKYL4UVJZSU ! -s 10.244.0.0/16 -d 10.96.0.20/32 -p tcp -m comment --comment "default/httpd cluster IP" -m tcp --dport 80 -j KUBE-MARK-MASQ',
      '-A KUBE-SVC-TMH6CLKYL4UVJZSU -m comment --comment "default/httpd -> 10.244.1.3:80" -j KUBE-SEP-AZBCDQXYKAA33ZKT',
    ];
    const lines = new Set(save.split('\n'));
    expect(captured.filter((l) => !lines.has(l))).toEqual([]);
  });

  it("puts kube-proxy's POSTROUTING jump before Flannel's, and Flannel's FORWARD jump after kube-proxy's, as real kubeadm + Flannel nodes do", () => {
    // Both orders as in the public kubeadm + Flannel dumps docs/kube-proxy.md cites.
    expect(save).toContain(
      '-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING\n-A POSTROUTING -m comment --comment "flanneld masq" -j FLANNEL-POSTRTG\n',
    );
    expect(save).toContain(
      '-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES\n-A FORWARD -m comment --comment "flanneld forward" -j FLANNEL-FWD\n',
    );
  });
});

/** The three-node lab with httpd as a NodePort Service (30080), and `empty` as a NodePort Service without endpoints. */
function nodePortLab(): LabModel {
  const lab = loadLab('three-node');
  const httpd = lab.services.find((s) => s.name === 'httpd')!;
  const services: Service[] = [
    ...lab.services.filter((s) => s !== httpd),
    { ...httpd, type: 'NodePort', ports: [{ ...httpd.ports[0]!, nodePort: 30080 }] },
    { name: 'empty', namespace: 'default', ip: 0x0a600063, type: 'NodePort', ports: [{ protocol: 'tcp', port: 80, targetPort: 80, nodePort: 30081 }], endpoints: [] },
  ];
  const podIp = (id: string) => lab.devices.find((d) => d.id === id)!.interfaces.find((i) => i.name === 'eth0')!.addrs[0]!.ip;
  const rules = nodeNetfilterRules({ clusterNetwork: lab.cluster.network, services, endpointIps: (svc) => svc.endpoints.map((pod) => ({ pod, ip: podIp(pod) })) });
  const devices = lab.devices.map((d) => (d.kind === 'node' ? { ...d, netfilter: rules(d.podSubnet) } : d));
  const byId = new Map(devices.map((d) => [d.id, d]));
  return { ...lab, services, devices, device: (id: string) => byId.get(id), graph: () => lab.graph() };
}

const NODEPORT_PROBES: readonly [string, string][] = [
  ['host', 'traceroute -n -T -p 30080 -q 1 -w 1 -m 3 192.168.56.11'],
  ['host', 'traceroute -n -T -p 30080 -q 1 -w 1 -m 3 192.168.56.12'],
  ['host', 'traceroute -n -T -p 30081 -q 1 -w 1 -m 3 192.168.56.12'],
];
const HAIRPIN = 'traceroute -n -T -p 80 -q 1 -w 1 -m 3 10.96.0.20';

describe('hairpin and NodePort on the simulator', () => {
  it('masquerades a pod reaching its own ClusterIP to cni0 (KUBE-SEP marks it, KUBE-POSTROUTING masquerades)', () => {
    const r = runAtPlace(new Simulator(loadLab('three-node')), 'httpd+netshoot', HAIRPIN);
    const explain = explainTraces(r.traces ?? []);
    expect(explain).toMatch(/-> node-1 \[in cni0\]: packet marked 0x4000 in nat PREROUTING/);
    expect(explain).toMatch(/-> node-1 \[out cni0\]: MASQUERADE 10\.244\.1\.3 -> 10\.244\.1\.1 port \d+ -> \d+ \(iptables -t nat -A KUBE-POSTROUTING /);
  });

  it('DNATs a NodePort through KUBE-NODEPORTS and KUBE-EXT, masquerading to the node when the endpoint is elsewhere', () => {
    const sim = new Simulator(nodePortLab());
    const explain = explainTraces(sim.run('host', NODEPORT_PROBES[1]![1]).traces ?? []);
    expect(explain).toMatch(/-> node-2 \[in eth1\]: DNAT 192\.168\.56\.12:30080 -> 10\.244\.1\.3:80 in nat PREROUTING/);
    expect(explain).toMatch(/-> node-2 \[out eth1\]: MASQUERADE 192\.168\.56\.1 -> 192\.168\.56\.12 /);
    expect(sim.run('node-1', 'iptables-save -t filter').stdout).toContain(
      '-A KUBE-EXTERNAL-SERVICES -p tcp -m comment --comment "default/empty has no endpoints" -m addrtype --dst-type LOCAL -m tcp --dport 30081 -j REJECT --reject-with icmp-port-unreachable\n',
    );
  });
});

const check = preflight();
if (!check.ok) console.log(`skipping kube-proxy kernel tests: ${check.message.split('\n').join('; ')}`);

describe.skipIf(!check.ok)('hairpin and NodePort against the kernel (namespace lab)', () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'tracelab-kube-proxy-'));
  const backend = createNetnsBackend({ prefix: 'tlkp', stateDir });
  const lab = nodePortLab();
  const mask = (s: string) => s.replace(/\d+\.\d+ ms/g, '# ms');

  beforeAll(async () => {
    await backend.up(lab);
  }, 180_000);
  afterAll(async () => {
    await netnsDown({ prefix: 'tlkp', stateDir });
    rmSync(stateDir, { recursive: true, force: true });
  }, 120_000);

  it('loads the whole node rule-set with iptables-restore and lists it as the simulator does', async () => {
    const sim = new Simulator(lab);
    for (const command of ['iptables -S', 'iptables -t nat -S', 'iptables -t nat -L -n']) {
      const real = await backend.run('node-1', command);
      expect({ command, out: sim.run('node-1', command).stdout }).toEqual({ command, out: real.stdout });
    }
  });

  for (const [at, run] of [...NODEPORT_PROBES, ['node-1/httpd+netshoot', HAIRPIN] as const]) {
    it(`${at}$ ${run}: the simulator prints what the kernel does`, async () => {
      const real = await backend.run(at, run);
      const mine = runAtPlace(new Simulator(lab), at, run);
      expect(mask(mine.stdout)).toBe(mask(real.stdout));
      expect(mine.exitCode).toBe(real.exitCode);
    });
  }

  it('answers the NodePort from the endpoint pod with the node as client (conntrack on node-2)', async () => {
    await backend.run('host', NODEPORT_PROBES[1]![1]);
    const ct = await backend.run('node-2', 'conntrack -L -p tcp --dport 30080');
    expect(ct.stdout).toMatch(new RegExp(`src=192\\.168\\.56\\.1 dst=192\\.168\\.56\\.12 sport=\\d+ dport=30080 .*src=10\\.244\\.1\\.3 dst=192\\.168\\.56\\.12 sport=80`));
  });
});
