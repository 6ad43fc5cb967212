// `tracelab lab up|down --backend vagrant --provider lxc`: box, host bridge and lxc-net, vagrant up, the playbook; down undoes the record.
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { LabModel } from '../../topology/model.js';
import { UsageError } from '../backend.js';
import { findProgram, runArgv } from '../process.js';
import { renderLabFiles, writeRenderedFiles } from '../render.js';
import { lxcBridgeName, type LxcRenderOptions, type VagrantLabJson } from '../render-vagrant.js';
import { VagrantCli, type UpProgress } from '../vagrant/cli.js';
import { buildLxcBox, LXC_BOX_NAME } from './box.js';
import { debianGemDir } from './gems.js';
import { prepareHost, restoreHost } from './host.js';
import { lxcRecordPath, readLxcRecord, removeLxcRecord, saveLxcRecord, type LxcRecord } from './record.js';

export const DEFAULT_LXC_PREFIX = 'tlxc';

export interface LxcLabOptions {
  readonly vagrantDir: string;
  /** Directory of the rendered files (the Vagrantfile's TRACELAB_VAGRANT_JSON lives there). */
  readonly renderDir: string;
  readonly prefix?: string;
  /** Directory of the crash-proof record (default $TRACELAB_STATE_DIR or /run/tracelab). */
  readonly recordDir?: string;
  readonly boxCache?: string;
  readonly progress?: (line: string) => void;
}

/** Why the LXC lab cannot run here, or undefined when it can (root, lxc, vagrant, the vagrant-lxc plugin, debootstrap). */
export function lxcMissing(): string | undefined {
  if (process.getuid?.() !== 0) return 'the LXC lab needs root (it makes bridges and containers)';
  for (const program of ['lxc-create', 'vagrant', 'debootstrap', 'ansible-playbook']) {
    if (findProgram(program) === undefined) return `${program} is missing: apt-get install -y lxc vagrant-lxc debootstrap bridge-utils dnsmasq-base vagrant ansible`;
  }
  if (debianGemDir('vagrant-lxc') === undefined && !existsSync('/usr/share/vagrant-plugins/plugins.d/vagrant-lxc.json')) {
    return 'the vagrant-lxc plugin is missing: apt-get install -y vagrant-lxc';
  }
  return undefined;
}

/** The environment vagrant runs with for an LXC lab: the provider, a private VAGRANT_HOME, the rendered JSON. */
export function lxcVagrantEnv(renderDir: string): Record<string, string> {
  return {
    VAGRANT_DEFAULT_PROVIDER: 'lxc',
    TRACELAB_PROVIDER: 'lxc',
    VAGRANT_HOME: join(renderDir, 'vagrant-home'),
    // The machines' state (ids, keys) per lab, so two labs of one checkout never share `.vagrant`.
    VAGRANT_DOTFILE_PATH: lxcDotfileDir(renderDir),
    TRACELAB_VAGRANT_JSON: join(renderDir, 'vagrant.json'),
  };
}

/** Vagrant's per-lab state directory of an LXC lab (VAGRANT_DOTFILE_PATH); keys under machines/NAME/lxc/private_key. */
export function lxcDotfileDir(renderDir: string): string {
  return join(renderDir, 'vagrant-dot');
}

function cliFor(record: Pick<LxcRecord, 'vagrantDir' | 'renderJson'>, renderDir: string): VagrantCli {
  return new VagrantCli({ cwd: record.vagrantDir, env: { ...lxcVagrantEnv(renderDir), TRACELAB_VAGRANT_JSON: record.renderJson } });
}

function timed(progress: (line: string) => void, what: string): () => void {
  const started = Date.now();
  return () => progress(`${what} (${((Date.now() - started) / 1000).toFixed(0)} s)`);
}

/** Vagrant's progress without its per-action chatter (ssh_ip started/done) and empty lines. */
function quiet(progress: (line: string) => void): (p: UpProgress) => void {
  return (p) => {
    if (/^\w+ (started|done)$/.test(p.message) && !/^(up|provision) /.test(p.message)) return;
    if (p.message === '' || p.message === `${p.machine}:`) return;
    progress(`${p.machine}: ${p.message}`);
  };
}

/** The rendered files of an LXC lab (JSON with the lxc block, inventory with the lxc key path, network-only vars). */
export function renderLxcFiles(lab: LabModel, opts: LxcLabOptions) {
  return renderLabFiles(lab, 'vagrant', { vagrantDir: opts.vagrantDir, ...lxcRenderOptions(opts.renderDir, { prefix: opts.prefix ?? DEFAULT_LXC_PREFIX, box: LXC_BOX_NAME }) });
}

