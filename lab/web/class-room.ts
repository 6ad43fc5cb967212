// The trainees of one served class: creates their sessions (bounded), finds them by their unguessable id, ends idle
// ones, and sums up the class for the dashboard and the report export.
import type { Backend } from '../backend.js';
import { createSimBackend } from '../sim.js';
import { classReport, type ClassReport } from '../train/report.js';
import { formatDuration } from '../train/texts.js';
import type { Transcript } from '../train/transcript.js';
import type { ClassConfig } from './class-file.js';
import type { TraineeRow } from './protocol.js';
import { WebTrainee } from './trainee.js';

export class ClassRoom {
  private readonly trainees = new Map<string, WebTrainee>();
  /** Sessions running now (their run() promises), to wait for at shutdown. */
  private readonly running = new Set<Promise<void>>();
  /** How many pages are connected to each trainee (the dashboard's "connected"). */
  private readonly pages = new Map<string, number>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    readonly cls: ClassConfig,
    readonly transcriptDir: string,
    private readonly makeBackend: () => Backend = () => createSimBackend({}),
    private readonly now: () => number = Date.now,
  ) {
    this.sweeper = setInterval(() => this.endIdle(), Math.min(30_000, Math.max(250, cls.idleTimeoutMs / 4)));
    this.sweeper.unref();
    // Each running training shell listens for SIGINT, SIGHUP and SIGTERM on the process (lab/train/shell.ts): one
    // listener per session per signal is expected here, not a leak.
    process.setMaxListeners(Math.max(process.getMaxListeners(), cls.maxTrainees + 10));
  }

  /** A new trainee's session, started; undefined when the class is full. */
  admit(name: string): WebTrainee | undefined {
    if (this.active() >= this.cls.maxTrainees) return undefined;
    const trainee = new WebTrainee(name, this.cls, this.transcriptDir, this.makeBackend, this.now);
    this.trainees.set(trainee.id, trainee);
    const run = trainee.run().catch((err: unknown) => trainee.end(`tracelab: the session failed: ${err instanceof Error ? err.message : String(err)}`));
    this.running.add(run);
    void run.finally(() => this.running.delete(run));
    return trainee;
  }

  find(id: string): WebTrainee | undefined {
    return this.trainees.get(id);
  }

  /** Counts a page connected to the trainee; the returned function counts it gone. */
  connected(trainee: WebTrainee): () => void {
    this.pages.set(trainee.id, (this.pages.get(trainee.id) ?? 0) + 1);
    trainee.lastActivityMs = this.now();
    return () => {
      this.pages.set(trainee.id, (this.pages.get(trainee.id) ?? 1) - 1);
      trainee.lastActivityMs = this.now();
    };
  }

  active(): number {
    let n = 0;
    for (const t of this.trainees.values()) if (!t.finished) n++;
    return n;
  }

  /** Ends the sessions nobody typed in (or reconnected to) for the class's idle timeout. */
  endIdle(): void {
    const limit = this.now() - this.cls.idleTimeoutMs;
    for (const t of this.trainees.values()) {
      if (!t.finished && t.lastActivityMs < limit) t.end(`Session ended: no input for ${formatDuration(this.cls.idleTimeoutMs)}.`);
    }
  }

  rows(): TraineeRow[] {
    return [...this.trainees.values()].map((t) => t.row((this.pages.get(t.id) ?? 0) > 0));
  }

  /** The class report (`tracelab train report`'s rows) over every scenario run so far. */
  report(): ClassReport {
    const all: Transcript[] = [];
    for (const t of this.trainees.values()) all.push(...t.transcripts());
    return classReport(all);
  }

  /** Ends every session (their transcripts get their summaries) and waits for them. */
  async close(reason = 'The class server is shutting down.'): Promise<void> {
    clearInterval(this.sweeper);
    for (const t of this.trainees.values()) t.end(reason);
    await Promise.allSettled([...this.running]);
  }
}
