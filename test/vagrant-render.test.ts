// The Vagrant rendering of the model, and the real Vagrantfile checked by the real `vagrant validate`.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { compileLabText, loadLab } from '../topology/compile.js';
import { UsageError } from '../lab/backend.js';
import { hostOnlyRangesFrom, realLabFacts } from '../lab/render-facts.js';
import { renderVagrantJson, vagrantLabJson } from '../lab/render-vagrant.js';
import { renderLabFiles, writeRenderedFiles } from '../lab/render.js';

const ROOT = resolve(import.meta.dirname, '..');

function hasTool(tool: string): boolean {
  return spawnSync(tool, ['--version'], { stdio: 'ignore' }).status === 0;
}
const HAVE_VAGRANT = hasTool('vagrant');
if (!HAVE_VAGRANT) console.log('vagrant-render: skipping vagrant validate tests: vagrant is not installed (apt-get install vagrant)');
if (!existsSync(join(ROOT, 'dist', 'cli', 'bin.js'))) console.log('vagrant-render: skipping the Vagrantfile\'s own rendering: dist/cli/bin.js is not built (npm run build)');

/** A lab with `workers` workers on 192.168.56.0/24 (or another host-only network). */
function labWithWorkers(workers: number, network = '192.168.56'): string {
  const nodes = [`  - name: controlplane\n    role: control-plane\n    ip: ${network}.10`];
  for (let i = 1; i <= workers; i++) nodes.push(`  - name: node-${i}\n    ip: ${network}.${10 + i}`);
  return `name: wide\nhostOnly:\n  network: ${network}.0/24\n  host: ${network}.1\nvm:\n  cpus: 4\n  memory: 4096\n  box: generic/debian12\nnodes:\n${nodes.join('\n')}\n`;
}

const temps: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tracelab-vagrant-render-'));
  temps.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

