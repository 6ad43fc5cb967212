// The vagrant backend: renders the model, brings the VirtualBox VMs up (Ansible provisions them), runs commands on them.
import { existsSync } from 'node:fs';
import { access, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Device, LabModel } from '../../topology/model.js';
import { packageRoot } from '../../topology/paths.js';
import type { CommandResult } from '../../topology/trace.js';
import { deviceAt, sleepFor, UsageError, type Backend, type BackendOptions, type BackendStatus, type Preflight, type UpOptions } from '../backend.js';
import { findProgram, runArgv } from '../process.js';
import { localKubectl, remoteKubectl, shellJoin, type KubectlRunner } from '../kubectl/cli.js';
import { podNamespaces, runAtPlace } from '../kubectl/backend.js';
import { allowedHostOnlyRanges, renderLabFiles, writeRenderedFiles, type RenderedFile } from '../render.js';
import { DEFAULT_RENDER_DIR, VAGRANT_JSON_FILE, type VagrantLabJson } from '../render-vagrant.js';
import { VAGRANT_INSTALL_HINT, VagrantCli, type UpProgress } from './cli.js';
import { decideUp } from './decide-up.js';
import { restoreArgv, snapshotArgv } from './node-state.js';
import { lxcDotfileDir, lxcRenderOptions, lxcVagrantEnv } from '../lxc/lab.js';
import { appletSet, FORGET_NEIGHBOURS, lxcSsh, podShellCommand, renderedLxc, type RemoteShell } from '../lxc/places.js';

export interface VagrantBackendOptions extends BackendOptions {
  /** Directory of the Vagrantfile; default the tracelab package root (the repository checkout). */
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
  /** On a lab this backend attached to, save each node's network state before its first command and restore it on down (default true). */
  readonly restoreNodes?: boolean;
}

export interface VagrantPaths {
  readonly vagrantDir: string;
  readonly stateDir: string;
  readonly json: string;
  readonly kubeconfig: string;
}

/** Paths of one vagrant lab: the Vagrantfile's directory and the rendered files (stateDir, default DIR/.tracelab). */
export function vagrantPaths(opts: VagrantBackendOptions): VagrantPaths {
  const vagrantDir = resolve(opts.vagrantDir ?? packageRoot());
  const stateDir = resolve(vagrantDir, opts.stateDir ?? DEFAULT_RENDER_DIR);
  return { vagrantDir, stateDir, json: join(stateDir, VAGRANT_JSON_FILE), kubeconfig: join(stateDir, 'kubeconfig') };
}

/** The wrapper pointed at this lab's Vagrantfile and rendered JSON; a directory without a Vagrantfile is a UsageError. */
export function vagrantCliFor(opts: VagrantBackendOptions = {}): VagrantCli {
  const paths = vagrantPaths(opts);
  // A lab brought up with --provider lxc says so in its rendered JSON: the same commands then reach its containers.
  const lxc = opts.provider === undefined || opts.provider === 'lxc' ? renderedLxc(paths.json) : undefined;
  if (!existsSync(join(paths.vagrantDir, 'Vagrantfile'))) {
    throw new UsageError(`no Vagrantfile in ${paths.vagrantDir}: run tracelab from a checkout of its repository, which has the Vagrantfile and ansible/`);
  }
  return new VagrantCli({
    cwd: paths.vagrantDir,
    binary: opts.vagrantBinary,
    // Debian's vagrant defaults to libvirt: name the lab's provider so `status` and `ssh` ask the right one.
    env: { TRACELAB_VAGRANT_JSON: paths.json, VAGRANT_DEFAULT_PROVIDER: opts.provider ?? 'virtualbox', ...(lxc ? lxcVagrantEnv(paths.stateDir) : {}), ...opts.env },
  });
}

/** Machine names of the lab last rendered into `paths.json` (empty when nothing was rendered). */
export async function renderedMachines(paths: VagrantPaths): Promise<VagrantLabJson['machines']> {
  try {
    return (JSON.parse(await readFile(paths.json, 'utf8')) as VagrantLabJson).machines;
  } catch {
    return [];
  }
}

async function readTexts(dir: string, files: readonly RenderedFile[]): Promise<(string | undefined)[]> {
  return Promise.all(files.map((f) => readFile(join(dir, f.path), 'utf8').catch(() => undefined)));
}

