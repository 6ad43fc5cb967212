// PLACEHOLDER (being written): tracepath output from trace records.
import type { CommandResult, ToolContext } from '../trace.js';
export function tracepath(_args: readonly string[], _ctx: ToolContext): CommandResult { return { stdout: '', stderr: 'tracepath: not implemented yet\n', exitCode: 1 }; }
