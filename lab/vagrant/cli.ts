// A thin typed wrapper over the vagrant CLI (argv arrays only): status, ssh-config, up with progress, ssh -c, destroy.
import { UsageError } from '../backend.js';
import { runArgv, type ProcessResult } from '../process.js';
import {
  explainVagrantError,
  machineStatuses,
  parseMachineReadable,
  parseSshConfig,
  vagrantError,
  type MachineStatus,
  type SshHostConfig,
} from './parse.js';

export interface VagrantCliOptions {
  /** Directory of the Vagrantfile (VAGRANT_CWD). */
  readonly cwd: string;
  /** Extra environment (TRACELAB_VAGRANT_JSON, VAGRANT_DEFAULT_PROVIDER, VAGRANT_HOME...). */
  readonly env?: Readonly<Record<string, string>>;
  /** The vagrant program; default `vagrant`. */
  readonly binary?: string;
}

export const VAGRANT_INSTALL_HINT = 'install Vagrant (Debian/Ubuntu: apt-get install vagrant; others: https://developer.hashicorp.com/vagrant/install)';

/** One progress event of `vagrant up`: a machine and what vagrant said about it. */
export interface UpProgress {
  readonly machine: string;
  readonly message: string;
}

export class VagrantCli {
  constructor(private readonly opts: VagrantCliOptions) {}

  private env(): NodeJS.ProcessEnv {
    return { ...process.env, VAGRANT_CWD: this.opts.cwd, VAGRANT_CHECKPOINT_DISABLE: '1', ...this.opts.env };
  }

  /** Runs `vagrant ARGS`; never throws on a non-zero exit. */
  exec(args: readonly string[], extra: { onStdoutLine?: (line: string) => void; signal?: AbortSignal; input?: string } = {}): Promise<ProcessResult> {
    return runArgv([this.opts.binary ?? 'vagrant', ...args], { cwd: this.opts.cwd, env: this.env(), installHint: VAGRANT_INSTALL_HINT, ...extra });
  }

  private fail(result: ProcessResult, machine?: string): never {
    const error = vagrantError(result.stdout, result.stderr) ?? { kind: '', message: `exit status ${result.exitCode}` };
    throw new UsageError(explainVagrantError(error, machine));
  }

  /** `vagrant status --machine-readable`, parsed. */
  async status(machines: readonly string[] = []): Promise<MachineStatus[]> {
    const result = await this.exec(['status', '--machine-readable', ...machines]);
    if (result.exitCode !== 0) this.fail(result, machines.length === 1 ? machines[0] : undefined);
    return machineStatuses(parseMachineReadable(result.stdout));
  }

  /** `vagrant ssh-config MACHINE`; a machine that is not running is a UsageError saying how to start it. */
  async sshConfig(machine: string): Promise<SshHostConfig> {
    const result = await this.exec(['ssh-config', machine]);
    if (result.exitCode !== 0) this.fail(result, machine);
    const host = parseSshConfig(result.stdout).find((h) => h.host === machine);
    if (!host) throw new UsageError(`vagrant ssh-config printed no block for ${machine}`);
    return host;
  }

  /** `vagrant up` with progress per machine from the machine-readable `ui` lines. */
  async up(machines: readonly string[], opts: { provider?: string; provision?: boolean; progress?: (p: UpProgress) => void; signal?: AbortSignal } = {}): Promise<void> {
    const args = ['up', '--machine-readable'];
    if (opts.provider) args.push('--provider', opts.provider);
    if (opts.provision === false) args.push('--no-provision');
    else if (opts.provision === true) args.push('--provision');
    args.push(...machines);
    const result = await this.exec(args, {
      signal: opts.signal,
      onStdoutLine: (line) => {
        const event = upProgressOf(line);
        if (event) opts.progress?.(event);
      },
    });
    if (result.exitCode !== 0) this.fail(result);
  }

  /** `vagrant ssh MACHINE -c COMMAND`: the command's own output and exit code; vagrant's own failures throw. */
  async ssh(machine: string, command: string, input?: string): Promise<ProcessResult> {
    const result = await this.exec(['ssh', machine, '--no-tty', '-c', command, '--', '-o', 'LogLevel=ERROR'], { input });
    if (result.exitCode !== 0 && isVagrantFailure(result.stderr)) this.fail(result, machine);
    return result;
  }

  /** `vagrant provision MACHINES...`: runs the provisioners again (Ansible applies a changed model). */
  async provision(machines: readonly string[], progress?: (p: UpProgress) => void): Promise<void> {
    const result = await this.exec(['provision', '--machine-readable', ...machines], {
      onStdoutLine: (line) => {
        const event = upProgressOf(line);
        if (event) progress?.(event);
      },
    });
    if (result.exitCode !== 0) this.fail(result);
  }

  /** `vagrant destroy -f MACHINES...`: only the named machines. */
  async destroy(machines: readonly string[]): Promise<void> {
    if (machines.length === 0) return;
    const result = await this.exec(['destroy', '--force', '--machine-readable', ...machines]);
    if (result.exitCode !== 0) this.fail(result);
  }

  /** `vagrant validate --ignore-provider`. */
  async validate(): Promise<void> {
    const result = await this.exec(['validate', '--ignore-provider']);
    if (result.exitCode !== 0) this.fail(result);
  }
}

/** A machine-readable `ui` line about one machine ("==> node-1: Booting VM...") as a progress event. */
export function upProgressOf(line: string): UpProgress | undefined {
  const [parsed] = parseMachineReadable(line);
  if (!parsed) return undefined;
  if (parsed.type === 'action' && parsed.target) {
    return { machine: parsed.target, message: `${parsed.data[0] ?? ''} ${parsed.data[1] === 'end' ? 'done' : 'started'}` };
  }
  if (parsed.type !== 'ui') return undefined;
  const text = parsed.data.slice(1).join(',');
  const m = /^==> ([^:]+): (.*)$/s.exec(text);
  if (m) return { machine: m[1]!, message: m[2]!.split('\n')[0]!.trim() };
  if (parsed.target) return { machine: parsed.target, message: text.split('\n')[0]!.trim() };
  return undefined;
}

/** Vagrant's own errors on `ssh -c` (the machine is missing or stopped), as opposed to the remote command failing. */
function isVagrantFailure(stderr: string): boolean {
  return /must be created before running this command|must be running|not yet ready for SSH|was not found configured|error loading a Vagrantfile|isn't usable on this system/.test(stderr);
}