/** Progress lines per machine, dropping repeats of a machine's last message. */
function progressPrinter(sink: ((line: string) => void) | undefined): (event: UpProgress) => void {
  const last = new Map<string, string>();
  return (event) => {
    if (last.get(event.machine) === event.message) return;
    last.set(event.machine, event.message);
    sink?.(`${event.machine}: ${event.message}`);
  };
}

/** What `up` found and changed, so `down` can put an attached lab back as it was. */
interface Session {
  readonly lab: LabModel;
  readonly machines: readonly string[];
  /** Every VM existed before `up` (`tracelab lab up` built them): this session attached and must not destroy them. */
  readonly attached: boolean;
  /** The rendered files before `up` rewrote them for a changed model (model-level faults), to restore on `down`. */
  readonly previous?: readonly RenderedFile[];
  /** Nodes of an attached lab whose network state was saved before the first command ran there. */
  readonly snapshotted: Set<string>;
}

export function createVagrantBackend(opts: VagrantBackendOptions = {}): Backend {
  const paths = vagrantPaths(opts);
  const vagrant = vagrantCliFor(opts);
  const lxc = opts.provider === undefined || opts.provider === 'lxc' ? renderedLxc(paths.json) : undefined;
  const provider = lxc ? 'lxc' : opts.provider ?? 'virtualbox';
  const state: { session?: Session; kubectl?: KubectlRunner; applets?: Promise<ReadonlySet<string>> } = {};
  const ssh: RemoteShell = lxc ? lxcSsh(join(lxcDotfileDir(paths.stateDir), 'machines'), paths.json) : (machine, command, input) => vagrant.ssh(machine, command, input);
  /** Node commands run as root through `sudo -n` (fails at once rather than prompting), unless told otherwise. */
  const asRoot = (argv: readonly string[]) => shellJoin(opts.become === false ? argv : ['sudo', '-n', ...argv]);

  async function onNode(node: string, argv: readonly string[], what: string): Promise<string> {
    const result = await ssh(node, asRoot(argv));
    if (result.exitCode !== 0) throw new UsageError(`${what} on ${node} failed (exit ${result.exitCode}): ${result.stderr.trim().split('\n').pop() ?? ''}`);
    return result.stdout;
  }

  async function kubectl(lab: LabModel): Promise<KubectlRunner> {
    if (state.kubectl) return state.kubectl;
    const at = opts.kubectlAt ?? 'auto';
    let local = at === 'local';
    if (at === 'auto') {
      const haveConfig = await access(paths.kubeconfig).then(() => true, () => false);
      local = haveConfig && (await runArgv(['kubectl', 'version', '--client']).then((r) => r.exitCode === 0, () => false));
    }
    const cp = lab.devices.find((d) => d.kind === 'node' && d.role === 'control-plane')?.id ?? lab.cluster.joinOrder[0]!;
    state.kubectl = local ? localKubectl({ kubeconfig: paths.kubeconfig }) : remoteKubectl((command, input) => ssh(cp, command, input));
    return state.kubectl;
  }

  /** The network-only (LXC) lab's pods are network namespaces on their node. */
  async function runInPod(pod: Device, command: string): Promise<CommandResult> {
    const node = pod.node!;
    state.applets ??= ssh(node, 'busybox --list').then((r) => appletSet(r.stdout));
    const shell = podShellCommand(pod, command, await state.applets);
    if (!shell.ok) return shell.result;
    const result = await ssh(node, shell.command);
    return { stdout: result.stdout, stderr: result.stderr, exitCode: result.exitCode };
  }

  return {
    name: 'vagrant',
    async preflight(): Promise<Preflight> {
      const program = opts.vagrantBinary ?? 'vagrant';
      if (findProgram(program) !== undefined) return { ok: true, message: '' };
      return { ok: false, message: `${program} is not installed or not on PATH: ${VAGRANT_INSTALL_HINT}` };
    },
    /** Real time passes: the cluster's controllers (flanneld) reconcile on their own. */
    wait: sleepFor,
    /** One line per machine of the rendered lab: name, state, provider; up when every machine is running. */
    async status(): Promise<BackendStatus> {
      const machines = (await renderedMachines(paths)).map((m) => m.name);
      if (machines.length === 0) return { up: false, text: `no vagrant lab rendered in ${paths.stateDir}: bring one up with \`tracelab lab up --backend vagrant\`\n` };
      const statuses = await vagrant.status(machines);
      const width = Math.max(4, ...statuses.map((s) => s.name.length));
      const text = statuses.map((s) => `${s.name.padEnd(width)}  ${s.state.padEnd(12)}  ${s.provider}\n`).join('');
      return { up: statuses.length > 0 && statuses.every((s) => s.state === 'running'), text };
    },
    async up(lab: LabModel, upOpts?: UpOptions): Promise<void> {
      const files = renderLabFiles(lab, 'vagrant', { allowedRanges: await allowedHostOnlyRanges(), vagrantDir: paths.vagrantDir, renderDir: paths.stateDir, ...(lxc ? lxcRenderOptions(paths.stateDir, lxc) : {}) });
      const before = await readTexts(paths.stateDir, files);
      await writeRenderedFiles(paths.stateDir, files);
      const machines = (await renderedMachines(paths)).map((m) => m.name);
      const states = await vagrant.status(machines);
      const decision = decideUp({ machines, states, files: files.map((f, i) => ({ path: f.path, before: before[i], after: f.text })) });
      if (decision.kind === 'refuse') {
        await writeRenderedFiles(paths.stateDir, files.map((f, i) => ({ path: f.path, text: before[i] ?? f.text })));
        throw new UsageError(
          `lab ${lab.name} changes the machines, their addresses, pod subnets or join order (${decision.rebuilt.join(', ')}), which the running ` +
            'lab cannot take: destroy it (`tracelab lab down --backend vagrant`) and run again; the run then builds its own lab and destroys it afterwards',
        );
      }
      const { attached, provision } = decision;
      if (attached) upOpts?.progress?.(provision ? 'the lab exists; the model changed: provisioning again with Ansible' : 'the lab exists: attaching');
      // An LXC lab with every machine running and nothing to provision: `vagrant up` would only start Ruby to say so.
      const running = lxc !== undefined && attached && !provision && states.every((s) => s.state === 'running');
      if (!running) await vagrant.up(machines, { provider, signal: upOpts?.signal, progress: progressPrinter(upOpts?.progress), ...(provision ? { provision: true } : {}) });
      const notRunning = (running ? states : await vagrant.status(machines)).filter((s) => s.state !== 'running');
      if (notRunning.length > 0) {
        throw new UsageError(`after vagrant up, ${notRunning.map((s) => `${s.name} is ${s.state}`).join(', ')}: see \`vagrant status\``);
      }
      if (lxc) for (const machine of machines) await ssh(machine, FORGET_NEIGHBOURS);
      const previous = decision.restoreOnDown ? files.map((f, i) => ({ path: f.path, text: before[i]! })) : undefined;
      state.session = { lab, machines, attached, snapshotted: new Set(), ...(previous ? { previous } : {}) };
      state.kubectl = undefined;
    },
    async run(place: string, command: string): Promise<CommandResult> {
      const device = deviceAt(state.session?.lab, 'vagrant', place);
      const session = state.session!;
      const lab = session.lab;
      const node = device.id;
      if (device.kind === 'node') {
        // On a lab this session did not build, save the node's network state before the first fault touches it.
        if (session.attached && opts.restoreNodes !== false && !session.snapshotted.has(node)) {
          await onNode(node, snapshotArgv(node), 'saving the network state');
          session.snapshotted.add(node);
        }
        // Faults and fixes need root.
        const result = await ssh(node, opts.become === false ? command : asRoot(['sh', '-c', command]));
        return { stdout: result.stdout, stderr: result.stderr, exitCode: result.exitCode };
      }
      if (lxc) return runInPod(device, command);
      return runAtPlace(await kubectl(lab), lab, place, command, podNamespaces(lab));
    },
    async down(): Promise<void> {
      const session = state.session;
      state.session = undefined;
      state.kubectl = undefined;
      if (!session) return;
      if (!session.attached) {
        // This session built the VMs: destroy exactly the lab's machines.
        await vagrant.destroy(session.machines);
        return;
      }
      // Attached to a lab built by `tracelab lab up`: keep the VMs, put back the nodes' network state, and undo
      // model-level faults by provisioning the old model.
      for (const node of session.snapshotted) await onNode(node, restoreArgv(node), 'restoring the network state');
      if (session.previous) {
        await writeRenderedFiles(paths.stateDir, session.previous);
        await vagrant.provision(session.machines);
      }
    },
  };
}
