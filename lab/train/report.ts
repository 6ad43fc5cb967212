// `tracelab train report`: a class's transcripts summarised per session and per scenario, as text or JSON.
import { formatDuration } from './texts.js';
import type { Transcript } from './transcript.js';
import { median } from '../median.js';

export interface SessionRow {
  readonly file: string;
  readonly trainee: string;
  readonly scenario: string;
  readonly backend: string;
  readonly startedAt: string;
  /** False when the transcript has no end (the session was killed): figures come from its lines. */
  readonly ended: boolean;
  /** A check said FIXED (a later reset keeps the credit). */
  readonly fixed: boolean;
  /** Fixed once, but not at the end (reset, or broken again). */
  readonly undone: boolean;
  readonly durationMs: number;
  readonly commands: number;
  readonly hintsUsed: number;
  readonly hintsTotal?: number;
  readonly solutionShown: boolean;
  readonly checks: number;
  readonly resets: number;
}

export interface ScenarioRow {
  readonly scenario: string;
  readonly sessions: number;
  readonly fixed: number;
  readonly fixedWithoutSolution: number;
  readonly medianMs: number;
  readonly meanHints: number;
  readonly meanCommands: number;
}

export interface ClassReport {
  readonly sessions: readonly SessionRow[];
  readonly scenarios: readonly ScenarioRow[];
}

function sessionRow(t: Transcript): SessionRow {
  const base = { file: t.file, trainee: t.start.trainee, scenario: t.start.scenario, backend: t.start.backend, startedAt: t.start.startedAt };
  if (t.summary) {
    const s = t.summary;
    return {
      ...base, ended: true, fixed: s.fixed || s.firstFixedAtMs !== undefined, undone: !s.fixed && s.firstFixedAtMs !== undefined, durationMs: s.durationMs, commands: s.commands, hintsUsed: s.hintsUsed,
      hintsTotal: s.hintsTotal, solutionShown: s.solutionShown, checks: s.checks, resets: s.resets,
    };
  }
  const ran = t.lines.filter((l) => l.kind !== 'empty' && l.kind !== 'cancelled' && l.kind !== 'invalid');
  const checks = t.lines.filter((l) => l.builtin === 'check');
  return {
    ...base, ended: false, fixed: checks.some((c) => c.fixed === true), undone: checks.some((c) => c.fixed === true) && checks[checks.length - 1]?.fixed !== true,
    durationMs: t.lines[t.lines.length - 1]?.atMs ?? 0, commands: ran.length,
    hintsUsed: t.lines.filter((l) => l.builtin === 'hint').length, solutionShown: t.lines.some((l) => l.builtin === 'solution'),
    checks: checks.length, resets: t.lines.filter((l) => l.builtin === 'reset').length,
  };
}


const mean = (values: readonly number[]) => (values.length ? values.reduce((a, b) => a + b, 0) / values.length : 0);

export function classReport(transcripts: readonly Transcript[]): ClassReport {
  const sessions = transcripts.map(sessionRow);
  const names = [...new Set(sessions.map((s) => s.scenario))].sort();
  const scenarios = names.map((scenario) => {
    const rows = sessions.filter((s) => s.scenario === scenario);
    return {
      scenario, sessions: rows.length, fixed: rows.filter((r) => r.fixed).length,
      fixedWithoutSolution: rows.filter((r) => r.fixed && !r.solutionShown).length,
      medianMs: median(rows.map((r) => r.durationMs)), meanHints: mean(rows.map((r) => r.hintsUsed)),
      meanCommands: mean(rows.map((r) => r.commands)),
    };
  });
  return { sessions, scenarios };
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]! + 2))).join('').trimEnd();
  return [line(header), ...rows.map(line)].map((l) => `${l}\n`).join('');
}

export function formatClassReport(r: ClassReport): string {
  const sessions = table(
    ['TRAINEE', 'SCENARIO', 'RESULT', 'TIME', 'COMMANDS', 'HINTS', 'SOLUTION', 'CHECKS', 'BACKEND'],
    r.sessions.map((s) => [
      s.trainee, s.scenario, `${s.fixed ? 'FIXED' : 'NOT FIXED'}${s.undone ? ' (then undone)' : ''}${s.ended ? '' : ' (unfinished)'}`, formatDuration(s.durationMs),
      String(s.commands), s.hintsTotal !== undefined ? `${s.hintsUsed}/${s.hintsTotal}` : String(s.hintsUsed),
      s.solutionShown ? 'shown' : 'no', String(s.checks), s.backend,
    ]),
  );
  const scenarios = table(
    ['SCENARIO', 'SESSIONS', 'FIXED', 'WITHOUT SOLUTION', 'MEDIAN TIME', 'MEAN HINTS', 'MEAN COMMANDS'],
    r.scenarios.map((s) => [
      s.scenario, String(s.sessions), String(s.fixed), String(s.fixedWithoutSolution), formatDuration(s.medianMs),
      s.meanHints.toFixed(1), s.meanCommands.toFixed(1),
    ]),
  );
  const fixed = r.sessions.filter((s) => s.fixed).length;
  return `${sessions}\n${scenarios}\n${r.sessions.length} session${r.sessions.length === 1 ? '' : 's'}, ${fixed} fixed\n`;
}
