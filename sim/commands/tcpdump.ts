// `tcpdump` typed as a command: `-r FILE` reads a capture the place wrote; a live capture needs something to run
// alongside it (the training shell's `&`, `tracelab exec --tap`, a scenario's `capture:`), so alone it says so.
import type { CommandResult } from '../../topology/trace.js';
import type { CommandContext } from './index.js';
import { parseTcpdump, readCapture, startTcpdump } from '../capture/tcpdump.js';
import { NOT_MODELLED_EXIT } from './output.js';

export function tcpdump(args: readonly string[], ctx: CommandContext): CommandResult {
  const parsed = parseTcpdump(args);
  if (!parsed.ok) return parsed.result;
  if (parsed.opts.readFile !== undefined) return readCapture(ctx.sim.dp, ctx.device, parsed.opts);
  const started = startTcpdump(ctx.sim.dp, ctx.device, parsed.opts);
  if (!started.ok) return started.result;
  started.job.stop(false);
  return {
    stdout: '',
    stderr: `${started.job.header}tcpdump: a live capture in the foreground waits for traffic that nothing sends here: run it in the background (tcpdump ... &) in the training shell, or use tracelab exec --tap\n`,
    exitCode: NOT_MODELLED_EXIT,
  };
}
