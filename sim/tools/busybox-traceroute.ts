// PLACEHOLDER (being written): busybox-traceroute output from trace records.
import type { CommandResult, ToolContext } from '../trace.js';
export function busyboxTraceroute(_args: readonly string[], _ctx: ToolContext): CommandResult { return { stdout: '', stderr: 'busyboxTraceroute: not implemented yet\n', exitCode: 1 }; }