/** The render options of an LXC lab whose files live in RENDERDIR (what `up` wrote and the backend renders again). */
export function lxcRenderOptions(renderDir: string, lxc: LxcRenderOptions): { renderDir: string; machinesDir: string; lxc: LxcRenderOptions } {
  return { renderDir, machinesDir: join(lxcDotfileDir(renderDir), 'machines'), lxc };
}

/** Brings the LXC lab up; leftovers of an earlier run (a record) are removed first. Returns the machine names. */
export async function lxcUp(lab: LabModel, opts: LxcLabOptions): Promise<string[]> {
  const missing = lxcMissing();
  if (missing) throw new UsageError(missing);
  const progress = opts.progress ?? (() => {});
  const prefix = opts.prefix ?? DEFAULT_LXC_PREFIX;
  const path = lxcRecordPath(prefix, opts.recordDir);
  if (readLxcRecord(path)) {
    progress(`an earlier LXC lab ${prefix} left a record: removing what it made first`);
    await lxcDown({ ...opts, prefix });
  }
  const box = await buildLxcBox({ cacheDir: opts.boxCache, progress });
  const files = renderLxcFiles(lab, opts);
  await writeRenderedFiles(opts.renderDir, files);
  const json = JSON.parse(files[0]!.text) as VagrantLabJson;
  const env = lxcVagrantEnv(opts.renderDir);
  const record: LxcRecord = { version: 1, kind: 'lxc', prefix, vagrantDir: opts.vagrantDir, vagrantHome: env.VAGRANT_HOME!, renderJson: env.TRACELAB_VAGRANT_JSON!, machines: [], containers: [] };
  saveLxcRecord(path, record);
  const vagrant = cliFor(record, opts.renderDir);
  record.boxAdded = LXC_BOX_NAME;
  saveLxcRecord(path, record);
  let done = timed(progress, `box added to ${env.VAGRANT_HOME}`);
  const added = await vagrant.exec(['box', 'add', '--force', '--name', LXC_BOX_NAME, box.path]);
  if (added.exitCode !== 0) throw new UsageError(`vagrant box add failed: ${added.stderr.trim()}`);
  done();
  const bits = Number(lab.hostOnly.network.len);
  await prepareHost(path, record, { bridge: lxcBridgeName(prefix), hostCidr: `${json.hostOnly.hostIp}/${bits}` }, progress);
  record.machines.push(...json.machines.map((m) => m.name));
  record.containers.push(...json.machines.map((m) => `${prefix}-${m.name}`));
  saveLxcRecord(path, record);
  done = timed(progress, `vagrant up --no-provision: ${record.machines.join(', ')} running`);
  await vagrant.up(record.machines, { provider: 'lxc', provision: false, progress: quiet(progress) });
  done();
  done = timed(progress, 'provisioned (check-iface, then the playbook from the last machine)');
  await vagrant.provision(record.machines, quiet(progress));
  done();
  return record.machines;
}

async function containerExists(name: string): Promise<boolean> {
  const result = await runArgv(['lxc-info', '--name', name]);
  return result.exitCode === 0;
}

/** Removes what the record says the LXC lab made: machines, box, bridge, lxc-net, ip_forward, leases; then the record. */
export async function lxcDown(opts: LxcLabOptions): Promise<LxcRecord | undefined> {
  const progress = opts.progress ?? (() => {});
  const path = lxcRecordPath(opts.prefix ?? DEFAULT_LXC_PREFIX, opts.recordDir);
  const record = readLxcRecord(path);
  if (!record) return undefined;
  const vagrant = cliFor(record, opts.renderDir);
  if (record.machines.length > 0 && existsSync(record.renderJson)) {
    const done = timed(progress, `vagrant destroy: ${record.machines.join(', ')}`);
    // vagrant-lxc's destroy may exit non-zero after destroying; the containers are checked below either way.
    await vagrant.exec(['destroy', '--force', ...record.machines]);
    done();
  }
  for (const name of record.containers) {
    if (!(await containerExists(name))) continue;
    progress(`lxc-destroy ${name} (vagrant left it)`);
    await runArgv(['lxc-destroy', '--force', '--name', name]);
  }
  if (record.boxAdded) {
    await vagrant.exec(['box', 'remove', '--force', '--all', record.boxAdded]);
    await rm(record.vagrantHome, { recursive: true, force: true });
  }
  await restoreHost(record, progress);
  removeLxcRecord(path);
  return record;
}
