// The one way tracelab runs programs (ip, iptables, vagrant, kubectl...): argv arrays through zx's `$` (nothrow, quiet,
// timeouts, input, ProcessOutput), spawned directly rather than through a shell: no quoting, one process per call.
import { spawn, type SpawnOptions } from 'node:child_process';
import { delimiter } from 'node:path';
import { $, which, type ProcessOutput } from 'zx/core';
import { UsageError } from './backend.js';

export interface ProcessResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number;
}

export interface RunOptions {
  /** Written to the program's standard input (it then sees end of file). */
  readonly input?: string;
  /** Kill the program (SIGKILL) after this many milliseconds; exit code 124, as with timeout(1). */
  readonly timeoutMs?: number;
  readonly cwd?: string;
  /** The whole environment of the program (default this process's). */
  readonly env?: NodeJS.ProcessEnv;
  /** Aborting kills the program and rejects with the signal's reason. */
  readonly signal?: AbortSignal;
  /** Called with each complete stdout line as it arrives. */
  readonly onStdoutLine?: (line: string) => void;
  /** A missing program is then a UsageError with this line on how to install it (else exit 127, as a shell says). */
  readonly installHint?: string;
}

const SIGNALS: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGPIPE: 13, SIGTERM: 15 };

/** The path of the executable PROGRAM in DIRS (default $PATH), or undefined. */
export function findProgram(program: string, dirs: readonly string[] = (process.env.PATH ?? '').split(delimiter)): string | undefined {
  const path = dirs.filter((d) => d !== '').join(delimiter);
  return path === '' ? undefined : which.sync(program, { nothrow: true, path }) ?? undefined;
}

/** The exit status a shell would report: the code, 124 for our timeout, 128+N for a signal, 127 for a missing program. */
function exitStatus(out: ProcessOutput, timedOut: boolean): number {
  if (timedOut) return 124;
  // A program that could not be started: zx reports the negative errno (ENOENT -2, EACCES -13).
  if (out.exitCode !== null && out.exitCode < 0) return out.exitCode === -2 ? 127 : 126;
  if (out.exitCode !== null) return out.exitCode;
  return 128 + (SIGNALS[out.signal as NodeJS.Signals] ?? 0);
}

/**
 * zx's spawn hook, running ARGV itself instead of `SHELL -c QUOTED-LINE`: the same process zx would watch, without
 * a shell starting first (the namespace lab runs about a hundred commands per build; a shell each cost a quarter more CPU).
 */
function direct(argv: readonly string[]): typeof spawn {
  return ((_cmd: string, _args: readonly string[], options: SpawnOptions) => {
    const child = spawn(argv[0]!, argv.slice(1), { ...options, shell: false });
    // A program that exits without reading its input: the write fails with EPIPE, which zx leaves unhandled.
    child.stdin?.on('error', () => undefined);
    return child;
  }) as typeof spawn;
}

/** Feeds complete lines of a stream to FN, the last partial line when it ends. */
function eachLine(stream: NodeJS.ReadableStream, fn: (line: string) => void): void {
  let pending = '';
  stream.on('data', (chunk: Buffer | string) => {
    const lines = (pending + chunk.toString()).split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) fn(line);
  });
  stream.on('end', () => pending && fn(pending));
}

