// The shell's `true` and `false` (every image's shell has them as builtins): status 0 and 1, no output, arguments ignored.
import type { CommandResult } from '../../topology/trace.js';

export function trueCommand(): CommandResult {
  return { stdout: '', stderr: '', exitCode: 0 };
}

export function falseCommand(): CommandResult {
  return { stdout: '', stderr: '', exitCode: 1 };
}