describe('renderVagrantJson', () => {
  it('renders the three-node lab: names, eth1 addresses, sizes, box, interface names', () => {
    const json = JSON.parse(renderVagrantJson(loadLab('three-node')));
    expect(json.format).toBe('tracelab-vagrant/1');
    expect(json.box).toBe('bento/debian-12');
    expect(json.hostOnly).toEqual({ network: '192.168.56.0/24', hostIp: '192.168.56.1', iface: 'eth1', netmask: '255.255.255.0', allowedRanges: ['192.168.56.0/21'] });
    expect(json.natIface).toBe('eth0');
    expect(json.machines.map((m: { name: string; ip: string }) => `${m.name}=${m.ip}`)).toEqual([
      'controlplane=192.168.56.10',
      'node-1=192.168.56.11',
      'node-2=192.168.56.12',
    ]);
    expect(json.machines.every((m: { cpus: number; memoryMiB: number }) => m.cpus === 2 && m.memoryMiB === 2048)).toBe(true);
    // Ansible runs once, from the last machine to boot.
    expect(json.machines.map((m: { provision: boolean }) => m.provision)).toEqual([false, false, true]);
    expect(json.ansible).toEqual({ playbook: 'ansible/site.yml', inventory: '.tracelab/ansible/inventory.yml' });
  });

  it('renders any number of workers with the lab file sizes and box', () => {
    const json = vagrantLabJson(compileLabText('wide.yaml', labWithWorkers(7)));
    expect(json.machines).toHaveLength(8);
    expect(json.machines[7]).toEqual({ name: 'node-7', role: 'worker', ip: '192.168.56.17', cpus: 4, memoryMiB: 4096, provision: true });
    expect(json.box).toBe('generic/debian12');
  });

  it('follows the join order, not the file order', () => {
    const text = labWithWorkers(2).replace('nodes:\n', 'cluster:\n  joinOrder: [controlplane, node-2, node-1]\nnodes:\n');
    const facts = realLabFacts(compileLabText('swapped.yaml', text));
    expect(facts.joinOrder).toEqual(['controlplane', 'node-2', 'node-1']);
    expect(facts.nodes.map((n) => `${n.name}:${n.podSubnet}`)).toEqual(['controlplane:10.244.0.0/24', 'node-2:10.244.1.0/24', 'node-1:10.244.2.0/24']);
  });

  it('refuses host-only addresses outside 192.168.56.0/21 and explains VirtualBox\'s rule', () => {
    const lab = compileLabText('ten.yaml', labWithWorkers(2, '10.77.0'));
    expect(() => renderVagrantJson(lab)).toThrow(UsageError);
    expect(() => renderVagrantJson(lab)).toThrow(/VirtualBox >= 6\.1\.28 .*192\.168\.56\.0\/21.*\/etc\/vbox\/networks\.conf/);
    // Allowed once networks.conf lists the range.
    const allowed = hostOnlyRangesFrom('# VirtualBox host-only ranges\n* 10.0.0.0/8 192.168.0.0/16\n');
    expect(allowed).toEqual(['10.0.0.0/8', '192.168.0.0/16']);
    expect(JSON.parse(renderVagrantJson(lab, { allowedRanges: allowed })).machines[0].ip).toBe('10.77.0.10');
    // 192.168.63.x is still inside the /21; 192.168.64.x is not.
    expect(() => renderVagrantJson(compileLabText('edge.yaml', labWithWorkers(1, '192.168.63')))).not.toThrow();
    expect(() => renderVagrantJson(compileLabText('edge.yaml', labWithWorkers(1, '192.168.64')))).toThrow(/192\.168\.64\.1 is outside/);
  });

  it('writes vagrant.json and the Ansible files under the render directory', async () => {
    const dir = tempDir();
    const files = renderLabFiles(loadLab('three-node'), 'vagrant', { vagrantDir: '/srv/lab' });
    expect(files.map((f) => f.path)).toEqual(['vagrant.json', 'ansible/inventory.yml', 'ansible/group_vars/all.yml']);
    const written = await writeRenderedFiles(dir, files);
    expect(written).toEqual(files.map((f) => join(dir, f.path)));
    const inventory = parse(readFileSync(join(dir, 'ansible/inventory.yml'), 'utf8'));
    expect(inventory.all.children.control_plane.hosts.controlplane.ansible_ssh_private_key_file).toBe('/srv/lab/.vagrant/machines/controlplane/virtualbox/private_key');
    expect(renderLabFiles(loadLab('three-node'), 'ansible').map((f) => f.path)).toEqual(['ansible/inventory.yml', 'ansible/group_vars/all.yml']);
  });

  it('keeps every address out of the Vagrantfile', () => {
    const text = readFileSync(join(ROOT, 'Vagrantfile'), 'utf8');
    const withoutComments = text.split('\n').filter((l) => !/^\s*#/.test(l)).join('\n');
    expect(withoutComments).not.toMatch(/\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b/);
  });
});

describe.skipIf(!HAVE_VAGRANT)('the real Vagrantfile under vagrant validate', { timeout: 120_000 }, () => {
  function validate(json: string): { status: number; out: string } {
    const dir = tempDir();
    writeFileSync(join(dir, 'vagrant.json'), json);
    const result = spawnSync('vagrant', ['validate', '--ignore-provider'], {
      cwd: dir,
      env: { ...process.env, VAGRANT_CWD: ROOT, TRACELAB_VAGRANT_JSON: join(dir, 'vagrant.json'), VAGRANT_CHECKPOINT_DISABLE: '1', VAGRANT_DOTFILE_PATH: join(dir, '.vagrant') },
      encoding: 'utf8',
    });
    return { status: result.status ?? 1, out: `${result.stdout}${result.stderr}` };
  }

  it('validates the three-node rendering', () => {
    const result = validate(renderVagrantJson(loadLab('three-node')));
    expect(result.out).toContain('Vagrantfile validated successfully.');
    expect(result.out).toContain('==> node-2: Ignoring provider config for validation...');
    expect(result.status).toBe(0);
  });

  it('validates a lab with eight workers', () => {
    const result = validate(renderVagrantJson(compileLabText('wide.yaml', labWithWorkers(8))));
    expect(result.out).toContain('==> node-8: Ignoring provider config for validation...');
    expect(result.status).toBe(0);
  });

  it('refuses a host-only address outside the allowed ranges with VirtualBox\'s rule', () => {
    const json = JSON.parse(renderVagrantJson(loadLab('three-node')));
    json.machines[2].ip = '10.10.0.12';
    const result = validate(JSON.stringify(json));
    expect(result.status).not.toBe(0);
    expect(result.out).toContain('tracelab: host-only address 10.10.0.12 is outside the ranges VirtualBox allows (192.168.56.0/21)');
    expect(result.out).toContain('/etc/vbox/networks.conf');
  });

  it('says how to render when the JSON is missing', () => {
    const dir = tempDir();
    const result = spawnSync('vagrant', ['validate', '--ignore-provider'], {
      cwd: dir,
      env: { ...process.env, VAGRANT_CWD: ROOT, TRACELAB_VAGRANT_JSON: join(dir, 'absent', 'vagrant.json'), TRACELAB_AUTO_RENDER: '0', VAGRANT_CHECKPOINT_DISABLE: '1', VAGRANT_DOTFILE_PATH: join(dir, '.vagrant') },
      encoding: 'utf8',
    });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/is missing\. Run `tracelab lab render --backend vagrant/);
  });

  const CLI = join(ROOT, 'dist', 'cli', 'bin.js');
  it.skipIf(!existsSync(CLI))('renders the model itself with the built CLI when the JSON is missing', () => {
    const dir = tempDir();
    const json = join(dir, 'auto', 'vagrant.json');
    const result = spawnSync('vagrant', ['validate', '--ignore-provider'], {
      cwd: dir,
      env: { ...process.env, VAGRANT_CWD: ROOT, TRACELAB_VAGRANT_JSON: json, TRACELAB_LAB: 'three-node', VAGRANT_CHECKPOINT_DISABLE: '1', VAGRANT_DOTFILE_PATH: join(dir, '.vagrant') },
      encoding: 'utf8',
    });
    expect(result.status, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain('Vagrantfile validated successfully.');
    const rendered = JSON.parse(readFileSync(json, 'utf8'));
    expect(rendered.machines.map((m: { name: string }) => m.name)).toEqual(['controlplane', 'node-1', 'node-2']);
    expect(rendered.ansible.inventory).toBe(join(dir, 'auto', 'ansible', 'inventory.yml'));
  });

  it('is valid Ruby', () => {
    expect(execFileSync('ruby', ['-c', join(ROOT, 'Vagrantfile')], { encoding: 'utf8' })).toContain('Syntax OK');
  });
});
