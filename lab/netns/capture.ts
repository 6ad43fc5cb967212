// Taps on the namespace lab: the real tcpdump in each place's namespace, started in the background before the
// command (ready once it says `listening on`), stopped by its pid after it (SIGINT, as Ctrl-C), its text kept; with
// one tap, a second tcpdump -w into a private temporary directory gives the pcap file.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CommandResult } from '../../topology/trace.js';
import type { BackgroundJob, TappedResult, TapSpec } from '../backend.js';
import { sleepFor } from '../backend.js';
import { startBackground, type BackgroundRun } from '../process.js';

/** Frames still on their way through the namespaces when the command returns reach the capture within this long. */
const SETTLE_MS = 300;
const READY = 'listening on';

/** A tap resolved to its namespace. */
export interface NsTap extends TapSpec {
  readonly ns: string;
}

function tcpdumpArgv(ns: string, iface: string, filter: string, file?: string): string[] {
  // tcpdump joins its operands with spaces into one expression: the filter goes as one word.
  return ['ip', 'netns', 'exec', ns, 'tcpdump', '-n', '-i', iface, '--immediate-mode', ...(file ? ['-w', file] : []), ...(filter.trim() === '' ? [] : [filter])];
}

/** Runs COMMAND (through RUN) while the real tcpdump listens at each tap. */
export async function runTappedNetns(taps: readonly NsTap[], filter: string, run: () => Promise<CommandResult>): Promise<TappedResult> {
  const dir = taps.length === 1 ? mkdtempSync(join(tmpdir(), 'tracelab-pcap-')) : undefined;
  const file = dir ? join(dir, 'tap.pcap') : undefined;
  const jobs: BackgroundRun[] = [];
  try {
    const texts: TappedResult['taps'][number][] = [];
    for (const t of taps) {
      const job = await startBackground(tcpdumpArgv(t.ns, t.iface, filter), READY);
      if ('failed' in job) {
        texts.push({ place: t.place, iface: t.iface, ...job.failed });
        return { result: { stdout: '', stderr: '', exitCode: job.failed.exitCode }, taps: texts };
      }
      jobs.push(job);
    }
    const writer = file ? await startBackground(tcpdumpArgv(taps[0]!.ns, taps[0]!.iface, filter, file), READY) : undefined;
    if (writer && !('failed' in writer)) jobs.push(writer);
    const result = await run();
    await sleepFor(SETTLE_MS);
    const stopped = await Promise.all(jobs.splice(0).map((j) => j.stop('SIGINT')));
    taps.forEach((t, k) => texts.push({ place: t.place, iface: t.iface, ...stopped[k]! }));
    const pcap = file && writer && !('failed' in writer) ? new Uint8Array(readFileSync(file)) : undefined;
    return { result, taps: texts, ...(pcap ? { pcap } : {}) };
  } finally {
    await Promise.all(jobs.map((j) => j.stop('SIGKILL').catch(() => undefined)));
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}

/** A background job from ARGV (`ip netns exec NS tcpdump ...`): ready when it says `listening on`, stopped by its pid. */
export async function startNetnsJob(argv: readonly string[]): Promise<{ ok: true; job: BackgroundJob } | { ok: false; result: CommandResult }> {
  const run = await startBackground(argv, READY);
  if ('failed' in run) return { ok: false, result: run.failed };
  let shown = 0;
  let ended = false;
  const rest = (): string => {
    const all = run.stdout();
    const out = all.slice(shown);
    shown = all.length;
    return out;
  };
  const header = run.stderr();
  return {
    ok: true,
    job: {
      header,
      output: async () => { await sleepFor(SETTLE_MS); return rest(); },
      done: () => ended,
      stop: async () => {
        ended = true;
        const r = await run.stop('SIGINT');
        return { stdout: r.stdout.slice(shown), stderr: r.stderr.slice(header.length), exitCode: r.exitCode };
      },
    },
  };
}
