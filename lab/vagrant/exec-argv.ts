// Runs one program as an argv array (no shell), collecting stdout/stderr and the exit code; streams lines on request.
import { spawn } from 'node:child_process';
import { UsageError } from '../backend.js';

export interface ExecResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number;
}

export interface ExecOptions {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly input?: string;
  readonly signal?: AbortSignal;
  /** Called with each complete stdout line as it arrives. */
  readonly onStdoutLine?: (line: string) => void;
  /** One line telling the user how to install the program when it is missing. */
  readonly installHint?: string;
}

/** Runs `file args...`; resolves with the exit code (never rejects on a non-zero exit). A missing program is a UsageError. */
export function execArgv(file: string, args: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, [...args], {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
      signal: opts.signal,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let pending = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out.push(chunk);
      if (!opts.onStdoutLine) return;
      pending += chunk.toString('utf8');
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) opts.onStdoutLine(line);
    });
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') {
        reject(new UsageError(`${file} is not installed or not on PATH${opts.installHint ? `: ${opts.installHint}` : ''}`));
      } else {
        reject(error);
      }
    });
    child.on('close', (code, signal) => {
      if (pending && opts.onStdoutLine) opts.onStdoutLine(pending);
      resolve({
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        exitCode: code ?? (signal ? 128 : 1),
      });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.input ?? '');
  });
}
