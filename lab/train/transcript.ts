// Training transcripts: one JSON object per line (start, every line typed with its output, end with the summary),
// appended as the session goes so a killed session still leaves what happened; and reading them back.
import { closeSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../backend.js';
import { appendTo, makePrivateDir, openAppendFile, writeOutputFile } from '../io/output-file.js';
import { InputFileError, readInputFile } from '../../topology/read-input.js';

export const TRANSCRIPT_VERSION = 1;

export interface TranscriptStart {
  readonly type: 'start';
  readonly version: number;
  readonly scenario: string;
  readonly title: string;
  readonly file: string;
  readonly backend: string;
  readonly trainee: string;
  /** ISO wall-clock time. */
  readonly startedAt: string;
  readonly place: string;
}

/** What a typed line was: a Linux command at the place, a move, a trainer built-in, or nothing run. */
export type LineKind = 'command' | 'move' | 'builtin' | 'empty' | 'cancelled' | 'invalid';

export interface TranscriptLine {
  readonly type: 'line';
  /** Wall-clock milliseconds since the session started. */
  readonly atMs: number;
  readonly place: string;
  readonly prompt: string;
  readonly line: string;
  readonly kind: LineKind;
  /** The built-in's name (check, hint, ...), for kind 'builtin'. */
  readonly builtin?: string;
  readonly exitCode?: number;
  /** For `check`: whether it said FIXED. */
  readonly fixed?: boolean;
  /** Everything the trainee saw in answer (stdout and stderr, in the order shown). */
  readonly output: string;
}

export interface SessionSummary {
  readonly scenario: string;
  readonly title: string;
  readonly backend: string;
  readonly trainee: string;
  readonly startedAt: string;
  readonly endedAt: string;
  /** Wall-clock milliseconds from the brief to the end. */
  readonly durationMs: number;
  /** Lines that ran something (commands, moves and built-ins; not empty or cancelled lines). */
  readonly commands: number;
  readonly hintsUsed: number;
  readonly hintsTotal: number;
  readonly solutionShown: boolean;
  readonly resets: number;
  readonly checks: number;
  /** The lab gave the healthy output for every probe when the session ended. */
  readonly fixed: boolean;
  /** Milliseconds since the start of the first `check` that said FIXED (the credit a later `reset` keeps). */
  readonly firstFixedAtMs?: number;
  /** After that FIXED check, the trainee typed `reset` (the lab is broken again by the trainer, not by a mistake). */
  readonly resetAfterFix?: boolean;
  readonly transcript?: string;
}

export interface TranscriptEnd {
  readonly type: 'end';
  readonly summary: SessionSummary;
}

export type TranscriptEntry = TranscriptStart | TranscriptLine | TranscriptEnd;

/**
 * Appends entries to a transcript file. An existing file is replaced; its directory must exist; a symlink at the name
 * is replaced, never followed. Write errors (ENOENT, EISDIR, ENOSPC, EACCES) are OutputFileError.
 */
export class TranscriptWriter {
  private fd?: number;

  constructor(readonly path: string) {
    writeOutputFile(path, '', 0o600);
    this.fd = openAppendFile(path);
  }

  write(entry: TranscriptEntry): void {
    if (this.fd !== undefined) appendTo(this.fd, this.path, `${JSON.stringify(entry)}\n`);
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

/**
 * Where a transcript goes when no --transcript is given: SCENARIO-YYYYMMDD-HHMMSS.jsonl in a new private directory
 * (mode 0700, unpredictable name) under $TMPDIR, which also takes the session's diagrams.
 */
export function privateTranscriptPath(scenario: string, now: Date): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return join(makePrivateDir('tracelab-train-'), `${scenario}-${stamp}.jsonl`);
}

export interface Transcript {
  readonly file: string;
  readonly start: TranscriptStart;
  readonly lines: readonly TranscriptLine[];
  /** Undefined when the session did not end normally (killed, crashed). */
  readonly summary?: SessionSummary;
}

/** Reads a transcript; a file that is not one is a UsageError naming FILE:LINE. */
export function readTranscript(file: string): Transcript {
  let text: string;
  try {
    text = readInputFile(file);
  } catch (err) {
    if (err instanceof InputFileError) throw new UsageError(err.message);
    throw err;
  }
  let start: TranscriptStart | undefined;
  const lines: TranscriptLine[] = [];
  let summary: SessionSummary | undefined;
  text.split('\n').forEach((raw, i) => {
    if (raw.trim() === '') return;
    let entry: TranscriptEntry;
    try {
      entry = JSON.parse(raw) as TranscriptEntry;
    } catch {
      throw new UsageError(`${file}:${i + 1}:1: not a transcript line (not JSON)`);
    }
    if (entry?.type === 'start') {
      if (entry.version !== TRANSCRIPT_VERSION) throw new UsageError(`${file}:${i + 1}:1: transcript version ${String(entry.version)}, this tracelab reads ${TRANSCRIPT_VERSION}`);
      start = entry;
    } else if (entry?.type === 'line') lines.push(entry);
    else if (entry?.type === 'end') summary = entry.summary;
    else throw new UsageError(`${file}:${i + 1}:1: not a transcript line (no type start, line or end)`);
  });
  if (!start) throw new UsageError(`${file}:1:1: not a tracelab transcript (no start line)`);
  return { file, start, lines, summary };
}
