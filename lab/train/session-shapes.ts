// The shapes a training session is made with and answers in: its options and the answer to one typed line.
import type { Backend } from '../backend.js';
import type { Scenario } from '../scenario/index.js';
import type { BuiltinName } from './texts.js';
import type { LineKind, TranscriptWriter } from './transcript.js';

export interface SessionOptions {
  readonly scenario: Scenario;
  /** A fresh backend of the kind the session runs on (called again by `reset`). */
  readonly makeBackend: () => Backend;
  /** Everything the trainee sees goes through here. */
  readonly out: (text: string) => void;
  /** Where the trainee starts (a place); default: the place of the scenario's first probe. */
  readonly startAt?: string;
  readonly transcript?: TranscriptWriter;
  readonly trainee?: string;
  /** Where `diagram` writes its SVG files: a private directory or one the user named; it must exist. */
  readonly diagramDir: string;
  /** Wall clock in milliseconds (the summary's time figures). */
  readonly now?: () => number;
  /** The lab's seed: kubectl debug's container names are drawn from it (default 1). */
  readonly seed?: number;
  /** Ctrl-C reaches the session (a terminal): `ping` without -c runs until interrupt(), a line per tickMs (else 4 lines). */
  readonly untilInterrupted?: { readonly tickMs: number };
}

/** The answer to one typed line. */
export interface Answer {
  readonly kind: LineKind;
  readonly output: string;
  readonly exitCode?: number;
  readonly builtin?: BuiltinName;
  readonly fixed?: boolean;
  readonly quit?: boolean;
  /** How much of `output`'s start a foreground command already showed while it ran. */
  readonly shown?: number;
}
