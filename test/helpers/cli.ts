// Runs the real CLI entry in this process and captures what it prints and its exit code.
import { vi } from 'vitest';
import { main } from '../../cli/main.js';

/** Runs `tracelab ARGS` in-process through the real CLI entry and returns what it printed and its exit code. */
export async function runCliInProcess(args: string[]): Promise<{ out: string; err: string; code: number }> {
  let out = '';
  let err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((out += String(chunk)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((err += String(chunk)), true));
  let code: number;
  try {
    code = await main(args);
  } finally {
    vi.restoreAllMocks();
    process.exitCode = 0;
  }
  return { out, err, code };
}
