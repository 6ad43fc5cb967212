// Every backend answers the same interface: preflight() says what is missing, status() what is there, wait() lets time
// pass, and an unknown place is a UsageError. The CLI relies on these instead of reaching into a backend's internals.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError } from '../lab/backend.js';
import { BACKEND_NAMES, createBackend } from '../lab/backends.js';
import { createKubectlBackend } from '../lab/kubectl/backend.js';
import type { KubectlRunner } from '../lab/kubectl/cli.js';
import { createNetnsBackend } from '../lab/netns/backend.js';
import { preflight as netnsPreflight } from '../lab/netns/preflight.js';
import { createSimBackend } from '../lab/sim.js';
import { createVagrantBackend } from '../lab/vagrant/backend.js';
import { loadLab } from '../topology/compile.js';
import { packageRoot } from '../topology/paths.js';

const lab = loadLab('three-node');
const work = mkdtempSync(join(tmpdir(), 'tracelab-contract-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const NODES = readFileSync(resolve(import.meta.dirname, 'fixtures', 'kubectl', 'get-nodes.json'), 'utf8');
const fakeKubectl: KubectlRunner = async (args) =>
  args.join(' ') === 'get nodes --output=json' ? { stdout: NODES, stderr: '', exitCode: 0 } : { stdout: '', stderr: 'not recorded\n', exitCode: 1 };

describe('the Backend interface', () => {
  it.each(BACKEND_NAMES)('%s has preflight, up, run, wait, status and down', (name) => {
    const backend = createBackend(name, { prefix: 'tlhe', stateDir: work });
    for (const method of ['preflight', 'up', 'run', 'wait', 'status', 'down'] as const) expect(typeof backend[method]).toBe('function');
  });
});

describe('sim', () => {
  it('needs nothing, reports whether its lab is up, and its wait is lab time', async () => {
    const sim = createSimBackend();
    expect(await sim.preflight()).toEqual({ ok: true, message: '' });
    expect(await sim.status()).toMatchObject({ up: false });
    await sim.up(lab);
    expect(await sim.status()).toEqual({ up: true, text: 'lab three-node on the simulator (seed 1), lab time 0 ms\n' });
    const before = Date.now();
    await sim.wait(60_000);
    expect(Date.now() - before).toBeLessThan(1_000);
    expect((await sim.status()).text).toContain('lab time 60000 ms');
    await expect(sim.run('node-9', 'true')).rejects.toThrow(UsageError);
  });
});

describe('netns', () => {
  const netns = createNetnsBackend({ prefix: 'tlhe', stateDir: work });
  it('checks root and tools as the namespace lab does', async () => {
    expect(await netns.preflight()).toEqual(netnsPreflight());
  });
  it('reports a missing lab without building one, and cannot wait without one', async () => {
    expect(await netns.status()).toEqual({ up: false, text: `no namespace lab with prefix tlhe (no record at ${work}/netns-tlhe.json)\n` });
    await expect(netns.wait(10)).rejects.toThrow(/no namespace lab with prefix tlhe is up/);
  });
});

describe('vagrant', () => {
  const opts = { vagrantDir: packageRoot(), stateDir: join(work, 'vagrant') };
  it('names the missing vagrant program and how to install it', async () => {
    expect(await createVagrantBackend({ ...opts, vagrantBinary: 'tracelab-no-such-vagrant' }).preflight()).toEqual({
      ok: false,
      message: 'tracelab-no-such-vagrant is not installed or not on PATH: install Vagrant (Debian/Ubuntu: apt-get install vagrant; others: https://developer.hashicorp.com/vagrant/install)',
    });
  });
  it('reports a lab that was never rendered, lets real time pass, and refuses places before up', async () => {
    const vagrant = createVagrantBackend(opts);
    expect(await vagrant.status()).toEqual({ up: false, text: `no vagrant lab rendered in ${opts.stateDir}: bring one up with \`tracelab lab up --backend vagrant\`\n` });
    const before = Date.now();
    await vagrant.wait(120);
    expect(Date.now() - before).toBeGreaterThanOrEqual(100);
    await expect(vagrant.run('node-1', 'true')).rejects.toThrow(/the vagrant backend has no lab: call up\(lab\) first/);
  });
});

describe('kubectl', () => {
  it('needs no kubectl program when given its own runner; names the program otherwise', async () => {
    expect(await createKubectlBackend({ kubectl: fakeKubectl }).preflight()).toEqual({ ok: true, message: '' });
    const path = process.env.PATH;
    process.env.PATH = work;
    try {
      expect((await createKubectlBackend().preflight()).message).toMatch(/^kubectl is not installed or not on PATH: install kubectl/);
    } finally {
      process.env.PATH = path;
    }
  });
  it('reports the cluster nodes, lets real time pass, and rejects unknown places', async () => {
    const kubectl = createKubectlBackend({ kubectl: fakeKubectl });
    const status = await kubectl.status();
    expect(status.text.split('\n')[0]).toMatch(/^NAME +ROLE +INTERNAL-IP +POD-CIDR +READY$/);
    expect(status.text).toMatch(/^node-1 +worker +192\.168\.56\.11 +10\.244\.1\.0\/24 +yes$/m);
    const before = Date.now();
    await kubectl.wait(120);
    expect(Date.now() - before).toBeGreaterThanOrEqual(100);
    await kubectl.up(lab);
    await expect(kubectl.run('node-9', 'true')).rejects.toThrow(/^unknown place "node-9"/);
  });
});
