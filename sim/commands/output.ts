// Small builders for interpreter results: success text, a tool's error text with its exit code, unmodelled features.
import type { CommandResult } from '../../topology/trace.js';

export function ok(stdout = '', stderr = ''): CommandResult {
  return { stdout, stderr, exitCode: 0 };
}

/** A failure as the real tool prints it: `message` is written to stderr with a final newline. */
export function fail(message: string, exitCode: number, stdout = ''): CommandResult {
  return { stdout, stderr: message.endsWith('\n') ? message : `${message}\n`, exitCode };
}

/** The exit status of a command or option the simulator does not model: apart from usage errors (2) and the tools' own. */
export const NOT_MODELLED_EXIT = 3;

/** A command or option the simulator does not model: said plainly rather than imitated, with exit status 3. */
export function unsupported(what: string): CommandResult {
  return fail(`${what}: not modelled by the tracelab simulator`, NOT_MODELLED_EXIT);
}

/** Lines joined with a final newline (empty input gives empty output). */
export function lines(list: readonly string[]): string {
  return list.length === 0 ? '' : `${list.join('\n')}\n`;
}
