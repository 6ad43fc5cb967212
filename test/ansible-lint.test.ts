// The playbook under the real tools: ansible-playbook --syntax-check / --list-hosts, ansible-lint --offline (production).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileLabText, loadLab } from '../topology/compile.js';
import { renderLabFiles, writeRenderedFiles } from '../lab/render.js';

const ROOT = resolve(import.meta.dirname, '..');
const PLAYBOOK = join(ROOT, 'ansible', 'site.yml');
const HAVE_ANSIBLE = spawnSync('ansible-playbook', ['--version'], { stdio: 'ignore' }).status === 0;
const HAVE_LINT = spawnSync('ansible-lint', ['--version'], { stdio: 'ignore' }).status === 0;
if (!HAVE_ANSIBLE) console.log('ansible-lint: skipping syntax checks: ansible is not installed (apt-get install ansible)');
if (!HAVE_LINT) console.log('ansible-lint: skipping the lint: ansible-lint is not installed (apt-get install ansible-lint)');

const ENV = { ...process.env, ANSIBLE_NOCOLOR: '1', NO_COLOR: '1' };
let dir = '';
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tracelab-ansible-lint-'));
  await writeRenderedFiles(join(dir, 'three'), renderLabFiles(loadLab('three-node'), 'ansible'));
  const wide = ['name: wide', 'cluster:', '  joinOrder: [controlplane, node-3, node-1, node-2]', 'nodes:', '  - { name: controlplane, role: control-plane, ip: 192.168.56.10 }'];
  for (let i = 1; i <= 3; i++) wide.push(`  - { name: node-${i}, ip: 192.168.56.${10 + i} }`);
  await writeRenderedFiles(join(dir, 'wide'), renderLabFiles(compileLabText('wide.yaml', `${wide.join('\n')}\n`), 'ansible'));
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!HAVE_ANSIBLE)('ansible-playbook on the rendered inventory', { timeout: 120_000 }, () => {
  it('passes --syntax-check', () => {
    const result = spawnSync('ansible-playbook', ['-i', join(dir, 'three', 'ansible', 'inventory.yml'), '--syntax-check', PLAYBOOK], { encoding: 'utf8', env: ENV });
    expect(result.status, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain(`playbook: ${PLAYBOOK}`);
  });

  it('runs the plays in order and joins workers in the model\'s join order', () => {
    const result = spawnSync('ansible-playbook', ['-i', join(dir, 'wide', 'ansible', 'inventory.yml'), '--list-hosts', PLAYBOOK], { encoding: 'utf8', env: ENV });
    expect(result.status, result.stdout + result.stderr).toBe(0);
    const plays = [...result.stdout.matchAll(/play #\d+ \(([^)]*)\): ([^\t\n]+)[^\n]*\n\s+pattern: [^\n]+\n\s+hosts \(\d+\):\n((?:\s{6}\S+\n?)+)/g)].map((m) => ({
      group: m[1],
      name: m[2]!.trim(),
      hosts: m[3]!.trim().split(/\s+/),
    }));
    expect(plays.map((p) => p.group)).toEqual(['all', 'control_plane', 'workers', 'control_plane']);
    // --list-hosts prints a set (any order); the play itself walks the group in inventory order, as `ansible` lists it.
    expect([...plays[2]!.hosts].sort()).toEqual(['node-1', 'node-2', 'node-3']);
    expect(plays[1]!.hosts).toEqual(['controlplane']);
    const workers = spawnSync('ansible', ['-i', join(dir, 'wide', 'ansible', 'inventory.yml'), 'workers', '--list-hosts'], { encoding: 'utf8', env: ENV });
    expect(workers.status, workers.stderr).toBe(0);
    expect(workers.stdout.trim().split(/\s+/)).toEqual(['hosts', '(3):', 'node-3', 'node-1', 'node-2']);
  });
});

describe.skipIf(!HAVE_ANSIBLE)('the order of the tasks that decide addresses', { timeout: 120_000 }, () => {
  it('pins CoreDNS before Flannel makes a node Ready, joins workers before Flannel, creates the pods last', () => {
    const result = spawnSync('ansible-playbook', ['-i', join(dir, 'three', 'ansible', 'inventory.yml'), '--list-tasks', PLAYBOOK], { encoding: 'utf8', env: ENV });
    expect(result.status, result.stdout + result.stderr).toBe(0);
    const tasks = [...result.stdout.matchAll(/^ {6}(\w+) : ([^\t\n]+)/gm)].map((m) => `${m[1]}: ${m[2]}`);
    const at = (task: string) => {
      const i = tasks.indexOf(task);
      expect(i, `${task} in\n${tasks.join('\n')}`).toBeGreaterThanOrEqual(0);
      return i;
    };
    expect(at('control_plane: Initialise the cluster with kubeadm')).toBeLessThan(at('control_plane: Pin CoreDNS to the node the model puts it on'));
    expect(at('control_plane: Pin CoreDNS to the node the model puts it on')).toBeLessThan(at('worker: Join the cluster'));
    expect(at('worker: Check the node got the model\'s pod subnet')).toBeLessThan(at('flannel: Apply the Flannel manifest'));
    expect(at('flannel: Wait for Flannel on every node')).toBeLessThan(at('lab_pods: Create the lab\'s pods in model order'));
  });
});

describe.skipIf(!HAVE_LINT)('ansible-lint', { timeout: 300_000 }, () => {
  it('passes --offline with the production profile', () => {
    const result = spawnSync('ansible-lint', ['--offline', '--profile', 'production', '--nocolor', 'site.yml', 'roles'], { cwd: join(ROOT, 'ansible'), encoding: 'utf8', env: ENV });
    const output = result.stdout + result.stderr;
    expect(result.status, output).toBe(0);
    expect(output).toMatch(/Passed with production profile: 0 failure\(s\), 0 warning\(s\)/);
  });
});
