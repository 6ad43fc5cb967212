// The pieces a web trainee's scenario run is made of, around the training shell of `tracelab train`: the session with
// the class's rules (hints and solutions allowed or not), a transcript that also keeps its entries for the dashboard,
// and the terminal stream readline writes to (its width follows the browser's terminal).
import { Writable } from 'node:stream';
import { TrainingSession, type SessionOptions } from '../train/session.js';
import { TranscriptWriter, type SessionSummary, type Transcript, type TranscriptEntry, type TranscriptLine, type TranscriptStart } from '../train/transcript.js';
import { splitWords } from '../../sim/words.js';

export interface ClassRules {
  readonly hints: boolean;
  readonly solutions: boolean;
}

/** A training session that refuses the built-ins the class turned off (`hint`, `solution`); the rest is the shell's. */
export class ClassSession extends TrainingSession {
  constructor(opts: SessionOptions, private readonly rules: ClassRules, private readonly say: (text: string) => void) {
    super(opts);
  }

  override async handle(raw: string): Promise<'continue' | 'quit'> {
    const split = splitWords(raw.trim());
    const first = split.ok ? split.words[0] : undefined;
    if (first === 'hint' && !this.rules.hints) {
      this.say('hint: hints are turned off for this scenario in this class\n');
      return 'continue';
    }
    if (first === 'solution' && !this.rules.solutions) {
      this.say('solution: solutions are turned off for this scenario in this class\n');
      return 'continue';
    }
    return super.handle(raw);
  }
}

/**
 * A transcript file (the CLI's writer and its file-safety rules) that also keeps what the dashboard and the class
 * report need in memory: the start, each line without its output (that stays in the file), the summary.
 */
export class ObservedTranscript extends TranscriptWriter {
  private start?: TranscriptStart;
  private readonly lines: TranscriptLine[] = [];
  private summary?: SessionSummary;

  constructor(path: string, private readonly onEntry: (entry: TranscriptEntry) => void) {
    super(path);
  }

  override write(entry: TranscriptEntry): void {
    super.write(entry);
    if (entry.type === 'start') this.start = entry;
    else if (entry.type === 'line') this.lines.push({ ...entry, output: '' });
    else this.summary = entry.summary;
    this.onEntry(entry);
  }

  /** What `train report` reads from the file; undefined before the session started. */
  transcript(): Transcript | undefined {
    return this.start ? { file: this.path, start: this.start, lines: this.lines, ...(this.summary ? { summary: this.summary } : {}) } : undefined;
  }

  /** The last line that ran something (not empty, cancelled or invalid). */
  lastCommand(): string {
    for (let i = this.lines.length - 1; i >= 0; i--) {
      const l = this.lines[i]!;
      if (l.kind !== 'empty' && l.kind !== 'cancelled') return l.line;
    }
    return '';
  }
}

/** The stream readline writes the terminal to: every chunk goes to `sink`; `columns` is the browser terminal's width. */
export class TerminalOutput extends Writable {
  columns = 80;
  rows = 24;

  constructor(private readonly sink: (text: string) => void) {
    super({ decodeStrings: false });
  }

  override _write(chunk: unknown, _encoding: BufferEncoding, done: (err?: Error | null) => void): void {
    this.sink(String(chunk));
    done();
  }

  resize(columns: number, rows: number): void {
    this.columns = columns;
    this.rows = rows;
    this.emit('resize');
  }
}
