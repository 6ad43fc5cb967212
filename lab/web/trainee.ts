// One trainee of a web class: works through the class's scenarios in order, each a training session of `tracelab train`
// (its own simulator lab) driven by the training shell on the browser terminal's streams; keeps the screen for a page
// that reconnects, and tells the page and the watching trainer what happens.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { Backend } from '../backend.js';
import { runShell } from '../train/shell.js';
import { classReport, type SessionRow } from '../train/report.js';
import { formatDuration, formatSummary } from '../train/texts.js';
import type { Transcript, TranscriptEntry } from '../train/transcript.js';
import { renderLabSvg } from '../../topology/svg/svg.js';
import type { ClassConfig } from './class-file.js';
import { ClassSession, ObservedTranscript, TerminalOutput } from './class-session.js';
import type { ServerMessage, TraineeRow, TraineeState } from './protocol.js';

/** What the server keeps of the screen for a page that reconnects (and a trainer who starts watching). */
const SCREEN_BYTES = 64 * 1024;

export class WebTrainee {
  /** The resumable session id: 144 random bits, never a counter. */
  readonly id = randomBytes(18).toString('base64url');
  private step = 0;
  private session?: ClassSession;
  private input?: PassThrough;
  private transcript?: ObservedTranscript;
  private readonly runs: ObservedTranscript[] = [];
  private screen = '';
  private readonly listeners = new Set<(m: ServerMessage) => void>();
  private readonly output = new TerminalOutput((text) => this.write(text));
  private stepStartedMs = 0;
  /** What the picture in `svg` was drawn for: the probe's trace record (null: none) and whether it showed the cause. */
  private drawn?: { readonly trace: unknown; readonly cause?: boolean };
  private svg = '';
  private ended = false;
  private done = false;
  /** Wall-clock milliseconds of the last input or (re)connection: the idle timeout counts from here. */
  lastActivityMs: number;

  constructor(
    readonly name: string,
    private readonly cls: ClassConfig,
    private readonly transcriptDir: string,
    /** A fresh lab of the class's backend (the simulator; the namespace lab for a single trainer-run session). */
    private readonly makeBackend: () => Backend,
    private readonly now: () => number = Date.now,
  ) {
    this.lastActivityMs = now();
  }

  /** Runs the class's scenarios until the last one ends or end() is called. */
  async run(): Promise<void> {
    for (; this.step < this.cls.steps.length && !this.ended; this.step++) await this.runStep();
    this.done = true;
    this.session = undefined;
    if (!this.ended) this.write('\nThat was the last scenario of the class. Well done!\n');
    this.emitState();
  }

  private async runStep(): Promise<void> {
    const step = this.cls.steps[this.step]!;
    const s = step.scenario;
    const path = join(this.transcriptDir, `${fileSafe(this.name)}-${s.name}-${this.id.slice(0, 8)}.jsonl`);
    const transcript = new ObservedTranscript(path, (entry) => this.onEntry(entry));
    this.transcript = transcript;
    this.runs.push(transcript);
    const input = new PassThrough();
    const session = new ClassSession({
      scenario: s, makeBackend: this.makeBackend, out: (t) => this.write(t), transcript, trainee: this.name,
      diagramDir: this.transcriptDir, now: this.now,
    }, step, (t) => this.write(t));
    this.session = session;
    this.input = input;
    this.stepStartedMs = this.now();
    this.drawn = undefined;
    this.write(`\x1b[2J\x1b[HScenario ${this.step + 1} of ${this.cls.steps.length}\n`);
    try {
      await session.start();
    } catch (err) {
      await session.abort();
      transcript.close();
      this.write(`tracelab: ${err instanceof Error ? err.message : String(err)}\n`);
      return;
    }
    this.emitState();
    const limit = step.timeLimitMs === undefined ? undefined : setTimeout(() => {
      this.write(`\nTime is up for this scenario (${formatDuration(step.timeLimitMs!)}): on to the next one.\n`);
      input.end();
    }, step.timeLimitMs);
    try {
      if (!this.ended) await runShell(session, { input, output: this.output, terminal: true });
    } finally {
      if (limit) clearTimeout(limit);
      try {
        const summary = await session.finish(path);
        this.write(`\n${formatSummary(summary)}`);
      } finally {
        transcript.close();
      }
    }
  }

