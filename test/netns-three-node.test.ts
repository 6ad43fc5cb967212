// Root-only: the default three-node lab built in namespaces reproduces the seed outputs of docs/kernel-facts.md §1 and the recorded fixtures.
// The lab's CoreDNS answers the PTR of httpd's endpoint 10.244.1.3 (10-244-1-3.httpd.default.svc.cluster.local), so the
// busybox seeds print that name where the published outputs (a cluster where the pod backed no Service) print the address.
import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { preflight } from '../lab/netns/preflight.js';
import { runArgv } from '../lab/process.js';
import { createNetnsBackend } from '../lab/netns/backend.js';
import { netnsDown } from '../lab/netns/lifecycle.js';
import { newFlannelClock, waitAndReconcile } from '../lab/netns/flannel.js';
import { readRecord, recordPath } from '../lab/netns/record.js';
import { loadLab } from '../topology/compile.js';
import { maskMilliseconds } from '../sim/tools/mask.js';
import { readKernelCases } from './helpers/kernel-recordings.js';

const check = preflight();
if (!check.ok) console.log(`skipping three-node namespace lab tests: ${check.message.split('\n').join('; ')}`);

describe.skipIf(!check.ok)('the default three-node lab in namespaces', () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'tracelab-three-node-'));
  const backend = createNetnsBackend({ prefix: 'tlt5', stateDir });
  const lab = loadLab('three-node');

  beforeAll(async () => {
    const t = Date.now();
    await backend.up(lab);
    console.log(`three-node lab built in ${Date.now() - t} ms`);
  }, 120_000);
  afterAll(async () => {
    const t = Date.now();
    await netnsDown({ prefix: 'tlt5', stateDir });
    console.log(`three-node lab torn down in ${Date.now() - t} ms`);
    rmSync(stateDir, { recursive: true, force: true });
  }, 120_000);

  const run = async (at: string, command: string) => {
    const r = await backend.run(at, command);
    return maskMilliseconds(r.stdout + r.stderr);
  };

  it('controlplane: traceroute -n 192.168.56.11 (docs/kernel-facts.md §1)', async () => {
    expect(await run('controlplane', 'traceroute -n 192.168.56.11')).toBe(
      'traceroute to 192.168.56.11 (192.168.56.11), 30 hops max, 60 byte packets\n 1  192.168.56.11  # ms  # ms  # ms\n',
    );
  });

  it('busybox in a pod on node-1 to httpd on the same node (docs/kernel-facts.md §1)', async () => {
    expect(await run('node-1/nginx+netshoot', 'busybox traceroute 10.244.1.3')).toBe(
      'traceroute to 10.244.1.3 (10.244.1.3), 30 hops max, 46 byte packets\n 1  10-244-1-3.httpd.default.svc.cluster.local (10.244.1.3)  # ms  # ms  # ms\n',
    );
  });

  it('busybox in a pod on node-2 to httpd on node-1 (docs/kernel-facts.md §1)', async () => {
    expect(await run('node-2/traceroute', 'traceroute 10.244.1.3')).toBe(
      'traceroute to 10.244.1.3 (10.244.1.3), 30 hops max, 46 byte packets\n' +
        ' 1  10.244.2.1 (10.244.2.1)  # ms  # ms  # ms\n' +
        ' 2  192.168.56.11 (192.168.56.11)  # ms  # ms  # ms\n' +
        ' 3  10-244-1-3.httpd.default.svc.cluster.local (10.244.1.3)  # ms  # ms  # ms\n',
    );
  });

  it('sets net.ipv4.icmp_ratelimit=0 in every lab namespace (cluster.icmpRatelimit: 0)', async () => {
    const record = readRecord(recordPath(stateDir, 'tlt5'))!;
    expect(record.namespaces.length).toBe(15);
    for (const ns of record.namespaces) {
      const r = await runArgv(['ip', 'netns', 'exec', ns, 'sysctl', '-n', 'net.ipv4.icmp_ratelimit']);
      expect({ ns, value: r.stdout }).toEqual({ ns, value: '0\n' });
    }
  });

  it('gives busybox pods busybox tools only', async () => {
    expect(await run('node-2/traceroute', 'mtr -n --report -c 1 10.244.1.3')).toBe('sh: mtr: not found\n');
    expect((await backend.run('node-2/traceroute', 'ping -c 1 10.244.1.3')).stdout).toMatch(/^PING 10\.244\.1\.3 \(10\.244\.1\.3\): 56 data bytes\n/);
  });

  const unfaulted = readKernelCases().filter((f) => f.apply.length === 0);
  it.skipIf(unfaulted.length === 0)('reproduces the recorded fault-free kernel fixtures (times masked)', async () => {
    for (const f of unfaulted) {
      const r = await backend.run(f.probe.at, f.probe.run);
      expect({ name: f.name, exitCode: r.exitCode, out: maskMilliseconds(r.stdout + r.stderr) }).toEqual({ name: f.name, exitCode: f.exitCode, out: maskMilliseconds(f.stdout + f.stderr) });
    }
  }, 300_000);
  describe('flanneld reconciliation on wait (as the simulator: sim/simulator.ts FLANNEL_RECONCILE_MS)', () => {
    const places = () => readRecord(recordPath(stateDir, 'tlt5'))!.places;
    const routes = async (at: string) => (await backend.run(at, 'ip route show 10.244.1.0/24')).stdout;
    const HOST_GW = '10.244.1.0/24 via 192.168.56.11 dev eth1 \n';

    it('re-adds a deleted host-gw route after 10 s of lab time, not before', async () => {
      expect(await routes('node-2')).toBe(HOST_GW);
      expect((await backend.run('node-2', 'ip route del 10.244.1.0/24')).exitCode).toBe(0);
      const clock = newFlannelClock();
      expect(await waitAndReconcile(lab, places(), clock, 9_000, 0)).toEqual([]);
      expect(await routes('node-2')).toBe('');
      expect(await waitAndReconcile(lab, places(), clock, 1_000, 0)).toEqual(['node-2: 10.244.1.0/24']);
      expect(await routes('node-2')).toBe(HOST_GW);
    });

    it('leaves it deleted where flanneld is stopped, or while its interface is down', async () => {
      const stopped = { ...lab, devices: lab.devices, routeSets: lab.routeSets, cluster: { ...lab.cluster, flannelStopped: ['node-2'] } };
      await backend.run('node-2', 'ip route del 10.244.1.0/24');
      expect(await waitAndReconcile(stopped, places(), newFlannelClock(), 60_000, 0)).toEqual([]);
      expect(await routes('node-2')).toBe('');
      const clock = newFlannelClock();
      expect((await backend.run('node-2', 'ip link set eth1 down')).exitCode).toBe(0);
      expect(await waitAndReconcile(lab, places(), clock, 60_000, 0)).toEqual([]);
      expect((await backend.run('node-2', 'ip link set eth1 up')).exitCode).toBe(0);
      // The 10 s start when Flannel first sees the route missing with its interface up.
      expect(await waitAndReconcile(lab, places(), clock, 5_000, 0)).toEqual([]);
      const back = await waitAndReconcile(lab, places(), clock, 5_000, 0);
      expect(back).toContain('node-2: 10.244.1.0/24');
      expect(back.every((r) => r.startsWith('node-2: '))).toBe(true);
      expect(await routes('node-2')).toBe(HOST_GW);
      expect(await run('node-2/netshoot', 'traceroute -n -q 1 10.244.1.3')).toBe('traceroute to 10.244.1.3 (10.244.1.3), 30 hops max, 60 byte packets\n 1  10.244.2.1  # ms\n 2  192.168.56.11  # ms\n 3  10.244.1.3  # ms\n');
    });

    it('Backend.wait sleeps (capped) and reconciles', async () => {
      await backend.run('node-1', 'ip route del 10.244.2.0/24');
      await backend.wait!(10_000);
      expect((await backend.run('node-1', 'ip route show 10.244.2.0/24')).stdout).toBe('10.244.2.0/24 via 192.168.56.12 dev eth1 \n');
    }, 30_000);
  });
});