/** Runs argv[0] with the rest as its arguments; resolves with its output and exit status, never rejects on a failure. */
export async function runArgv(argv: readonly string[], opts: RunOptions = {}): Promise<ProcessResult> {
  const [file] = argv;
  if (!file) return { stdout: '', stderr: 'empty command\n', exitCode: 2 };
  if (opts.installHint !== undefined && findProgram(file) === undefined) {
    throw new UsageError(`${file} is not installed or not on PATH: ${opts.installHint}`);
  }
  const started = Date.now();
  const run = $({
    quiet: true,
    nothrow: true,
    spawn: direct(argv),
    input: opts.input ?? '',
    ...(opts.cwd !== undefined ? { cwd: opts.cwd } : {}),
    ...(opts.env !== undefined ? { env: opts.env } : {}),
    ...(opts.signal !== undefined ? { signal: opts.signal } : {}),
    ...(opts.timeoutMs !== undefined ? { timeout: opts.timeoutMs, timeoutSignal: 'SIGKILL' as const } : {}),
  })`${argv}`;
  if (opts.onStdoutLine) eachLine(run.stdout, opts.onStdoutLine);
  const out = await run;
  if (opts.signal?.aborted) throw opts.signal.reason instanceof Error ? opts.signal.reason : new Error('aborted');
  const timedOut = opts.timeoutMs !== undefined && out.signal === 'SIGKILL' && Date.now() - started >= opts.timeoutMs;
  const exitCode = exitStatus(out, timedOut);
  if (exitCode === 127 && out.stderr === '') return { stdout: '', stderr: `${file}: command not found\n`, exitCode };
  return { stdout: out.stdout, stderr: out.stderr, exitCode };
}

/**
 * Starts a long-lived program detached from our session and resolves with its pid once it printed READY on stdout;
 * it is left running (not a zx ProcessPromise, which would keep it tied to this process until it exits).
 */
export function startDetached(argv: readonly string[], ready: string, onPid: (pid: number) => void): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let settled = false;
    let stderr = '';
    const finish = (error?: Error): void => {
      if (settled) return;
      settled = true;
      child.stdout?.destroy();
      child.stderr?.destroy();
      child.unref();
      if (error) reject(error);
      else resolve(child.pid!);
    };
    if (child.pid !== undefined) onPid(child.pid);
    child.on('error', (e) => finish(e));
    child.stderr!.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
    child.stdout!.on('data', (b: Buffer) => b.toString('utf8').includes(ready) && finish());
    child.on('exit', (code) => finish(new Error(`exited with ${code}: ${stderr.trim()}`)));
  });
}

/** A program running in the background (a capture) until it is stopped by its pid. */
export interface BackgroundRun {
  readonly pid: number;
  /** Its standard output and error so far. */
  stdout(): string;
  stderr(): string;
  /** Sends SIGNAL to the program (its pid only) and resolves with everything it printed and its exit status. */
  stop(signal?: NodeJS.Signals): Promise<ProcessResult>;
}

/**
 * Starts ARGV in the background and resolves once it printed a whole line holding READY on stderr (tcpdump's `listening
 * on ...` line: a pipe may deliver it in pieces), or on stdout with READY_ON `stdout` (ping's `PING ...` header), keeping
 * its output for stop(); if it exits first, resolves with what it printed (its own error); rejects after TIMEOUTMS
 * without READY.
 */
export function startBackground(argv: readonly string[], ready: string, timeoutMs = 10_000, readyOn: 'stdout' | 'stderr' = 'stderr'): Promise<BackgroundRun | { readonly failed: ProcessResult }> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let started = false;
    const exited = new Promise<ProcessResult>((done) => {
      child.on('close', (code, signal) => done({ stdout, stderr, exitCode: code ?? 128 + (SIGNALS[signal as NodeJS.Signals] ?? 0) }));
    });
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`${argv.join(' ')}: no "${ready}" within ${timeoutMs} ms: ${stderr.trim()}`)); }, timeoutMs);
    const check = (): void => {
      const text = readyOn === 'stderr' ? stderr : stdout;
      const at = text.indexOf(ready);
      if (!started && at >= 0 && text.includes('\n', at)) {
        started = true;
        clearTimeout(timer);
        resolve({ pid: child.pid!, stdout: () => stdout, stderr: () => stderr, stop: async (signal = 'SIGINT') => { process.kill(child.pid!, signal); return exited; } });
      }
    };
    child.stdout!.on('data', (b: Buffer) => ((stdout += b.toString('utf8')), check()));
    child.stderr!.on('data', (b: Buffer) => ((stderr += b.toString('utf8')), check()));
    child.on('error', (e) => { clearTimeout(timer); reject(e); });
    void exited.then((r) => { if (!started) { clearTimeout(timer); resolve({ failed: r }); } });
  });
}