  private onEntry(entry: TranscriptEntry): void {
    if (entry.type === 'line') this.emitState();
  }

  /** Keys the page's terminal sent (they reach the training shell's readline only). */
  type(data: string): void {
    this.lastActivityMs = this.now();
    // Between scenarios (a time limit ended the input) keys have nowhere to go: dropped, as a closed shell drops them.
    if (!this.done && this.input && !this.input.writableEnded) this.input.write(data);
  }

  resize(columns: number, rows: number): void {
    this.output.resize(columns, rows);
  }

  /** Ends the current scenario (its summary is written) and the class for this trainee. */
  end(reason: string): void {
    if (this.ended) return;
    this.ended = true;
    this.write(`\n${reason}\n`);
    this.input?.end();
  }

  get finished(): boolean {
    return this.done;
  }

  /** Subscribes to what the page shows: the screen so far, then its output and state as they come. */
  subscribe(listener: (m: ServerMessage) => void): () => void {
    listener({ t: 'screen', d: this.screen });
    listener(this.state());
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private write(text: string): void {
    this.screen = (this.screen + text).slice(-SCREEN_BYTES);
    for (const l of this.listeners) l({ t: 'out', d: text });
  }

  private emitState(): void {
    const state = this.state();
    for (const l of this.listeners) l(state);
  }

  /** The picture of the scenario's lab: redrawn when a probe left a new path (or `solution` revealed its cause). */
  private picture(): string {
    const session = this.session;
    if (!session) return this.svg;
    const path = session.probePath;
    const trace = path?.trace ?? null;
    if (!this.drawn || this.drawn.trace !== trace || this.drawn.cause !== path?.cause) {
      this.svg = renderLabSvg(session.scenario.lab, path ? { path } : {});
      this.drawn = { trace, ...(path?.cause !== undefined ? { cause: path.cause } : {}) };
    }
    return this.svg;
  }

  state(): TraineeState {
    const step = this.cls.steps[Math.min(this.step, this.cls.steps.length - 1)]!;
    const rows = this.rows();
    return {
      t: 'state', id: this.id, name: this.name, className: this.cls.name,
      step: Math.min(this.step, this.cls.steps.length - 1), steps: this.cls.steps.length, finished: this.done,
      scenario: { name: step.scenario.name, title: step.scenario.title, brief: step.scenario.brief },
      here: this.session?.here.id ?? '', svg: this.picture(),
      elapsedMs: this.now() - this.stepStartedMs, ...(step.timeLimitMs !== undefined ? { timeLimitMs: step.timeLimitMs } : {}),
      fixed: rows[this.step]?.fixed ?? false, fixedCount: rows.filter((r) => r.fixed).length, hintsUsed: rows.reduce((n, r) => n + r.hintsUsed, 0),
      hintsAllowed: step.hints, solutionsAllowed: step.solutions,
    };
  }

  /** The class report's rows of this trainee's scenario runs so far (`train report`'s rows). */
  rows(): readonly SessionRow[] {
    return classReport(this.transcripts()).sessions;
  }

  transcripts(): Transcript[] {
    return this.runs.map((r) => r.transcript()).filter((t): t is Transcript => t !== undefined);
  }

  /** The dashboard's row: the scenario now, its time and counts, FIXED or not, the last command. */
  row(connected: boolean): TraineeRow {
    const current = this.transcript?.transcript();
    const r = current ? classReport([current]).sessions[0] : undefined;
    const step = this.cls.steps[Math.min(this.step, this.cls.steps.length - 1)]!;
    return {
      id: this.id, name: this.name, scenario: step.scenario.name, step: Math.min(this.step, this.cls.steps.length - 1) + 1,
      steps: this.cls.steps.length, timeOnMs: this.done ? r?.durationMs ?? 0 : this.now() - this.stepStartedMs,
      commands: r?.commands ?? 0, hints: r?.hintsUsed ?? 0, checks: r?.checks ?? 0, fixed: r?.fixed ?? false,
      lastCommand: this.transcript?.lastCommand() ?? '', connected, ended: this.ended || this.done,
    };
  }
}

/** A trainee's name as part of a file name: letters, digits, dot, dash and underscore, never a leading dot. */
export function fileSafe(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\./, '_').slice(0, 40) || 'trainee';
}
