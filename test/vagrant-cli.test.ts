// The vagrant wrapper and backend against the real vagrant binary, with a dummy provider plugin instead of VirtualBox.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileLabText, loadLab } from '../topology/compile.js';
import { main } from '../cli/main.js';
import { loadScenarios } from '../lab/scenario/index.js';
import { vagrantDownAction, vagrantStatusAction, vagrantUpAction } from '../lab/vagrant/actions.js';
import { UsageError } from '../lab/backend.js';
import { VagrantCli, upProgressOf } from '../lab/vagrant/cli.js';
import { createVagrantBackend, type VagrantBackendOptions } from '../lab/vagrant/backend.js';
import { explainVagrantError, machineStatuses, parseMachineReadable, parseSshConfig, unescapeMachineReadable, vagrantError } from '../lab/vagrant/parse.js';
import { renderVagrantJson } from '../lab/render-vagrant.js';
import { renderGroupVars } from '../lab/render-ansible.js';

const ROOT = resolve(import.meta.dirname, '..');
const HAVE_VAGRANT = spawnSync('vagrant', ['--version'], { stdio: 'ignore' }).status === 0;
const HAVE_KUBECTL = spawnSync('kubectl', ['version', '--client'], { stdio: 'ignore' }).status === 0;
if (!HAVE_VAGRANT) console.log('vagrant-cli: skipping the real-CLI tests: vagrant is not installed (apt-get install vagrant)');
else if (!HAVE_KUBECTL) console.log('vagrant-cli: skipping the pod-command test: kubectl is not installed');

describe('machine-readable and ssh-config parsing', () => {
  it('unescapes commas and newlines', () => {
    expect(unescapeMachineReadable('VM%!(VAGRANT_COMMA) run\\nnext')).toBe('VM, run\nnext');
    const lines = parseMachineReadable('1795431725,node-1,state,running\n1795431725,,ui,info,a%!(VAGRANT_COMMA)b\\nc\nnot a line\n');
    expect(lines).toEqual([
      { timestamp: 1795431725, target: 'node-1', type: 'state', data: ['running'] },
      { timestamp: 1795431725, target: '', type: 'ui', data: ['info', 'a,b\nc'] },
    ]);
  });

  it('reads generic ssh-config keys per host', () => {
    const hosts = parseSshConfig('Host a\n  HostName 127.0.0.1\n  Port 2222\n  IdentityFile "/k 1"\n  IdentityFile /k2\n\nHost b\n  User vagrant\n');
    expect(hosts).toEqual([
      { host: 'a', options: { HostName: '127.0.0.1', Port: '2222', IdentityFile: '/k 1' } },
      { host: 'b', options: { User: 'vagrant' } },
    ]);
  });

  it('turns error-exit lines into one line with the fix', () => {
    const out = '1,,error-exit,Vagrant::Errors::ProviderNotUsable,The provider \'virtualbox\' ... isn\'t usable\\n\\nVagrant could not detect VirtualBox! Make sure\n';
    const error = vagrantError(out, '')!;
    expect(error.kind).toBe('Vagrant::Errors::ProviderNotUsable');
    expect(explainVagrantError(error)).toMatch(/^VirtualBox is not usable here .*install VirtualBox/);
    // Vagrant 2.3.4's VirtualBoxInvalidHostSubnet as --machine-readable prints it (templates/locales/en.yml).
    const refused = vagrantError(
      '1,,error-exit,Vagrant::Errors::VirtualBoxInvalidHostSubnet,The IP address configured for the host-only network is not within the\\nallowed ranges. Please update the address used to be within the allowed\\nranges and run the command again.\\n\\n  Address: 10.20.0.1\\n  Ranges: 192.168.56.0/21\\n\\nValid ranges can be modified in the /etc/vbox/networks.conf file. For\\nmore information including valid format see:\\n\\n  https://www.virtualbox.org/manual/ch06.html#network_hostonly\n',
      '',
    )!;
    expect(explainVagrantError(refused)).toBe(
      'VirtualBox refused the host-only address 10.20.0.1 (allowed: 192.168.56.0/21): VirtualBox >= 6.1.28 allows only 192.168.56.0/21 unless ' +
        '/etc/vbox/networks.conf lists the range; use 192.168.56.0/21 in the lab file or add "* <range>" to /etc/vbox/networks.conf',
    );
  });

  it('maps machine-readable ui lines to per-machine progress', () => {
    expect(upProgressOf('1,controlplane,ui,info,==> controlplane: Booting VM...')).toEqual({ machine: 'controlplane', message: 'Booting VM...' });
    expect(upProgressOf('1,node-1,action,up,end')).toEqual({ machine: 'node-1', message: 'up done' });
    expect(upProgressOf('1,,ui,info,Bringing machine \'x\' up')).toBeUndefined();
  });
});

