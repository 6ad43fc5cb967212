// The vagrant backend: renders the model, brings the VirtualBox VMs up (Ansible provisions them), runs commands on them.
import { access, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { LabModel } from '../../topology/model.js';
import { resolvePlace } from '../../topology/place.js';
import type { CommandResult } from '../../sim/trace.js';
import { UsageError, type Backend, type BackendOptions, type UpOptions } from '../backend.js';
import { localKubectl, remoteKubectl, shellJoin, type KubectlRunner } from '../kubectl/cli.js';
import { podNamespaces, runAtPlace } from '../kubectl/backend.js';
import { allowedHostOnlyRanges, renderLabFiles, writeRenderedFiles } from '../render.js';
import { DEFAULT_RENDER_DIR, VAGRANT_JSON_FILE, type VagrantLabJson } from '../render-vagrant.js';
import { execArgv } from './exec-argv.js';
import { VagrantCli } from './cli.js';

export interface VagrantBackendOptions extends BackendOptions {
  /** Directory of the Vagrantfile (the repository root); default the current directory. */
  readonly vagrantDir?: string;
  /** Vagrant provider; default virtualbox. Tests pass a dummy provider defined in their Vagrantfile. */
  readonly provider?: string;
  /** Extra environment for vagrant (VAGRANT_HOME, TRACELAB_REAL_VAGRANTFILE...). */
  readonly env?: Readonly<Record<string, string>>;
  /** The vagrant program; default `vagrant`. */
  readonly vagrantBinary?: string;
  /** Where kubectl runs: `local` uses the kubeconfig Ansible fetched, `remote` runs it on the control plane. */
  readonly kubectlAt?: 'auto' | 'local' | 'remote';
  /** Run node commands as root through `sudo -n` (default true: faults and fixes need root). */
  readonly become?: boolean;
}

/** Paths of one vagrant lab: the Vagrantfile's directory and the rendered files. */
export function vagrantPaths(opts: VagrantBackendOptions): { vagrantDir: string; stateDir: string; json: string; kubeconfig: string } {
  const vagrantDir = resolve(opts.vagrantDir ?? process.cwd());
  const stateDir = resolve(vagrantDir, opts.stateDir ?? DEFAULT_RENDER_DIR);
  return { vagrantDir, stateDir, json: join(stateDir, VAGRANT_JSON_FILE), kubeconfig: join(stateDir, 'kubeconfig') };
}

export function createVagrantBackend(opts: VagrantBackendOptions = {}): Backend {
  const paths = vagrantPaths(opts);
  const vagrant = new VagrantCli({
    cwd: paths.vagrantDir,
    binary: opts.vagrantBinary,
    env: { TRACELAB_VAGRANT_JSON: paths.json, ...(opts.provider ? { VAGRANT_DEFAULT_PROVIDER: opts.provider } : {}), ...opts.env },
  });
  const state: { lab?: LabModel; kubectl?: KubectlRunner } = {};

  async function machinesOfThisLab(): Promise<string[]> {
    if (state.lab) return state.lab.cluster.joinOrder.length > 0 ? [...state.lab.cluster.joinOrder] : state.lab.devices.filter((d) => d.kind === 'node').map((d) => d.id);
    try {
      const json = JSON.parse(await readFile(paths.json, 'utf8')) as VagrantLabJson;
      return json.machines.map((m) => m.name);
    } catch {
      return [];
    }
  }

  async function controlPlane(): Promise<string> {
    const lab = state.lab;
    const cp = lab?.devices.find((d) => d.kind === 'node' && d.role === 'control-plane');
    if (cp) return cp.id;
    const json = JSON.parse(await readFile(paths.json, 'utf8')) as VagrantLabJson;
    return json.machines.find((m) => m.role === 'control-plane')?.name ?? json.machines[0]!.name;
  }

  async function kubectl(): Promise<KubectlRunner> {
    if (state.kubectl) return state.kubectl;
    const at = opts.kubectlAt ?? 'auto';
    let local = at === 'local';
    if (at === 'auto') {
      const haveConfig = await access(paths.kubeconfig).then(() => true, () => false);
      const haveKubectl = haveConfig && (await execArgv('kubectl', ['version', '--client']).then((r) => r.exitCode === 0, () => false));
      local = haveConfig && haveKubectl;
    }
    const cp = await controlPlane();
    state.kubectl = local
      ? localKubectl({ kubeconfig: paths.kubeconfig })
      : remoteKubectl((command) => vagrant.ssh(cp, command));
    return state.kubectl;
  }

  return {
    name: 'vagrant',
    async up(lab: LabModel, upOpts?: UpOptions): Promise<void> {
      const files = renderLabFiles(lab, 'vagrant', {
        allowedRanges: await allowedHostOnlyRanges(),
        vagrantDir: paths.vagrantDir,
        renderDir: paths.stateDir,
      });
      await writeRenderedFiles(paths.stateDir, files);
      state.lab = lab;
      state.kubectl = undefined;
      const machines = await machinesOfThisLab();
      const last = new Map<string, string>();
      await vagrant.up(machines, {
        provider: opts.provider ?? 'virtualbox',
        signal: upOpts?.signal,
        progress: (event) => {
          if (last.get(event.machine) === event.message) return;
          last.set(event.machine, event.message);
          upOpts?.progress?.(`${event.machine}: ${event.message}`);
        },
      });
      const statuses = await vagrant.status(machines);
      const notRunning = statuses.filter((s) => s.state !== 'running');
      if (notRunning.length > 0) {
        throw new UsageError(`after vagrant up, ${notRunning.map((s) => `${s.name} is ${s.state}`).join(', ')}: see \`vagrant status\``);
      }
    },
    async run(place: string, command: string): Promise<CommandResult> {
      if (!state.lab) throw new UsageError('the vagrant backend has no lab: call up(lab) first');
      const resolved = resolvePlace(state.lab, place);
      if (!resolved.ok) throw new UsageError(resolved.message);
      if (resolved.device.kind === 'node') {
        // Faults and fixes need root; `sudo -n` fails at once rather than prompting.
        const remote = opts.become === false ? command : shellJoin(['sudo', '-n', 'sh', '-c', command]);
        const result = await vagrant.ssh(resolved.device.id, remote);
        return { stdout: result.stdout, stderr: result.stderr, exitCode: result.exitCode };
      }
      return runAtPlace(await kubectl(), state.lab, place, command, podNamespaces(state.lab));
    },
    async down(): Promise<void> {
      await vagrant.destroy(await machinesOfThisLab());
      state.lab = undefined;
      state.kubectl = undefined;
    },
  };
}

/** The wrapper itself, for `tracelab lab status` and tests. */
export function vagrantCliFor(opts: VagrantBackendOptions = {}): VagrantCli {
  const paths = vagrantPaths(opts);
  return new VagrantCli({
    cwd: paths.vagrantDir,
    binary: opts.vagrantBinary,
    env: { TRACELAB_VAGRANT_JSON: paths.json, ...(opts.provider ? { VAGRANT_DEFAULT_PROVIDER: opts.provider } : {}), ...opts.env },
  });
}
