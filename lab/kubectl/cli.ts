// Runs kubectl as argv arrays: on this machine (with --kubeconfig/--context), or on a lab VM through `vagrant ssh -c`.
import { UsageError } from '../backend.js';
import { runArgv, type ProcessResult } from '../process.js';

/** Runs `kubectl ARGS` somewhere and returns its output; never throws on a non-zero exit. */
export type KubectlRunner = (args: readonly string[], input?: string) => Promise<ProcessResult>;

export interface LocalKubectlOptions {
  readonly kubeconfig?: string;
  readonly context?: string;
  /** The kubectl program; default `kubectl`. */
  readonly binary?: string;
}

export const KUBECTL_INSTALL_HINT = 'install kubectl (https://kubernetes.io/docs/tasks/tools/) or use --backend vagrant, which runs it on the control plane';

export function localKubectl(opts: LocalKubectlOptions = {}): KubectlRunner {
  const global: string[] = [];
  if (opts.kubeconfig) global.push(`--kubeconfig=${opts.kubeconfig}`);
  if (opts.context) global.push(`--context=${opts.context}`);
  return (args, input) => runArgv([opts.binary ?? 'kubectl', ...global, ...args], { ...(input !== undefined ? { input } : {}), installHint: KUBECTL_INSTALL_HINT });
}

/** Quotes one word for a POSIX shell: the remote side of `vagrant ssh -c` is always a shell. */
export function shellQuote(word: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

export function shellJoin(argv: readonly string[]): string {
  return argv.map(shellQuote).join(' ');
}

/** kubectl on a VM: `ssh(machine, shellJoin(['kubectl', ...args]))` with the vagrant user's kubeconfig. */
export function remoteKubectl(ssh: (command: string, input?: string) => Promise<ProcessResult>): KubectlRunner {
  return (args, input) => ssh(shellJoin(['kubectl', ...args]), input);
}

/** Runs kubectl and parses its JSON output; a failure becomes a UsageError carrying kubectl's message. */
export async function kubectlJson<T>(kubectl: KubectlRunner, args: readonly string[]): Promise<T> {
  const result = await kubectl([...args, '--output=json']);
  if (result.exitCode !== 0) throw new UsageError(kubectlFailure(args, result));
  try {
    return JSON.parse(result.stdout) as T;
  } catch {
    throw new UsageError(`kubectl ${args.join(' ')} did not print JSON`);
  }
}

/** One line for a failed kubectl call, with a fix for the usual causes. */
export function kubectlFailure(args: readonly string[], result: ProcessResult): string {
  const message = result.stderr.trim().split('\n').filter((l) => l.trim() !== '').pop() ?? `exit status ${result.exitCode}`;
  if (/connection refused|was refused|no such host|i\/o timeout|Unable to connect to the server/i.test(message)) {
    return `kubectl cannot reach the cluster (${message}): check --kubeconfig/--context, or bring the lab up`;
  }
  if (/^error: stat .*: no such file or directory$/.test(message)) {
    return `the kubeconfig file does not exist (${message.replace(/^error: /, '')}): pass --kubeconfig with an existing file`;
  }
  if (/context .* does not exist|context was not found|no configuration has been provided/i.test(message)) {
    return `kubectl has no usable configuration (${message}): pass --kubeconfig FILE and --context NAME (see \`kubectl config get-contexts\`)`;
  }
  if (/forbidden/i.test(message)) return `kubectl was refused (${message}): the kubeconfig's user needs read access to nodes, pods, services and endpoints`;
  return `kubectl ${args.join(' ')} failed: ${message}`;
}