describe.skipIf(!HAVE_VAGRANT)('the real vagrant CLI with a dummy provider', { timeout: 180_000 }, () => {
  let dir = '';
  let env: Record<string, string> = {};
  const lab = loadLab('three-node');
  const THREE_NODE = readFileSync(join(ROOT, 'topology', 'labs', 'three-node.yaml'), 'utf8');
  /** A model-level fault: Flannel without --iface, stopped on node-1. */
  const faulty = compileLabText('faulty.yaml', THREE_NODE.replace('    iface: eth1\n', '    iface: null\n    stopped: [node-1]\n'));

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tracelab-vagrant-cli-'));
    copyFileSync(join(ROOT, 'test', 'fixtures', 'vagrant', 'Vagrantfile'), join(dir, 'Vagrantfile'));
    env = {
      VAGRANT_HOME: join(dir, 'home'),
      TRACELAB_REAL_VAGRANTFILE: join(ROOT, 'Vagrantfile'),
      TRACELAB_AUTO_RENDER: '0',
    };
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  // The dummy runs node commands on this host: never save or restore its network state (vagrant-node-state tests that in namespaces).
  const backendOpts = (): VagrantBackendOptions => ({ vagrantDir: dir, provider: 'tracelab_dummy', env, become: false, restoreNodes: false });
  const cli = () => new VagrantCli({ cwd: dir, env: { ...env, TRACELAB_VAGRANT_JSON: join(dir, '.tracelab', 'vagrant.json'), VAGRANT_DEFAULT_PROVIDER: 'tracelab_dummy' } });
  /** How often the dummy provider provisioned each machine (the real provisioners need a reachable VM). */
  const provisioned = () =>
    ['controlplane', 'node-1', 'node-2'].map((m) => {
      const file = join(dir, '.vagrant', 'machines', m, 'tracelab_dummy', 'dummy_provisioned');
      return existsSync(file) ? Number(readFileSync(file, 'utf8')) : 0;
    });
  const groupVarsOnDisk = () => readFileSync(join(dir, '.tracelab', 'ansible', 'group_vars', 'all.yml'), 'utf8');

  it('brings the lab up with progress per machine, provisions each once, then reports every machine running', async () => {
    const progress: string[] = [];
    await createVagrantBackend(backendOpts()).up(lab, { progress: (line) => progress.push(line) });
    expect(JSON.parse(readFileSync(join(dir, '.tracelab', 'vagrant.json'), 'utf8'))).toEqual(JSON.parse(renderVagrantJson(lab, { renderDir: join(dir, '.tracelab') })));
    expect(groupVarsOnDisk()).toBe(renderGroupVars(lab));
    for (const machine of ['controlplane', 'node-1', 'node-2']) {
      expect(progress).toContain(`${machine}: Booting dummy VM...`);
      expect(progress).toContain(`${machine}: Running provisioners (dummy)...`);
      expect(progress).toContain(`${machine}: up done`);
    }
    expect(provisioned()).toEqual([1, 1, 1]);
    const statuses = await cli().status();
    expect(statuses.map((s) => [s.name, s.state, s.provider])).toEqual([
      ['controlplane', 'running', 'tracelab_dummy'],
      ['node-1', 'running', 'tracelab_dummy'],
      ['node-2', 'running', 'tracelab_dummy'],
    ]);
    expect(statuses[0]!.stateLong).toBe('The dummy machine is running.');
  });

  it('attaches to a running lab without provisioning again, and its down keeps the VMs', async () => {
    const progress: string[] = [];
    const backend = createVagrantBackend(backendOpts());
    await backend.up(lab, { progress: (line) => progress.push(line) });
    expect(progress[0]).toBe('the lab exists: attaching');
    expect(progress).toContain('node-2: Machine already provisioned.');
    await backend.down();
    expect(provisioned()).toEqual([1, 1, 1]);
    expect((await cli().status()).map((s) => s.state)).toEqual(['running', 'running', 'running']);
  });

  it('applies a model-level fault by provisioning the running VMs with the new variables, and down restores the model', async () => {
    const progress: string[] = [];
    const backend = createVagrantBackend(backendOpts());
    await backend.up(faulty, { progress: (line) => progress.push(line) });
    expect(progress[0]).toBe('the lab exists; the model changed: provisioning again with Ansible');
    expect(provisioned()).toEqual([2, 2, 2]);
    expect(groupVarsOnDisk()).toMatch(/^tracelab_flannel_iface: null$/m);
    expect(groupVarsOnDisk()).toMatch(/^tracelab_flannel_stopped:\n {2}- node-1$/m);
    await backend.down();
    expect(groupVarsOnDisk()).toBe(renderGroupVars(lab));
    expect(provisioned()).toEqual([3, 3, 3]);
    expect((await cli().status()).map((s) => s.state)).toEqual(['running', 'running', 'running']);
  });

  it('refuses a model the running lab cannot take (join order, pod subnets) and leaves the rendered files alone', async () => {
    // The library's scenario: node-2 joined before node-1, so their pod subnets are swapped.
    const swapped = loadScenarios([join(ROOT, 'scenarios', 'nodes-joined-out-of-order.yaml')])[0]!.lab;
    const json = readFileSync(join(dir, '.tracelab', 'vagrant.json'), 'utf8');
    await expect(createVagrantBackend(backendOpts()).up(swapped)).rejects.toThrow(
      /^lab three-node changes the machines, their addresses, pod subnets or join order \(vagrant\.json, ansible\/inventory\.yml\), which the running lab cannot take: destroy it \(`tracelab lab down --backend vagrant`\)/,
    );
    expect(readFileSync(join(dir, '.tracelab', 'vagrant.json'), 'utf8')).toBe(json);
    expect(groupVarsOnDisk()).toBe(renderGroupVars(lab));
    expect(provisioned()).toEqual([3, 3, 3]);
  });

  it('parses ssh-config from the real CLI', async () => {
    const host = await cli().sshConfig('node-1');
    expect(host.host).toBe('node-1');
    expect(host.options['HostName']).toBe('127.0.0.1');
    expect(host.options['User']).toBe('vagrant');
    expect(host.options['Port']).toBe('2201');
    expect(host.options['IdentityFile']).toBe(join(dir, '.vagrant', 'machines', 'node-1', 'tracelab_dummy', 'private_key'));
  });

  it('runs a command on a node through vagrant ssh -c, keeping stdout, stderr and the exit code apart', async () => {
    const backend = createVagrantBackend(backendOpts());
    await backend.up(lab);
    const result = await backend.run('node-2', "printf 'a,b\\n'; echo oops >&2; exit 3");
    expect(result).toEqual({ stdout: 'a,b\n', stderr: 'oops\n', exitCode: 3 });
    await expect(backend.run('nowhere', 'true')).rejects.toThrow(/unknown place "nowhere"/);
    await expect(backend.run('external-api.example.com', 'true')).rejects.toThrow(UsageError);
  });

  it.skipIf(!HAVE_KUBECTL)('runs a pod command with kubectl on the control plane through vagrant ssh, and reports kubectl\'s failure', async () => {
    // The dummy's `ssh -c` runs the real kubectl here, pointed at a cluster nobody serves.
    const kubeconfig = join(dir, 'dead-kubeconfig');
    writeFileSync(kubeconfig, 'apiVersion: v1\nkind: Config\nclusters:\n- cluster: {server: "https://127.0.0.1:1"}\n  name: dead\ncontexts:\n- context: {cluster: dead, user: u}\n  name: dead\ncurrent-context: dead\nusers:\n- name: u\n  user: {token: x}\n');
    const backend = createVagrantBackend({ ...backendOpts(), kubectlAt: 'remote', env: { ...env, KUBECONFIG: kubeconfig } });
    await backend.up(lab);
    await expect(backend.run('node-2/traceroute', 'traceroute -n 10.244.1.3')).rejects.toThrow(
      /^kubectl cannot reach the cluster \(The connection to the server 127\.0\.0\.1:1 was refused/,
    );
  });

  it('prints one line per machine for `lab status`, exit 0 when all run', async () => {
    const out: string[] = [];
    expect(await vagrantStatusAction({}, (t) => out.push(t), backendOpts())).toBe(0);
    expect(out.join('')).toBe('controlplane  running       tracelab_dummy\nnode-1        running       tracelab_dummy\nnode-2        running       tracelab_dummy\n');
  });

  it('says a stopped VM is not running, with the fix', async () => {
    const halted = spawnSync('vagrant', ['halt', 'node-1'], { cwd: dir, env: { ...process.env, ...env, VAGRANT_CWD: dir, TRACELAB_VAGRANT_JSON: join(dir, '.tracelab', 'vagrant.json'), VAGRANT_DEFAULT_PROVIDER: 'tracelab_dummy' } });
    expect(halted.status).toBe(0);
    const statuses = await cli().status(['node-1']);
    expect(statuses).toEqual([{ name: 'node-1', provider: 'tracelab_dummy', state: 'poweroff', stateShort: 'poweroff', stateLong: 'The dummy machine is powered off.' }]);
    await expect(cli().sshConfig('node-1')).rejects.toThrow(/^VM node-1 is not running: start it with `vagrant up node-1`/);
    await expect(cli().ssh('node-1', 'true')).rejects.toThrow(UsageError);
    await expect(cli().ssh('node-1', 'true')).rejects.toThrow(/VM node-1 is not running/);
    const out: string[] = [];
    expect(await vagrantStatusAction({}, (t) => out.push(t), backendOpts())).toBe(1);
    expect(out.join('')).toContain('node-1        poweroff      tracelab_dummy\n');
  });

  it('a backend that finds a VM stopped boots it with vagrant up, without provisioning, and keeps the VMs on down', async () => {
    const backend = createVagrantBackend(backendOpts());
    const progress: string[] = [];
    await backend.up(lab, { progress: (line) => progress.push(line) });
    expect(progress[0]).toBe('the lab exists: attaching');
    expect(progress).toContain('node-1: Booting dummy VM...');
    expect(progress).not.toContain('controlplane: Booting dummy VM...');
    await backend.down();
    expect(provisioned()).toEqual([3, 3, 3]);
    expect((await cli().status()).map((s) => s.state)).toEqual(['running', 'running', 'running']);
  });

  it('names a machine that is not in the lab', async () => {
    await expect(cli().status(['nosuch'])).rejects.toThrow(/^no machine nosuch in this lab's Vagrantfile: The machine with the name 'nosuch' was not found/);
  });

  it('`lab up` and `lab down` actions: progress, a summary, and exactly the lab\'s machines destroyed', async () => {
    const out: string[] = [];
    expect(await vagrantUpAction({}, (t) => out.push(t), backendOpts())).toBe(0);
    expect(out.join('')).toMatch(/^the lab exists: attaching\n[^]*^lab three-node is up: controlplane, node-1, node-2 \([\d.]+ min\)\. Try:\n {2}tracelab scenario run --backend vagrant\n/m);
    out.length = 0;
    expect(await vagrantDownAction({}, (t) => out.push(t), backendOpts())).toBe(0);
    expect(out.join('')).toBe('destroyed controlplane, node-1, node-2\n');
    expect((await cli().status()).map((s) => s.state)).toEqual(['not_created', 'not_created', 'not_created']);
    await expect(cli().ssh('node-2', 'true')).rejects.toThrow(/^VM node-2 is not created: run `tracelab lab up --backend vagrant` first/);
  });

  it('a backend that creates the VMs owns them: its down destroys exactly the lab\'s machines', async () => {
    const backend = createVagrantBackend(backendOpts());
    const progress: string[] = [];
    await backend.up(lab, { progress: (line) => progress.push(line) });
    expect(progress).not.toContain('the lab exists: attaching');
    expect(progress).toContain('controlplane: Booting dummy VM...');
    expect((await cli().status()).map((s) => s.state)).toEqual(['running', 'running', 'running']);
    await backend.down();
    expect((await cli().status()).map((s) => s.state)).toEqual(['not_created', 'not_created', 'not_created']);
  });

  it('explains a missing VirtualBox from the real CLI', async () => {
    const hasVBox = spawnSync('VBoxManage', ['--version'], { stdio: 'ignore' }).status === 0;
    if (hasVBox) return; // only meaningful where VirtualBox is absent
    const real = new VagrantCli({ cwd: dir, env: { ...env, TRACELAB_VAGRANT_JSON: join(dir, '.tracelab', 'vagrant.json') } });
    await expect(real.up(['controlplane'], { provider: 'virtualbox' })).rejects.toThrow(/^VirtualBox is not usable here \(vagrant cannot find VBoxManage\)/);
  });

  it('says where the Vagrantfile is missing', () => {
    expect(() => createVagrantBackend({ vagrantDir: join(dir, 'home') })).toThrow(/^no Vagrantfile in .*home: run tracelab from a checkout of its repository/);
  });

  it('says how to install vagrant when the binary is missing', async () => {
    const missing = new VagrantCli({ cwd: dir, binary: join(dir, 'no-such-vagrant') });
    await expect(missing.status()).rejects.toThrow(/no-such-vagrant is not installed or not on PATH: install Vagrant/);
  });

  it('reads statuses even when a provider adds its own states', () => {
    const lines = parseMachineReadable('1,a,metadata,provider,libvirt\n1,a,provider-name,libvirt\n1,a,state,shutoff\n1,a,state-human-short,shutoff\n');
    expect(machineStatuses(lines)).toEqual([{ name: 'a', provider: 'libvirt', state: 'shutoff', stateShort: 'shutoff', stateLong: '' }]);
  });
});

/** Runs the CLI in-process and captures what it prints. */
async function runCli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const writeOut = process.stdout.write.bind(process.stdout);
  const writeErr = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((chunk: string) => (out.push(String(chunk)), true)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string) => (err.push(String(chunk)), true)) as typeof process.stderr.write;
  try {
    const code = await main(argv);
    return { code, stdout: out.join(''), stderr: err.join('') };
  } finally {
    process.stdout.write = writeOut;
    process.stderr.write = writeErr;
  }
}

