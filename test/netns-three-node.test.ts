// Root-only: the default three-node lab built in namespaces reproduces the FACTS §1 seed outputs and the recorded fixtures.
import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { preflight } from '../lab/netns/exec.js';
import { createNetnsBackend } from '../lab/netns/backend.js';
import { netnsDown } from '../lab/netns/lifecycle.js';
import { loadLab } from '../topology/compile.js';
import { maskTimes, readKernelFixtures } from './netns-kernel-io.js';

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
    return maskTimes(r.stdout + r.stderr);
  };

  it('controlplane: traceroute -n 192.168.56.11 (FACTS §1)', async () => {
    expect(await run('controlplane', 'traceroute -n 192.168.56.11')).toBe(
      'traceroute to 192.168.56.11 (192.168.56.11), 30 hops max, 60 byte packets\n 1  192.168.56.11  <ms>  <ms>  <ms>\n',
    );
  });

  it('busybox in a pod on node-1 to httpd on the same node (FACTS §1)', async () => {
    expect(await run('node-1/nginx', 'busybox traceroute 10.244.1.3')).toBe(
      'traceroute to 10.244.1.3 (10.244.1.3), 30 hops max, 46 byte packets\n 1  10.244.1.3 (10.244.1.3)  <ms>  <ms>  <ms>\n',
    );
  });

  it('busybox in a pod on node-2 to httpd on node-1 (FACTS §1)', async () => {
    expect(await run('node-2/traceroute', 'traceroute 10.244.1.3')).toBe(
      'traceroute to 10.244.1.3 (10.244.1.3), 30 hops max, 46 byte packets\n' +
        ' 1  10.244.2.1 (10.244.2.1)  <ms>  <ms>  <ms>\n' +
        ' 2  192.168.56.11 (192.168.56.11)  <ms>  <ms>  <ms>\n' +
        ' 3  10.244.1.3 (10.244.1.3)  <ms>  <ms>  <ms>\n',
    );
  });

  const unfaulted = readKernelFixtures().filter((f) => f.apply.length === 0);
  it.skipIf(unfaulted.length === 0)('reproduces the recorded fault-free kernel fixtures (times masked)', async () => {
    for (const f of unfaulted) {
      const r = await backend.run(f.probe.at, f.probe.run);
      expect({ name: f.name, exitCode: r.exitCode, out: maskTimes(r.stdout + r.stderr) }).toEqual({ name: f.name, exitCode: f.exitCode, out: maskTimes(f.stdout + f.stderr) });
    }
  }, 300_000);
});
