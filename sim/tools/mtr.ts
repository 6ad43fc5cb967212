// PLACEHOLDER (being written): mtr output from trace records.
import type { CommandResult, ToolContext } from '../trace.js';
export function mtr(_args: readonly string[], _ctx: ToolContext): CommandResult { return { stdout: '', stderr: 'mtr: not implemented yet\n', exitCode: 1 }; }
