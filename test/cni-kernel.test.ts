// Root-only: pods attached by the real CNI bridge + host-local plugins (Flannel's delegate config) get the routes the
// model gives them, cni0's ports are in hairpin mode, `bridge link` answers as iproute2's bridge does, and a pod
// reaches itself through its own Service's ClusterIP only while its port's hairpin mode is on (simulator = kernel).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openLab } from '../index.js';
import { createNetnsBackend } from '../lab/netns/backend.js';
import { netnsDown } from '../lab/netns/lifecycle.js';
import { preflight } from '../lab/netns/preflight.js';
import { maskMilliseconds } from '../sim/tools/mask.js';
import { vethNameFor } from '../topology/device-names.js';

const PREFIX = 'tlcni';
const HTTPD_PORT = vethNameFor('httpd');
const NGINX_PORT = vethNameFor('nginx');
const SELF_VIA_SERVICE = 'traceroute -n -T -p 80 -q 1 -w 1 -m 2 10.96.0.20';
/**
 * Stand-in for kube-proxy's KUBE-MARK-MASQ (`-A KUBE-SEP-... -s <endpoint> -j KUBE-MARK-MASQ`) and KUBE-POSTROUTING's
 * MASQUERADE of marked packets: without it a hairpinned packet reaches the pod with its own address as source and is
 * dropped as a martian, hairpin or not (checked on the kernel).
 */
const HAIRPIN_MASQ = 'iptables -t nat -I POSTROUTING -s 10.244.1.3 -d 10.244.1.3 -j MASQUERADE';

/**
 * The namespace lab creates a node's links in another order than a VM has them (cni0 before eth0), so the name the
 * bridge tool prints after `@` for a port (the peer's ifindex looked up in the node) differs: masked on both sides.
 */
const maskPeerName = (text: string): string => text.replace(/^(\d+: \S+?)@\S+:/gm, '$1@#:');

const SEQUENCE: readonly (readonly [place: string, command: string])[] = [
  // httpd and nginx (Debian slim) have no ip: their routes are read from a netshoot debug container in the pod.
  ...['coredns-a', 'coredns-b', 'httpd+netshoot', 'nginx+netshoot', 'traceroute', 'netshoot'].map((pod) => [pod, 'ip route'] as const),
  ['node-1', 'bridge link'],
  ['node-1', 'bridge -d link'],
  ['node-1', `bridge link show dev ${HTTPD_PORT}`],
  ['node-1', 'bridge link show dev cni0'],
  ['node-1', 'bridge link show dev nope'],
  ['node-1', 'bridge link set dev nope hairpin on'],
  ['node-1', `bridge link set dev ${HTTPD_PORT} hairpin maybe`],
  ['node-1', `bridge link set dev ${HTTPD_PORT} hairpin`],
  ['node-1', `bridge link set ${HTTPD_PORT} hairpin on`],
  ['node-1', 'bridge link set dev cni0 hairpin on'],
  ['httpd+netshoot', SELF_VIA_SERVICE],
  ['node-1', HAIRPIN_MASQ],
  ['httpd+netshoot', SELF_VIA_SERVICE],
  ['node-1', `bridge link set dev ${HTTPD_PORT} hairpin off`],
  ['node-1', `bridge -d link show dev ${HTTPD_PORT}`],
  ['httpd+netshoot', SELF_VIA_SERVICE],
  // Another pod of the same node reaches httpd through the Service: a different port, hairpin does not matter.
  ['nginx+netshoot', SELF_VIA_SERVICE],
  ['node-1', `bridge link set dev ${HTTPD_PORT} hairpin on`],
  ['httpd+netshoot', SELF_VIA_SERVICE],
  ['node-1', `ip link set dev ${NGINX_PORT} down`],
  ['node-1', 'bridge link'],
  ['node-1', `ip link set dev ${NGINX_PORT} up`],
];

const check = preflight();
if (!check.ok) console.log(`skipping CNI plugin tests: ${check.message.split('\n').join('; ')}`);

describe.skipIf(!check.ok)('pods attached by the real CNI plugins (namespace lab)', () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'tracelab-cni-'));
  const backend = createNetnsBackend({ prefix: PREFIX, stateDir });
  const sim = openLab();

  beforeAll(async () => {
    await backend.up(sim.model);
  }, 120_000);
  afterAll(async () => {
    await netnsDown({ prefix: PREFIX, stateDir });
    rmSync(stateDir, { recursive: true, force: true });
  }, 120_000);

  it(`answers all ${SEQUENCE.length} commands as the kernel and the real tools do`, async () => {
    const differences: string[] = [];
    for (const [place, command] of SEQUENCE) {
      const mine = sim.run(place, command);
      const real = await backend.run(place, command);
      const norm = (r: typeof mine) => ({ stdout: maskPeerName(maskMilliseconds(r.stdout)), stderr: r.stderr, exitCode: r.exitCode });
      const a = norm(mine);
      const b = norm(real);
      if (JSON.stringify(a) !== JSON.stringify(b)) differences.push(`[${place}] ${command}\n  sim:    ${JSON.stringify(a)}\n  kernel: ${JSON.stringify(b)}`);
    }
    expect(differences.join('\n')).toBe('');
  }, 120_000);

  it('keeps host-local leases in the lab\'s private directory: one per pod of the node', () => {
    expect(readdirSync(join(stateDir, `cni-${PREFIX}`, `${PREFIX}-node-2`, 'cbr0')).filter((f) => f.startsWith('10.')).sort()).toEqual(['10.244.2.2', '10.244.2.3']);
  });
});

describe('hairpin mode in the simulator', () => {
  it('drops the frame at the bridge, not at the pod, when the port it came in by has hairpin off', () => {
    const lab = openLab();
    expect(lab.run('node-1', HAIRPIN_MASQ).exitCode).toBe(0);
    expect(lab.trace('httpd+netshoot', SELF_VIA_SERVICE).hops[0]!.probes[0]!.disposition).toBe('reached');
    expect(lab.run('node-1', `bridge link set dev ${HTTPD_PORT} hairpin off`).exitCode).toBe(0);
    const probe = lab.trace('httpd+netshoot', SELF_VIA_SERVICE).hops[0]!.probes[0]!;
    expect(probe).toMatchObject({ disposition: 'hairpin-off', at: 'node-1' });
  });
});
