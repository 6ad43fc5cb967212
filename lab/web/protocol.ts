// The messages between the web trainer's server and its pages (trainee terminal, trainer dashboard): types only.

/** What a trainee's page (and a watching trainer's) shows besides the terminal. */
export interface TraineeState {
  readonly t: 'state';
  readonly id: string;
  readonly name: string;
  readonly className: string;
  /** Index of the scenario now (0-based) and how many the class has. */
  readonly step: number;
  readonly steps: number;
  /** Every scenario ended (or the session did). */
  readonly finished: boolean;
  readonly scenario: { readonly name: string; readonly title: string; readonly brief: string };
  /** The device id the trainee is on (the picture marks it), empty between scenarios. */
  readonly here: string;
  /** The lab's SVG picture, with the last probe's path. */
  readonly svg: string;
  /** Time on this scenario when the state was sent, and its limit. */
  readonly elapsedMs: number;
  readonly timeLimitMs?: number;
  /** A check said FIXED on the scenario now; how many of the class's scenarios were fixed. */
  readonly fixed: boolean;
  readonly fixedCount: number;
  readonly hintsUsed: number;
  readonly hintsAllowed: boolean;
  readonly solutionsAllowed: boolean;
}

export type ServerMessage =
  | { readonly t: 'out'; readonly d: string }
  /** The screen so far (the page replays it on connecting). */
  | { readonly t: 'screen'; readonly d: string }
  | TraineeState
  /** The session is unknown or over: the page starts afresh. */
  | { readonly t: 'gone'; readonly message: string };

export type ClientMessage =
  /** Keys typed in the terminal. */
  | { readonly t: 'in'; readonly d: string }
  | { readonly t: 'resize'; readonly cols: number; readonly rows: number };

/** A row of the trainer's dashboard. */
export interface TraineeRow {
  readonly id: string;
  readonly name: string;
  readonly scenario: string;
  /** 1-based position of the scenario in the class, and the class's length. */
  readonly step: number;
  readonly steps: number;
  readonly timeOnMs: number;
  readonly commands: number;
  readonly hints: number;
  readonly checks: number;
  readonly fixed: boolean;
  readonly lastCommand: string;
  readonly connected: boolean;
  readonly ended: boolean;
}

/** Limits on what a page may send. */
export const INPUT_LIMITS = {
  /** Largest WebSocket message accepted (bigger ones close the socket). */
  maxMessageBytes: 8 * 1024,
  /** Keys per second a terminal may send on average, and the burst allowed (a paste of a few lines). */
  bytesPerSecond: 2048,
  burstBytes: 8 * 1024,
} as const;
