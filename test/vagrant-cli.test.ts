// The vagrant wrapper and backend against the real vagrant binary, with a dummy provider plugin instead of VirtualBox.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadLab } from '../topology/compile.js';
import { UsageError } from '../lab/backend.js';
import { VagrantCli, upProgressOf } from '../lab/vagrant/cli.js';
import { createVagrantBackend, type VagrantBackendOptions } from '../lab/vagrant/backend.js';
import { explainVagrantError, machineStatuses, parseMachineReadable, parseSshConfig, unescapeMachineReadable, vagrantError } from '../lab/vagrant/parse.js';
import { renderVagrantJson } from '../lab/render-vagrant.js';

const ROOT = resolve(import.meta.dirname, '..');
const HAVE_VAGRANT = spawnSync('vagrant', ['--version'], { stdio: 'ignore' }).status === 0;
if (!HAVE_VAGRANT) console.log('vagrant-cli: skipping the real-CLI tests: vagrant is not installed (apt-get install vagrant)');

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
    const range = { kind: 'Vagrant::Errors::NetworkAddressInvalid', message: 'The IP address configured for the host-only network is not within the\nallowed ranges. Valid ranges can be modified in /etc/vbox/networks.conf' };
    expect(explainVagrantError(range)).toMatch(/VirtualBox refused the host-only range: .*192\.168\.56\.0\/21/);
  });

  it('maps machine-readable ui lines to per-machine progress', () => {
    expect(upProgressOf('1,controlplane,ui,info,==> controlplane: Booting VM...')).toEqual({ machine: 'controlplane', message: 'Booting VM...' });
    expect(upProgressOf('1,node-1,action,up,end')).toEqual({ machine: 'node-1', message: 'up done' });
    expect(upProgressOf('1,,ui,info,Bringing machine \'x\' up')).toBeUndefined();
  });
});

describe.skipIf(!HAVE_VAGRANT)('the real vagrant CLI with a dummy provider', { timeout: 120_000 }, () => {
  let dir = '';
  let env: Record<string, string> = {};
  const lab = loadLab('three-node');

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

  const backendOpts = (): VagrantBackendOptions => ({ vagrantDir: dir, provider: 'tracelab_dummy', env, become: false });
  const cli = () => new VagrantCli({ cwd: dir, env: { ...env, TRACELAB_VAGRANT_JSON: join(dir, '.tracelab', 'vagrant.json'), VAGRANT_DEFAULT_PROVIDER: 'tracelab_dummy' } });

  it('brings the lab up with progress per machine, then reports every machine running', async () => {
    const progress: string[] = [];
    await createVagrantBackend(backendOpts()).up(lab, { progress: (line) => progress.push(line) });
    expect(JSON.parse(readFileSync(join(dir, '.tracelab', 'vagrant.json'), 'utf8'))).toEqual(JSON.parse(renderVagrantJson(lab, { renderDir: join(dir, '.tracelab') })));
    expect(existsSync(join(dir, '.tracelab', 'ansible', 'group_vars', 'all.yml'))).toBe(true);
    for (const machine of ['controlplane', 'node-1', 'node-2']) {
      expect(progress).toContain(`${machine}: Booting dummy VM...`);
      expect(progress).toContain(`${machine}: up done`);
    }
    const statuses = await cli().status();
    expect(statuses.map((s) => [s.name, s.state, s.provider])).toEqual([
      ['controlplane', 'running', 'tracelab_dummy'],
      ['node-1', 'running', 'tracelab_dummy'],
      ['node-2', 'running', 'tracelab_dummy'],
    ]);
    expect(statuses[0]!.stateLong).toBe('The dummy machine is running.');
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
  });

  it('says a stopped VM is not running, with the fix', async () => {
    const halted = spawnSync('vagrant', ['halt', 'node-1'], { cwd: dir, env: { ...process.env, ...env, VAGRANT_CWD: dir, TRACELAB_VAGRANT_JSON: join(dir, '.tracelab', 'vagrant.json'), VAGRANT_DEFAULT_PROVIDER: 'tracelab_dummy' } });
    expect(halted.status).toBe(0);
    const statuses = await cli().status(['node-1']);
    expect(statuses).toEqual([{ name: 'node-1', provider: 'tracelab_dummy', state: 'poweroff', stateShort: 'poweroff', stateLong: 'The dummy machine is powered off.' }]);
    await expect(cli().sshConfig('node-1')).rejects.toThrow(/^VM node-1 is not running: start it with `vagrant up node-1`/);
    await expect(cli().ssh('node-1', 'true')).rejects.toThrow(UsageError);
    await expect(cli().ssh('node-1', 'true')).rejects.toThrow(/VM node-1 is not running/);
  });

  it('names a machine that is not in the lab', async () => {
    await expect(cli().status(['nosuch'])).rejects.toThrow(/^no machine nosuch in this lab's Vagrantfile: The machine with the name 'nosuch' was not found/);
  });

  it('down destroys the lab\'s machines by name', async () => {
    await createVagrantBackend(backendOpts()).down();
    expect((await cli().status()).map((s) => s.state)).toEqual(['not_created', 'not_created', 'not_created']);
    await expect(cli().ssh('node-2', 'true')).rejects.toThrow(/^VM node-2 is not created: run `tracelab lab up --backend vagrant` first/);
  });

  it('explains a missing VirtualBox from the real CLI', async () => {
    const real = new VagrantCli({ cwd: dir, env: { ...env, TRACELAB_VAGRANT_JSON: join(dir, '.tracelab', 'vagrant.json') } });
    const hasVBox = spawnSync('VBoxManage', ['--version'], { stdio: 'ignore' }).status === 0;
    if (hasVBox) return; // only meaningful where VirtualBox is absent
    await expect(real.up(['controlplane'], { provider: 'virtualbox' })).rejects.toThrow(/^VirtualBox is not usable here \(vagrant cannot find VBoxManage\)/);
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
