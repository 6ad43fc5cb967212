// The training shell's fixed texts: the brief, help, hints, the solution and the end-of-session summary.
import { forTerminal, forTerminalLine } from '../io/terminal-text.js';
import type { Scenario } from '../scenario/index.js';
import { formatSteps } from '../scenario/report.js';
import { commandNames } from '../../sim/commands/index.js';
import { PROBE_TOOL_NAMES } from '../../sim/tools/registry.js';
import type { Device, LabModel } from '../../topology/model.js';
import { describePlace, placeNames } from './places.js';
import type { SessionSummary } from './transcript.js';

/** The trainer's own commands (they shadow Linux commands of the same name). */
export const BUILTINS = ['help', 'hint', 'check', 'solution', 'reset', 'diagram', 'history', 'sleep', 'quit'] as const;
export type BuiltinName = (typeof BUILTINS)[number];

/** The title and brief (the scenario author's text: control characters shown, never obeyed). */
export function formatBrief(s: Scenario): string {
  const title = forTerminalLine(`${s.title} (${s.name})`);
  return `${title}\n${'='.repeat(Math.min(title.length, 100))}\n${forTerminal(s.brief.trimEnd())}\n\n`;
}

export function formatHelp(lab: LabModel, here: Device, hintsLeft: number): string {
  return [
    'Trainer commands:',
    `  hint              the next hint (${hintsLeft} left)`,
    '  check             run the scenario\'s connectivity probes against a healthy lab: FIXED, or which still fails',
    '  solution          show the fix (your summary will say you looked)',
    '  reset             rebuild the lab broken, as at the start',
    '  diagram           draw the lab, with the path of your last traceroute, as an SVG file',
    '  history           the lines you typed',
    '  sleep N           let N seconds pass (Flannel re-adds deleted routes within about 10 s)',
    '  quit              end the session: summary and transcript (Ctrl-D does the same)',
    'Moving around:',
    '  ssh NODE                      log in to a node (from a node)',
    '  kubectl exec -it POD -- sh    a shell in a pod (from a node)',
    '  exit                          back to where you came from',
    `You are on ${describePlace(here)}.`,
    `  nodes: ${placeNames(lab, 'node').join(' ')}`,
    `  pods:  ${placeNames(lab, 'pod').join(' ')}`,
    `Linux commands (simulator): ${[...commandNames(), ...PROBE_TOOL_NAMES].join(', ')}.`,
    'Pipes: COMMAND | grep [-v -i -c -w -E] PATTERN, and | head, | tail, | wc -l, | sort, | uniq.',
    '',
  ].join('\n');
}

/** The hint after `shown` hints, or why there is none. */
export function formatHint(s: Scenario, shown: number): string {
  const total = s.hints.length;
  if (total === 0) return 'This scenario has no hints.\n';
  if (shown >= total) return `No more hints (all ${total} shown). \`solution\` shows the fix.\n`;
  return `hint ${shown + 1}/${total}: ${forTerminal(s.hints[shown]!.trimEnd())}\n`;
}

export function formatSolution(s: Scenario): string {
  if (!s.fixSteps) return 'This scenario records no fix; ask your instructor.\n';
  const steps = formatSteps(s.fixSteps).split('\n').filter(Boolean).map((l) => `  ${l}`).join('\n');
  return `The fix, as commands at each place:\n${steps}\nType them yourself, then \`check\`.\n`;
}

/** "4m 12s", "12s", "1h 02m". */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const sec = total % 60;
  if (h > 0) return `${h}h ${String(m).padStart(2, '0')}m`;
  if (m > 0) return `${m}m ${String(sec).padStart(2, '0')}s`;
  return `${sec}s`;
}

/** The summary's result: FIXED, NOT FIXED, or the credit of a FIXED check that a reset (or a later change) undid. */
export function formatResult(s: Pick<SessionSummary, 'fixed' | 'firstFixedAtMs' | 'resetAfterFix'>): string {
  if (s.fixed) return `FIXED${s.firstFixedAtMs !== undefined ? ` (first FIXED check after ${formatDuration(s.firstFixedAtMs)})` : ' (no check said so during the session)'}`;
  if (s.firstFixedAtMs === undefined) return 'NOT FIXED';
  return `FIXED once at ${formatDuration(s.firstFixedAtMs)}, then ${s.resetAfterFix ? 'reset' : 'broken again'}`;
}

export function formatSummary(s: SessionSummary): string {
  const result = formatResult(s);
  const rows: [string, string][] = [
    ['scenario', `${s.scenario} (${s.title})`],
    ['backend', s.backend],
    ['time', formatDuration(s.durationMs)],
    ['commands', String(s.commands)],
    ['hints', `${s.hintsUsed} of ${s.hintsTotal}`],
    ['solution', s.solutionShown ? 'shown' : 'not shown'],
    ['checks', String(s.checks)],
    ['resets', String(s.resets)],
    ['result', result],
  ];
  if (s.transcript) rows.push(['transcript', s.transcript]);
  return `\nSession summary\n${rows.map(([k, v]) => `  ${k.padEnd(11)}${v}\n`).join('')}`;
}
