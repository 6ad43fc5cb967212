// What `verify --generate` prints: one line per case, the agreement figure, and agreement per tool (per probe) and
// per fault class (per case), with the cases whose commands both backends refused as not modelled counted apart.
import { compareResults, formatDifference } from '../verify.js';
import type { GenerateReport, GeneratedResult } from '../verify-generate.js';

type Tally = Map<string, { agree: number; total: number }>;

function count(t: Tally, key: string, agree: boolean): void {
  const row = t.get(key) ?? { agree: 0, total: 0 };
  row.total++;
  if (agree) row.agree++;
  t.set(key, row);
}

/** One case: `gen-1-7: agree`, `gen-1-7: not modelled: CMD`, or its first difference with how to replay it and the kept file. */
export function formatGeneratedResult(r: GeneratedResult, seed: number): string {
  const name = r.case.name;
  if (r.outcome === 'agree') return `${name}: agree\n`;
  if (r.outcome === 'not-modelled') return `${name}: agree (not modelled, refused alike by both backends): ${r.refused}\n`;
  const res = r.result!;
  const what = res.error ? `error on ${res.error.backend}: ${res.error.message}` : formatDifference(res.difference!, 'sim', 'netns');
  const kept = r.written ? `\n  shrunk to ${r.written}: ${r.shrunkMessage ?? ''}` : '';
  return `${name}: ${what} (seed ${seed}, case ${r.index})${kept}\n`;
}

/** Whether each probe of a case agreed on both phases (undefined where a backend gave no output for it). */
function probeAgreement(r: GeneratedResult): (boolean | undefined)[] {
  const ref = r.result?.reference;
  const sub = r.result?.subject;
  return r.case.probes.map((p, i) => {
    const a = ref?.broken[i];
    const b = sub?.broken[i];
    if (!a || !b) return undefined;
    return compareResults({ phase: 'broken', index: i + 1, at: p.at, run: p.run }, a, b) === undefined;
  });
}

function table(title: string, t: Tally): string {
  const rows = [...t.entries()].sort(([a], [b]) => a.localeCompare(b));
  const width = Math.max(...rows.map(([k]) => k.length), 4);
  return `${title}:\n${rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v.agree}/${v.total}`).join('\n')}\n`;
}

/** The summary after the per-case lines. */
export function formatGenerateSummary(report: GenerateReport, durationMs: number): string {
  const tools: Tally = new Map();
  const classes: Tally = new Map();
  const refused = new Map<string, number>();
  for (const r of report.results) {
    if (r.outcome === 'not-modelled') {
      const what = (r.refused ?? '').split(' ').slice(0, 3).join(' ');
      refused.set(what, (refused.get(what) ?? 0) + 1);
    }
    for (const c of r.case.faultClasses) count(classes, c, r.outcome !== 'differ');
    probeAgreement(r).forEach((ok, i) => ok !== undefined && count(tools, r.case.tools[i]!, ok));
  }
  const notModelled = [...refused.values()].reduce((a, b) => a + b, 0);
  const refusedText = notModelled > 0 ? `not modelled (refused alike by both backends, counted as agreeing on the refusal): ${notModelled} (${[...refused.entries()].map(([k, v]) => `${k}: ${v}`).join(', ')})\n` : '';
  return `${table('agreement per tool (probes)', tools)}${table('agreement per fault class (cases)', classes)}${refusedText}`
    + `time: ${(durationMs / 1000).toFixed(1)} s for ${report.total} cases\n`
    + `agreement: ${report.agreed}/${report.total}${report.interrupted ? ' (interrupted)' : ''}\n`;
}
