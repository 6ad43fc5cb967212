// ping without -c or -w at a namespace-lab place in the training shell: the real ping (iputils, or busybox's applet in
// busybox pods) runs in the place's namespace until Ctrl-C, which reaches it as SIGINT; its lines show as they come.
import type { CommandResult } from '../../topology/trace.js';
import type { ForegroundJob } from '../backend.js';
import { startBackground } from '../process.js';
import { pingRunsUntilInterrupted } from '../../sim/tools/ping.js';
import { busyboxPingRunsUntilInterrupted } from '../../sim/tools/ping-busybox.js';

/** Whether `ping ARGS` (BUSYBOX: the applet) runs until interrupted. */
export function endlessPing(words: readonly string[], busybox: boolean): boolean {
  const [program, ...args] = words;
  return program === 'ping' && (busybox ? busyboxPingRunsUntilInterrupted(args) : pingRunsUntilInterrupted(args));
}

/** Starts ARGV (`ip netns exec NS ping ...`): running once its `PING ...` header is out, or its own early error. */
export async function startNetnsPing(argv: readonly string[]): Promise<{ ok: true; job: ForegroundJob } | { ok: false; result: CommandResult }> {
  const run = await startBackground(argv, 'PING ', 10_000, 'stdout');
  if ('failed' in run) return { ok: false, result: run.failed };
  let out = 0;
  let err = 0;
  const fresh = (): string => {
    const o = run.stdout();
    const e = run.stderr();
    const text = o.slice(out) + e.slice(err);
    out = o.length;
    err = e.length;
    return text;
  };
  return {
    ok: true,
    job: {
      header: '',
      tick: async () => fresh(),
      interrupt: async () => {
        // Lines that came since the last tick were on the terminal before the key was pressed.
        const before = fresh();
        const r = await run.stop('SIGINT');
        return { before, stdout: r.stdout.slice(out), stderr: r.stderr.slice(err), exitCode: r.exitCode };
      },
    },
  };
}
