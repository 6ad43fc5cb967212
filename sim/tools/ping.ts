// PLACEHOLDER (being written): ping output from trace records.
import type { CommandResult, ToolContext } from '../trace.js';
export function ping(_args: readonly string[], _ctx: ToolContext): CommandResult { return { stdout: '', stderr: 'ping: not implemented yet\n', exitCode: 1 }; }
export function busyboxPing(_args: readonly string[], _ctx: ToolContext): CommandResult { return { stdout: '', stderr: 'busyboxPing: not implemented yet\n', exitCode: 1 }; }