describe.skipIf(!HAVE_VAGRANT)('tracelab lab ... --backend vagrant on the repository\'s Vagrantfile (no VirtualBox here)', { timeout: 180_000 }, () => {
  let dir = '';
  const saved = { ...process.env };
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tracelab-vagrant-lab-'));
    // Keep vagrant's machine data and boxes out of the checkout and the user's home.
    process.env['VAGRANT_DOTFILE_PATH'] = join(dir, '.vagrant');
    process.env['VAGRANT_HOME'] = join(dir, 'home');
  });
  afterAll(() => {
    for (const key of ['VAGRANT_DOTFILE_PATH', 'VAGRANT_HOME']) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('lab render --backend vagrant writes the JSON and the Ansible files and prints their paths', async () => {
    const r = await runCli(['lab', 'render', '--backend', 'vagrant', '--out', join(dir, 'r')]);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')).toEqual([join(dir, 'r', 'vagrant.json'), join(dir, 'r', 'ansible', 'inventory.yml'), join(dir, 'r', 'ansible', 'group_vars', 'all.yml'), '']);
    const json = JSON.parse(readFileSync(join(dir, 'r', 'vagrant.json'), 'utf8'));
    expect(json.ansible.inventory).toBe(join(dir, 'r', 'ansible', 'inventory.yml'));
    const ansible = await runCli(['lab', 'render', '--backend', 'ansible', '--out', join(dir, 'a')]);
    expect(ansible.stdout.split('\n')).toEqual([join(dir, 'a', 'ansible', 'inventory.yml'), join(dir, 'a', 'ansible', 'group_vars', 'all.yml'), '']);
  });

  it('lab up refuses a host-only network outside 192.168.56.0/21 before calling vagrant, explaining VirtualBox\'s rule', async () => {
    const labFile = join(dir, 'ten.yaml');
    writeFileSync(labFile, 'name: ten\nhostOnly:\n  network: 10.20.0.0/24\n  host: 10.20.0.1\nnodes:\n  - { name: cp, role: control-plane, ip: 10.20.0.10 }\n  - { name: w1, ip: 10.20.0.11 }\n');
    const r = await runCli(['lab', 'up', '--backend', 'vagrant', '--lab', labFile, '--state-dir', join(dir, 'ten')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^tracelab: host-only host address 10\.20\.0\.1 is outside the host-only ranges VirtualBox allows \(192\.168\.56\.0\/21\): VirtualBox >= 6\.1\.28 refuses .*\/etc\/vbox\/networks\.conf\n$/);
    expect(existsSync(join(dir, 'ten'))).toBe(false);
  });

  it('lab up renders, then stops at the provider with one line saying how to install VirtualBox', async () => {
    if (spawnSync('VBoxManage', ['--version'], { stdio: 'ignore' }).status === 0) return; // VirtualBox present: up would really run
    const r = await runCli(['lab', 'up', '--backend', 'vagrant', '--state-dir', join(dir, 'up')]);
    expect(r.stderr).toMatch(/^tracelab: VirtualBox is not usable here \(vagrant cannot find VBoxManage\): install VirtualBox from https:\/\/www\.virtualbox\.org\S* and make sure VBoxManage is on PATH\n$/);
    expect(r.code).toBe(2);
    expect(existsSync(join(dir, 'up', 'vagrant.json'))).toBe(true);
    expect(existsSync(join(dir, 'up', 'ansible', 'group_vars', 'all.yml'))).toBe(true);
    const status = await runCli(['lab', 'status', '--backend', 'vagrant', '--state-dir', join(dir, 'up')]);
    expect(status.code).toBe(2);
    expect(status.stderr).toMatch(/^tracelab: VirtualBox is not usable here/);
  });

  it('lab status and down on a lab never rendered say so', async () => {
    const status = await runCli(['lab', 'status', '--backend', 'vagrant', '--state-dir', join(dir, 'none')]);
    expect(status).toEqual({ code: 1, stdout: `no vagrant lab rendered in ${join(dir, 'none')}: bring one up with \`tracelab lab up --backend vagrant\`\n`, stderr: '' });
    const down = await runCli(['lab', 'down', '--backend', 'vagrant', '--state-dir', join(dir, 'none')]);
    expect(down).toEqual({ code: 0, stdout: `no vagrant lab rendered in ${join(dir, 'none')}: nothing to destroy\n`, stderr: '' });
  });

  it('refuses actions a backend does not have, and lab without --backend', async () => {
    expect(await runCli(['lab', 'import', '--backend', 'vagrant'])).toMatchObject({ code: 2, stderr: 'tracelab: backend vagrant has no "lab import"; its actions: up, status, down, box, render\n' });
    expect(await runCli(['lab', 'up'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/^tracelab: lab up needs --backend \(netns, vagrant, ansible, kubectl\)\n$/) });
    expect(await runCli(['lab', 'up', '--backend', 'ansible'])).toMatchObject({ code: 2, stderr: 'tracelab: backend ansible has no "lab up"; its actions: render\n' });
  });
});
