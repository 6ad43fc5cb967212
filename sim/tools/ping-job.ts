// iputils ping without -c or -w in the training shell: it runs until Ctrl-C, one request per interval on the
// simulated clock (each step sends one), and Ctrl-C prints the statistics of what was sent, as SIGINT makes ping do.
import type { CommandResult, TraceRecord } from '../../topology/trace.js';
import type { ToolContext } from '../tool-context.js';
import { sendEchoes, type EchoOutcome } from './ping-echo.js';
import { outcomeText, preparePing, statistics } from './ping.js';

/** A running ping: its header, one interval at a time, and its end on Ctrl-C. */
export interface PingJob {
  readonly header: string;
  /** Lets one interval pass: sends the next request and returns what ping printed for it (stdout, then stderr). */
  step(): string;
  /** Ctrl-C: the statistics of the requests sent so far, and ping's exit status (1 when nothing came back). */
  stop(): CommandResult;
}

/** Starts ping ARGS at the context's place, or what ping prints when it stops before sending (bad options, no route). */
export function startPingJob(args: readonly string[], ctx: ToolContext): { ok: true; job: PingJob } | { ok: false; result: CommandResult } {
  const prepared = preparePing(args, ctx);
  if (!prepared.ok) return prepared;
  const { p, ip, canonical, addr, plan, header } = prepared.ping;
  const outcomes: EchoOutcome[] = [];
  const records: TraceRecord[] = [];
  const startedMs = ctx.nowMs();
  let errors = 0;
  let pipe = 1;
  let nextSendMs = startedMs;
  const step = (): string => {
    if (ctx.nowMs() < nextSendMs) ctx.wait(nextSendMs - ctx.nowMs());
    nextSendMs = ctx.nowMs() + plan.intervalMs;
    // One request, read until the next one is due: an answer later than that is ping's to read after it.
    const run = sendEchoes(ctx, { ...plan, count: 1, firstSeq: plan.firstSeq + outcomes.length, lingerMs: plan.intervalMs });
    records.push(run.record);
    pipe = Math.max(pipe, run.pipe);
    let out = '';
    for (const o of run.outcomes) {
      outcomes.push(o);
      const text = outcomeText(o, p, addr, ip);
      errors += text.error ? 1 : 0;
      out += text.stdout + text.stderr;
    }
    return out;
  };
  const stop = (): CommandResult => {
    const received = outcomes.filter((o) => o.kind === 'reply').length;
    const lastSend = Math.max(0, nextSendMs - plan.intervalMs - startedMs);
    return { stdout: statistics(canonical, outcomes, errors, lastSend, pipe), stderr: '', exitCode: received === 0 ? 1 : 0, traces: records };
  };
  return { ok: true, job: { header: p.warnings + header, step, stop } };
}
