// The real LXC lab (root, lxc, vagrant-lxc): up, a command on a machine and in a pod, idempotent playbook, down leaving the
// root namespace identical, and a kill -9 half-way cleaned by the next down. It changes the root namespace while up, so it
// runs alone: only with TRACELAB_LXC=1 (the LXC step of .ci/run, after the namespace-lab suites, under the netns lock).
import { afterAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadLab } from '../topology/compile.js';
import { packageRoot } from '../topology/paths.js';
import { lxcDown, lxcMissing, lxcUp, lxcVagrantEnv, type LxcLabOptions } from '../lab/lxc/lab.js';
import { lxcRecordPath, readLxcRecord } from '../lab/lxc/record.js';
import { createVagrantBackend } from '../lab/vagrant/backend.js';
import { VagrantCli } from '../lab/vagrant/cli.js';
import { runArgv } from '../lab/process.js';
import { hostSnapshot } from './helpers/root-snapshot.js';

const why = process.env.TRACELAB_LXC !== '1' ? 'set TRACELAB_LXC=1 to run it (it changes the root namespace while up: never alongside the namespace-lab suites)' : lxcMissing();
if (why) console.log(`skipping the LXC lab tests: ${why}`);

const work = mkdtempSync(join(tmpdir(), 'tracelab-lxc-test-'));
const options = (prefix: string): LxcLabOptions => ({ vagrantDir: packageRoot(), renderDir: join(work, prefix), prefix, recordDir: join(work, 'records') });
afterAll(async () => {
  if (!why) for (const prefix of ['tlxct', 'tlxck']) await lxcDown(options(prefix));
  rmSync(work, { recursive: true, force: true });
});

/** PLAY RECAP lines of an ansible run, as `host changed=N`. */
function recapChanges(output: string): string[] {
  return [...output.matchAll(/(\S+)\s+: ok=\d+\s+changed=(\d+)/g)].map((m) => `${m[1]} changed=${m[2]}`);
}

describe.skipIf(why !== undefined)('the LXC lab for real', () => {
  it('comes up, runs commands on machines and pods, provisions idempotently, and leaves the host identical', async () => {
    const before = await hostSnapshot();
    const opts = options('tlxct');
    const machines = await lxcUp(loadLab('three-node'), opts);
    expect(machines).toEqual(['controlplane', 'node-1', 'node-2']);
    const backend = createVagrantBackend({ stateDir: opts.renderDir });
    await backend.up(loadLab('three-node'));
    const node = await backend.run('node-2', 'traceroute -n -q 1 192.168.56.11');
    expect(node.stdout).toMatch(/^traceroute to 192\.168\.56\.11 \(192\.168\.56\.11\), 30 hops max, 60 byte packets\n 1  192\.168\.56\.11  [\d.]+ ms\n$/);
    // Pod to pod across nodes: node-2's cni0, node-1's eth1, the pod (busybox traceroute, host-gw routes on eth1).
    const pod = await backend.run('node-2/traceroute', 'traceroute -n -q 1 10.244.1.3');
    expect(pod.stdout.split('\n').slice(1, 4).map((l) => l.trim().split(/\s+/)[1])).toEqual(['10.244.2.1', '192.168.56.11', '10.244.1.3']);
    await backend.down();
    const vagrant = new VagrantCli({ cwd: packageRoot(), env: lxcVagrantEnv(opts.renderDir) });
    const again = await vagrant.exec(['provision', 'node-2']);
    expect(again.exitCode).toBe(0);
    expect(recapChanges(again.stdout)).toEqual(['controlplane changed=0', 'node-1 changed=0', 'node-2 changed=0']);
    await lxcDown(opts);
    expect(await hostSnapshot()).toBe(before);
  }, 900_000);

  it('removes what a lab killed with SIGKILL half-way through up left behind', async () => {
    const before = await hostSnapshot();
    const opts = options('tlxck');
    const cli = join(packageRoot(), 'dist', 'cli', 'bin.js');
    const env = { ...process.env, TRACELAB_STATE_DIR: opts.recordDir };
    const child = spawn('node', [cli, 'lab', 'up', '--backend', 'vagrant', '--provider', 'lxc', '--prefix', 'tlxck', '--state-dir', opts.renderDir], { env, detached: true, stdio: 'ignore' });
    const path = lxcRecordPath('tlxck', opts.recordDir);
    // Kill the whole process group (tracelab and its vagrant) once the containers are being made.
    for (let i = 0; i < 600 && !(readLxcRecord(path)?.machines.length); i++) await new Promise((r) => setTimeout(r, 200));
    await new Promise((r) => setTimeout(r, 8000));
    process.kill(-child.pid!, 'SIGKILL');
    expect(readLxcRecord(path)?.bridge).toBe('tlxckbr0');
    await lxcDown(opts);
    expect(existsSync(path)).toBe(false);
    const left = await runArgv(['lxc-ls', '--filter', '^tlxck-']);
    expect(left.stdout.trim()).toBe('');
    expect(await hostSnapshot()).toBe(before);
  }, 900_000);
});
