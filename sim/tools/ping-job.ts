// ping without -c or -w in the training shell (iputils and busybox's applet): it runs until Ctrl-C, one request per
// interval on the simulated clock (each step sends one), and Ctrl-C prints the statistics of what was sent, as
// SIGINT makes either ping do.
import type { CommandResult, TraceRecord } from '../../topology/trace.js';
import type { ToolContext } from '../tool-context.js';
import { sendEchoes, type EchoOutcome, type EchoPlan } from './ping-echo.js';
import { outcomeText, pingRunsUntilInterrupted, preparePing, statistics } from './ping.js';
import { busyboxReplyLine, busyboxStatistics, prepareBusyboxPing } from './ping-busybox.js';

/** A running ping: its header, one interval at a time, and its end on Ctrl-C. */
export interface PingJob {
  readonly header: string;
  /** Lets one interval pass: sends the next request and returns what ping printed for it (stdout, then stderr). */
  step(): string;
  /** Ctrl-C: the statistics of the requests sent so far, and ping's exit status (1 when nothing came back). */
  stop(): CommandResult;
}

/** How one ping prints: an outcome's line (and whether it is one of its `+N errors`), and its statistics. */
interface PingVoice {
  readonly line: (o: EchoOutcome) => { text: string; error: boolean };
  readonly end: (outcomes: readonly EchoOutcome[], errors: number, elapsedMs: number, pipe: number) => CommandResult;
}

type Started = { ok: true; job: PingJob } | { ok: false; result: CommandResult } | undefined;

/**
 * Starts `ping ARGS` (BUSYBOX: the applet) at the context's place when it runs until interrupted; what it prints when it
 * stops before sending (bad options, no route); undefined when -c or -w makes it end by itself.
 */
export function startPingJob(args: readonly string[], ctx: ToolContext, busybox: boolean): Started {
  if (busybox) {
    const b = prepareBusyboxPing(args, ctx);
    if (!b.ok) return b;
    if (!b.forever) return undefined;
    return { ok: true, job: echoJob(ctx, b.plan, b.header, { line: (o) => ({ text: busyboxReplyLine(o, b.quiet), error: false }), end: (outcomes) => ({ ...busyboxStatistics(b.target, outcomes), stderr: '' }) }) };
  }
  if (!pingRunsUntilInterrupted(args)) return undefined;
  const prepared = preparePing(args, ctx);
  if (!prepared.ok) return prepared;
  const { p, ip, canonical, addr, plan, header } = prepared.ping;
  const voice: PingVoice = {
    line: (o) => {
      const t = outcomeText(o, p, addr, ip);
      return { text: t.stdout + t.stderr, error: t.error };
    },
    end: (outcomes, errors, elapsedMs, pipe) => ({
      stdout: statistics(canonical, outcomes, errors, elapsedMs, pipe), stderr: '', exitCode: outcomes.some((o) => o.kind === 'reply') ? 0 : 1,
    }),
  };
  return { ok: true, job: echoJob(ctx, plan, p.warnings + header, voice) };
}

/** The echo loop one request at a time: each step waits for the interval, sends, and reads until the next is due. */
function echoJob(ctx: ToolContext, plan: EchoPlan, header: string, voice: PingVoice): PingJob {
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
      const line = voice.line(o);
      errors += line.error ? 1 : 0;
      out += line.text;
    }
    return out;
  };
  const stop = (): CommandResult => {
    const lastSend = Math.max(0, nextSendMs - plan.intervalMs - startedMs);
    return { ...voice.end(outcomes, errors, lastSend, pipe), traces: records };
  };
  return { header, step, stop };
}
