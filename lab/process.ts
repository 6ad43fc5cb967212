// The one way tracelab runs programs (ip, iptables, vagrant, kubectl...): argv arrays spawned directly rather than
// through a shell (no quoting, one process per call), with input, timeouts, abort and the exit status a shell reports.
import { spawn } from 'node:child_process';
import { delimiter } from 'node:path';
import { which } from 'zx/core';
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

/**
 * Runs argv[0] with the rest as its arguments; resolves with its output and exit status, never rejects on a failure.
 * The program is spawned directly (no shell: no quoting, one process per call), with node's own child_process: the
 * namespace lab runs dozens per build, and a process runner library around each spawn cost more than the spawn.
 */
export async function runArgv(argv: readonly string[], opts: RunOptions = {}): Promise<ProcessResult> {
  const [file] = argv;
  if (!file) return { stdout: '', stderr: 'empty command\n', exitCode: 2 };
  if (opts.installHint !== undefined && findProgram(file) === undefined) {
    throw new UsageError(`${file} is not installed or not on PATH: ${opts.installHint}`);
  }
  const out = await runChild(file, argv.slice(1), opts);
  if (opts.signal?.aborted) throw opts.signal.reason instanceof Error ? opts.signal.reason : new Error('aborted');
  if (out.exitCode === 127 && out.stderr === '') return { stdout: '', stderr: `${file}: command not found\n`, exitCode: 127 };
  return out;
}

/**
 * Spawns FILE ARGS with OPTS' input, directory, environment, timeout (SIGKILL, then status 124) and abort signal
 * (SIGTERM); resolves once it has exited and its streams are closed, with the status a shell would report: the code,
 * 128+N for a signal, 127 for a missing program and 126 for one that cannot be run.
 */
function runChild(file: string, args: readonly string[], opts: RunOptions): Promise<ProcessResult> {
  return new Promise((resolve) => {
    const child = spawn(file, args, {
      stdio: ['pipe', 'pipe', 'pipe'],
      ...(opts.cwd !== undefined ? { cwd: opts.cwd } : {}),
      ...(opts.env !== undefined ? { env: opts.env } : {}),
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    let settled = false;
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    if (opts.onStdoutLine) eachLine(child.stdout, opts.onStdoutLine);
    // A program that exits without reading its input: the write fails with EPIPE, which is no error of ours.
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.input ?? '');
    const timer = opts.timeoutMs !== undefined ? setTimeout(() => ((timedOut = true), child.kill('SIGKILL')), opts.timeoutMs) : undefined;
    const onAbort = (): void => void child.kill('SIGTERM');
    if (opts.signal?.aborted) onAbort();
    else opts.signal?.addEventListener('abort', onAbort, { once: true });
    const finish = (exitCode: number): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      resolve({ stdout, stderr, exitCode: timedOut ? 124 : exitCode });
    };
    // A program that could not be started (ENOENT, EACCES): no exit, an error instead.
    child.on('error', (e: NodeJS.ErrnoException) => child.pid === undefined && finish(e.code === 'ENOENT' ? 127 : 126));
    child.on('close', (code, signal) => finish(code ?? 128 + (SIGNALS[signal as NodeJS.Signals] ?? 0)));
  });
}

/**
 * Starts a long-lived program detached from our session and resolves with its pid once it printed READY on stdout;
 * it is left running (not a zx ProcessPromise, which would keep it tied to this process until it exits). With GO, its
 * input is a pipe that gets the line `go` once GO resolves (and closes without it if GO rejects): the program can start
 * early and wait there.
 */
export function startDetached(argv: readonly string[], ready: string, onPid: (pid: number) => void, go?: Promise<unknown>): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { detached: true, stdio: [go ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
    if (go && child.stdin) {
      const input = child.stdin;
      input.on('error', () => undefined);
      go.then(() => input.end('go\n'), () => input.end());
    }
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

/** A program that answers each line written to it with one line (in order), kept running between questions. */
export interface LineChild {
  /** Writes LINE and resolves with the program's next reply line; undefined once it has exited. */
  ask(line: string): Promise<string | undefined>;
  /** Closes its input (it exits when it reads that); a later question starts it again. */
  close(): void;
}

/**
 * Starts ARGV on first use and keeps it running (it ends when its input closes, e.g. when this process exits); one that
 * has exited is started again on the next question.
 */
export function lineChild(argv: readonly string[]): LineChild {
  let child: ReturnType<typeof spawn> | undefined;
  let waiting: ((reply: string | undefined) => void)[] = [];
  const start = (): ReturnType<typeof spawn> => {
    const c = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'ignore'] });
    c.stdin!.on('error', () => undefined);
    eachLine(c.stdout!, (line) => waiting.shift()?.(line));
    const gone = (): void => {
      if (child === c) child = undefined;
      for (const w of waiting.splice(0)) w(undefined);
    };
    c.on('error', gone);
    c.on('close', gone);
    return c;
  };
  return {
    ask: (line) =>
      new Promise((resolve) => {
        child ??= start();
        waiting.push(resolve);
        child.stdin!.write(`${line}\n`);
      }),
    close: () => child?.stdin!.end(),
  };
}
