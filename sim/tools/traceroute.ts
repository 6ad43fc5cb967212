// PLACEHOLDER (being written): traceroute output from trace records.
import type { CommandResult, ToolContext } from '../trace.js';
export function traceroute(_args: readonly string[], _ctx: ToolContext): CommandResult { return { stdout: '', stderr: 'traceroute: not implemented yet\n', exitCode: 1 }; }
