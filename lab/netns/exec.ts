// Runs argv commands (never through a shell) and checks what the namespace lab needs: root and the tools.
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

export interface ExecResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number;
}

export interface ExecOptions {
  readonly stdin?: string;
  /** Kill the command (SIGKILL) after this many milliseconds; exit code 124 as with timeout(1). */
  readonly timeoutMs?: number;
}

/** Runs argv[0] with the rest as arguments; resolves with its output and exit status (127 when not found). */
export function runArgv(argv: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
  return new Promise((resolve) => {
    const [file, ...args] = argv;
    if (!file) {
      resolve({ stdout: '', stderr: 'empty command\n', exitCode: 2 });
      return;
    }
    const child = spawn(file, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const timer = opts.timeoutMs ? setTimeout(() => ((timedOut = true), child.kill('SIGKILL')), opts.timeoutMs) : undefined;
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.stdin.on('error', () => undefined);
    child.on('error', (e: NodeJS.ErrnoException) => {
      if (timer) clearTimeout(timer);
      resolve({ stdout: '', stderr: `${file}: ${e.code === 'ENOENT' ? 'command not found' : e.message}\n`, exitCode: e.code === 'ENOENT' ? 127 : 126 });
    });
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        exitCode: timedOut ? 124 : code ?? (signal ? 128 + (signalNumber(signal) ?? 0) : 1),
      });
    });
    child.stdin.end(opts.stdin ?? '');
  });
}

function signalNumber(signal: NodeJS.Signals): number | undefined {
  const table: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGTERM: 15, SIGPIPE: 13 };
  return table[signal];
}

/** The tools the namespace lab needs, with the Debian package that provides each. */
export const REQUIRED_TOOLS: readonly { readonly tool: string; readonly pkg: string }[] = [
  { tool: 'ip', pkg: 'iproute2' },
  { tool: 'iptables', pkg: 'iptables' },
  { tool: 'iptables-restore', pkg: 'iptables' },
  { tool: 'sysctl', pkg: 'procps' },
  { tool: 'unshare', pkg: 'util-linux' },
  { tool: 'nsenter', pkg: 'util-linux' },
  { tool: 'traceroute', pkg: 'traceroute' },
  { tool: 'busybox', pkg: 'busybox' },
  { tool: 'ping', pkg: 'iputils-ping' },
  { tool: 'tracepath', pkg: 'iputils-tracepath' },
  { tool: 'mtr', pkg: 'mtr-tiny' },
  { tool: 'tcptraceroute', pkg: 'tcptraceroute' },
];

/** Directories root normally has on PATH; searched too, so `sudo` with a user's PATH still finds ip and iptables. */
export const SBIN_DIRS: readonly string[] = ['/usr/local/sbin', '/usr/sbin', '/sbin'];

/** Where TOOL is in DIRS, or undefined. */
export function findTool(tool: string, dirs: readonly string[]): string | undefined {
  for (const dir of dirs) {
    const candidate = join(dir, tool);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

export interface Preflight {
  readonly ok: boolean;
  readonly root: boolean;
  readonly missing: readonly { readonly tool: string; readonly pkg: string }[];
  /** One paragraph saying exactly what is wrong and how to fix it; empty when ok. */
  readonly message: string;
}

export interface PreflightOptions {
  /** The PATH to search (default $PATH); the sbin directories are always searched as well. */
  readonly path?: string;
  readonly sbinDirs?: readonly string[];
}

/** Checks for root and for every REQUIRED_TOOLS entry; the message names what is missing and the apt-get line. */
export function preflight(opts: PreflightOptions = {}): Preflight {
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  const dirs = [...(opts.path ?? process.env.PATH ?? '').split(delimiter), ...(opts.sbinDirs ?? SBIN_DIRS)].filter((d) => d !== '');
  const missing = REQUIRED_TOOLS.filter((t) => findTool(t.tool, dirs) === undefined);
  const lines: string[] = [];
  if (!root) lines.push('the namespace lab needs root (run it with sudo, or as root in a VM or container with CAP_SYS_ADMIN and CAP_NET_ADMIN)');
  if (missing.length > 0) {
    const pkgs = [...new Set(missing.map((m) => m.pkg))];
    lines.push(`missing tools: ${missing.map((m) => `${m.tool} (package ${m.pkg})`).join(', ')}`);
    lines.push(`install them with: apt-get install -y ${pkgs.join(' ')}`);
  }
  return { ok: lines.length === 0, root, missing, message: lines.join('\n') };
}
