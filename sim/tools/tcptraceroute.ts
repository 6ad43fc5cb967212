// PLACEHOLDER (being written): tcptraceroute output from trace records.
import type { CommandResult, ToolContext } from '../trace.js';
export function tcptraceroute(_args: readonly string[], _ctx: ToolContext): CommandResult { return { stdout: '', stderr: 'tcptraceroute: not implemented yet\n', exitCode: 1 }; }
