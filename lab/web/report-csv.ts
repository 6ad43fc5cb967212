// The class report's session rows as CSV (RFC 4180 quoting), for the dashboard's export.
import type { ClassReport, SessionRow } from '../train/report.js';

const COLUMNS: readonly (keyof SessionRow)[] = [
  'trainee', 'scenario', 'fixed', 'undone', 'ended', 'durationMs', 'commands', 'hintsUsed', 'hintsTotal', 'solutionShown',
  'checks', 'resets', 'backend', 'startedAt', 'file',
];

function cell(value: unknown): string {
  const text = value === undefined ? '' : String(value);
  // A leading = + - @ would be a formula to a spreadsheet: quote it as text.
  const safe = /^[=+\-@]/.test(text) ? `'${text}` : text;
  return /[",\r\n]/.test(safe) || safe !== text ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function reportCsv(report: ClassReport): string {
  const lines = [COLUMNS.join(','), ...report.sessions.map((row) => COLUMNS.map((c) => cell(row[c])).join(','))];
  return `${lines.join('\r\n')}\r\n`;
}
