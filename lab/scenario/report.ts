// Formats scenario run results: text (PASS/FAIL lines with diffs), JSON, and JUnit XML; plus list/show texts.
import type { ProbeCheck, RunReport, ScenarioResult } from './run.js';
import type { Scenario, ScenarioStep } from './types.js';

/** The closing line of every text report, alone on its line. */
export function summaryLine(report: Pick<RunReport, 'passed' | 'failed'>): string {
  return `${report.passed} passed, ${report.failed} failed`;
}

function indent(text: string, by = '    '): string {
  return text.replace(/\n$/, '').split('\n').map((l) => `${by}${l}`).join('\n');
}

function describeCheck(c: ProbeCheck): string[] {
  const lines = [`  ${c.phase === 'broken' ? 'broken lab' : 'after the fix'}: ${c.at}$ ${c.run}`];
  if (c.expectedFrom === 'unbroken-lab') lines.push('    (expected: what the unbroken lab printed)');
  if (c.expectedExit !== c.actualExit) lines.push(`    exit status ${c.actualExit}, expected ${c.expectedExit}`);
  if (c.diff) lines.push(indent(c.diff));
  if (c.actualStderr && c.expectedStderr === undefined && (c.expectedExit !== c.actualExit || c.diff)) {
    lines.push('    stderr:', indent(c.actualStderr, '      '));
  }
  return lines;
}

/** The text of one result: `PASS name` or `FAIL name` and, for failures, what went wrong. */
export function formatResultText(r: ScenarioResult): string {
  const lines = [`${r.pass ? 'PASS' : 'FAIL'} ${r.name}`];
  if (!r.pass) {
    if (r.error) lines.push(`  error: ${r.error}`);
    if (r.stepFailure) {
      const s = r.stepFailure;
      lines.push(`  ${s.phase} step failed (exit ${s.exitCode}): ${s.at}$ ${s.run}`);
      if (s.stderr) lines.push(indent(s.stderr));
    }
    for (const c of r.checks.filter((x) => !x.pass)) lines.push(...describeCheck(c));
  }
  return `${lines.join('\n')}\n`;
}

export function formatReportText(report: RunReport): string {
  return `${report.results.map(formatResultText).join('')}${summaryLine(report)}\n`;
}

export function reportJson(report: RunReport): unknown {
  return {
    backend: report.backend,
    passed: report.passed,
    failed: report.failed,
    scenarios: report.results.map((r) => ({
      name: r.name, title: r.title, file: r.file, pass: r.pass,
      error: r.error, stepFailure: r.stepFailure,
      probes: r.checks.map((c) => ({
        phase: c.phase, at: c.at, run: c.run, pass: c.pass, expectedFrom: c.expectedFrom,
        expected: c.expected, actual: c.actual, expectedExit: c.expectedExit, exit: c.actualExit,
        expectedStderr: c.expectedStderr, stderr: c.actualStderr, diff: c.diff,
      })),
    })),
  };
}

/** XML 1.0 text: escapes markup and drops characters XML cannot carry (control characters, lone surrogates). */
export function xmlEscape(text: string): string {
  return text
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** JUnit XML: one testsuite per run, one testcase per scenario, failures carry the text report. */
export function formatJunit(report: RunReport, suiteName = 'tracelab scenarios'): string {
  const time = (ms: number) => (ms / 1000).toFixed(3);
  const total = report.results.reduce((t, r) => t + r.durationMs, 0);
  const errors = report.results.filter((r) => r.error).length;
  const failures = report.results.filter((r) => !r.pass && !r.error).length;
  const out = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${xmlEscape(suiteName)}" tests="${report.results.length}" failures="${failures}" errors="${errors}" time="${time(total)}">`,
    `  <testsuite name="${xmlEscape(suiteName)}" tests="${report.results.length}" failures="${failures}" errors="${errors}" skipped="0" time="${time(total)}">`,
    `    <properties><property name="backend" value="${xmlEscape(report.backend)}"/></properties>`,
  ];
  for (const r of report.results) {
    const head = `    <testcase classname="scenarios.${xmlEscape(report.backend || 'backend')}" name="${xmlEscape(r.name)}" file="${xmlEscape(r.file)}" time="${time(r.durationMs)}"`;
    if (r.pass) {
      out.push(`${head}/>`);
      continue;
    }
    const detail = formatResultText(r);
    const tag = r.error ? 'error' : 'failure';
    const message = r.error ?? (r.stepFailure ? `${r.stepFailure.phase} step failed: ${r.stepFailure.run}` : `${r.checks.filter((c) => !c.pass).length} probe(s) did not match`);
    out.push(`${head}>`, `      <${tag} message="${xmlEscape(message)}" type="${tag === 'error' ? 'BackendError' : 'ScenarioMismatch'}">${xmlEscape(detail)}</${tag}>`, '    </testcase>');
  }
  out.push('  </testsuite>', '</testsuites>');
  return `${out.join('\n')}\n`;
}

/** `tracelab scenario list`: name and title per line. */
export function formatList(scenarios: readonly Scenario[]): string {
  const width = Math.max(0, ...scenarios.map((s) => s.name.length));
  return scenarios.map((s) => `${s.name.padEnd(width)}  ${s.title}\n`).join('');
}

function stepText(s: ScenarioStep): string {
  return s.kind === 'wait' ? `wait ${s.text}` : `${s.at}$ ${s.run}`;
}

/** `tracelab scenario show NAME`: what a trainee may see (title, brief, lab, probes, hints); never the break, its lab
 * edits or the fix. */
export function formatShow(s: Scenario): string {
  const lines = [`${s.name}: ${s.title}`, '', s.brief.trimEnd(), '', `lab: ${s.labName}`];
  if (!s.trainable) lines.push('train: false (a baseline or a demonstration: nothing to fix; `tracelab train` refuses it)');
  lines.push('', 'probes:');
  for (const p of s.probes) lines.push(`  ${p.at}$ ${p.run}`);
  if (s.hints.length > 0) {
    lines.push('', 'hints:');
    s.hints.forEach((h, i) => lines.push(`  ${i + 1}. ${h}`));
  }
  return `${lines.join('\n')}\n`;
}

/** For --explain-like uses: the steps of a scenario as text (not used by show, which hides the fix). */
export function formatSteps(steps: readonly ScenarioStep[]): string {
  return steps.map((s) => `${stepText(s)}\n`).join('');
}
