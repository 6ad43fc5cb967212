// `tracelab verify` as a library: runs each scenario on a reference backend (the simulator) and on a subject backend
// (the namespace lab), compares every probe's stdout, stderr and exit code with the millisecond figures masked, and
// reports per scenario `agree` or the first differing line.
import type { Backend } from './backend.js';
import type { CommandResult } from '../topology/trace.js';
import { maskForComparison, maskMilliseconds } from '../sim/tools/mask.js';
import { observeScenario, type ScenarioObservation, type StepFailure } from './scenario/run.js';
import type { Scenario } from './scenario/types.js';
import { resolvePlace } from '../topology/place.js';
import { versionMark, type VersionMark } from '../sim/tools/version-marks.js';

/** Where two backends first part: a probe's stream and line, a probe's exit code, or a break/fix step. */
export interface Difference {
  /** `broken`: the probes after the break; `fixed`: the probes after the fix; `break`/`fix`: a step failed on one side. */
  readonly phase: 'broken' | 'fixed' | 'break' | 'fix';
  /** 1-based probe number (probes) or step number (steps). */
  readonly index: number;
  readonly at: string;
  readonly run: string;
  readonly stream: 'stdout' | 'stderr' | 'exit' | 'step';
  /** 1-based line number of the stream (stdout/stderr only). */
  readonly line?: number;
  /** The reference's line (unmasked), its exit code as text, or undefined where its output has no such line. */
  readonly reference?: string;
  readonly subject?: string;
}

export interface VerifyResult {
  readonly name: string;
  readonly title: string;
  readonly file: string;
  readonly agree: boolean;
  readonly difference?: Difference;
  /** A backend failed outright (build, run or teardown); the scenario does not agree. */
  readonly error?: { readonly backend: string; readonly message: string };
  readonly reference?: ScenarioObservation;
  readonly subject?: ScenarioObservation;
  /** Differences of earlier subject runs that a fresh rerun did not repeat (timing flakes of the real tools). */
  readonly retried?: readonly Difference[];
  /** Wall-clock milliseconds of both runs (reported, never compared). */
  readonly durationMs: number;
  /** The probes compared by their version-independent part only (formatMark lines). */
  readonly versionMarked?: readonly string[];
}

export interface VerifyReport {
  readonly reference: string;
  readonly subject: string;
  readonly results: readonly VerifyResult[];
  readonly agreed: number;
  readonly total: number;
  /** True when the run stopped early (opts.signal); results hold the scenarios that ran. */
  readonly interrupted?: boolean;
}

export interface VerifyOptions {
  /** A fresh reference backend per scenario (the simulator). */
  readonly makeReference: () => Backend;
  /** A fresh subject backend per scenario (the namespace lab: a fresh lab per scenario). */
  readonly makeSubject: () => Backend;
  readonly onResult?: (result: VerifyResult) => void;
  /**
   * Fresh subject runs after a disagreement (default 0). Real tools have timing in them (traceroute's adaptive wait
   * prints `*` for an answer later than 3x the hop's first one on a loaded machine): a difference counts only when
   * every run shows one, and the flakes are reported with the result.
   */
  readonly retries?: number;
  /** Stops before the next scenario once aborted (Ctrl-C): the running one finishes and takes its lab down. */
  readonly signal?: AbortSignal;
}

/** What a backend is called in messages: the namespace lab is the real kernel. */
export function backendLabel(name: string): string {
  return name === 'netns' ? 'kernel' : name;
}

/** The first line where two texts differ once both are masked; undefined when they agree. */
export function firstDifferingLine(reference: string, subject: string, marked = true): { line: number; reference?: string; subject?: string } | undefined {
  const ma = maskForComparison(reference, marked);
  const mb = maskForComparison(subject, marked);
  if (ma === mb) return undefined;
  // An interface listing's mask reorders and rewrites lines: its masked lines are shown; other texts' own lines.
  const shown = (text: string, masked: string) => (masked === maskMilliseconds(text) ? text : masked).split('\n');
  const [a, b, xa, xb] = [ma.split('\n'), mb.split('\n'), shown(reference, ma), shown(subject, mb)];
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] === undefined || b[i] === undefined || a[i] !== b[i]) {
      const x = xa[i];
      const y = xb[i];
      return { line: i + 1, ...(x !== undefined ? { reference: x } : {}), ...(y !== undefined ? { subject: y } : {}) };
    }
  }
  return undefined;
}

/**
 * Compares one probe's results: stdout first, then stderr, then the exit code. `marked`: the probe's program differs
 * by build between the place's image and the namespace lab (sim/tools/version-marks.ts), so only its
 * version-independent part is compared; callers that do not know the place leave the version masks on.
 */
export function compareResults(
  where: { phase: 'broken' | 'fixed'; index: number; at: string; run: string },
  reference: Pick<CommandResult, 'stdout' | 'stderr' | 'exitCode'>,
  subject: Pick<CommandResult, 'stdout' | 'stderr' | 'exitCode'>,
  marked = true,
): Difference | undefined {
  for (const stream of ['stdout', 'stderr'] as const) {
    const d = firstDifferingLine(reference[stream], subject[stream], marked);
    if (d) return { ...where, stream, line: d.line, ...(d.reference !== undefined ? { reference: d.reference } : {}), ...(d.subject !== undefined ? { subject: d.subject } : {}) };
  }
  if (reference.exitCode !== subject.exitCode) return { ...where, stream: 'exit', reference: String(reference.exitCode), subject: String(subject.exitCode) };
  return undefined;
}

function stepDifference(scenario: Scenario, a?: StepFailure, b?: StepFailure): Difference | undefined {
  if (!a && !b) return undefined;
  const failure = (a ?? b)!;
  const steps = failure.phase === 'break' ? scenario.breakSteps : scenario.fixSteps ?? [];
  const index = steps.findIndex((s) => s.kind === 'run' && s.at === failure.at && s.run === failure.run) + 1;
  const text = (f?: StepFailure): string | undefined => (f ? `exit ${f.exitCode}: ${f.stderr.trim().split('\n')[0] ?? ''}` : undefined);
  const same = a && b && a.phase === b.phase && a.at === b.at && a.run === b.run && a.exitCode === b.exitCode && maskForComparison(a.stderr) === maskForComparison(b.stderr);
  if (same) return undefined;
  const ref = text(a);
  const sub = text(b);
  return { phase: failure.phase, index, at: failure.at, run: failure.run, stream: 'step', ...(ref !== undefined ? { reference: ref } : {}), ...(sub !== undefined ? { subject: sub } : {}) };
}

/** The first difference between two observations of the same scenario, in the order the scenario runs. */
export function compareObservations(scenario: Scenario, reference: ScenarioObservation, subject: ScenarioObservation): Difference | undefined {
  const phases: ['broken' | 'fixed', readonly CommandResult[] | undefined, readonly CommandResult[] | undefined][] = [
    ['broken', reference.broken, subject.broken],
    ['fixed', reference.fixed, subject.fixed],
  ];
  for (const [phase, a, b] of phases) {
    // A step failure on either side ends that side's run; it is compared when the probes run out.
    if (!a || !b || a.length === 0 || b.length === 0) break;
    for (const [i, probe] of scenario.probes.entries()) {
      const d = compareResults({ phase, index: i + 1, at: probe.at, run: probe.run }, a[i]!, b[i]!, probeMark(scenario, probe) !== undefined);
      if (d) return d;
    }
  }
  return stepDifference(scenario, reference.stepFailure, subject.stepFailure);
}

/** The probe's version mark: its program's build at the place's image differs from the namespace lab's. */
export function probeMark(scenario: Pick<Scenario, 'lab'>, probe: { at: string; run: string }): VersionMark | undefined {
  const place = resolvePlace(scenario.lab, probe.at);
  return place.ok ? versionMark(place.device, probe.run) : undefined;
}

/** `node-2/netshoot: dig (BIND 9.20 (Alpine bind-tools) in the image, BIND 9.18.49 (Debian bind9-dnsutils) here; masked: ...)`. */
export function formatMark(at: string, m: VersionMark): string {
  return `${at}: ${m.program} (${m.imageBuild} in the image, ${m.labBuild} in the namespace lab; masked: ${m.masked || 'nothing'})`;
}

async function observe(scenario: Scenario, backend: Backend): Promise<{ seen?: ScenarioObservation; error?: { backend: string; message: string } }> {
  try {
    return { seen: await observeScenario(scenario, backend) };
  } catch (err) {
    return { error: { backend: backend.name, message: err instanceof Error ? err.message.split('\n')[0]! : String(err) } };
  }
}

/** Runs one scenario on both backends, one after the other, and compares. Never throws. */
export async function verifyScenario(scenario: Scenario, opts: Pick<VerifyOptions, 'makeReference' | 'makeSubject' | 'retries'>): Promise<VerifyResult> {
  const started = Date.now();
  const marks = scenario.probes.flatMap((p) => {
    const m = probeMark(scenario, p);
    return m ? [formatMark(p.at, m)] : [];
  });
  const base = { name: scenario.name, title: scenario.title, file: scenario.file, ...(marks.length > 0 ? { versionMarked: [...new Set(marks)] } : {}) };
  const ref = await observe(scenario, opts.makeReference());
  const retried: Difference[] = [];
  for (let attempt = 0; ; attempt++) {
    const sub = ref.error ? {} : await observe(scenario, opts.makeSubject());
    const error = ref.error ?? sub.error;
    const observed = { ...(ref.seen ? { reference: ref.seen } : {}), ...(sub.seen ? { subject: sub.seen } : {}), ...(retried.length > 0 ? { retried: [...retried] } : {}) };
    if (error || !ref.seen || !sub.seen) return { ...base, agree: false, ...(error ? { error } : {}), ...observed, durationMs: Date.now() - started };
    const difference = compareObservations(scenario, ref.seen, sub.seen);
    if (difference && attempt < (opts.retries ?? 0)) {
      retried.push(difference);
      continue;
    }
    return { ...base, agree: difference === undefined, ...(difference ? { difference } : {}), ...observed, durationMs: Date.now() - started };
  }
}

/** Verifies scenarios one after another, each on fresh backends. */
export async function verifyScenarios(scenarios: readonly Scenario[], opts: VerifyOptions): Promise<VerifyReport> {
  const results: VerifyResult[] = [];
  let reference = '';
  let subject = '';
  const makeReference = (): Backend => {
    const b = opts.makeReference();
    reference = b.name;
    return b;
  };
  const makeSubject = (): Backend => {
    const b = opts.makeSubject();
    subject = b.name;
    return b;
  };
  for (const s of scenarios) {
    if (opts.signal?.aborted) break;
    const r = await verifyScenario(s, { makeReference, makeSubject, ...(opts.retries !== undefined ? { retries: opts.retries } : {}) });
    results.push(r);
    opts.onResult?.(r);
  }
  const interrupted = results.length < scenarios.length ? { interrupted: true } : {};
  return { reference, subject, results, agreed: results.filter((r) => r.agree).length, total: results.length, ...interrupted };
}

const shown = (text: string | undefined, what: 'line' | 'other'): string =>
  text === undefined ? (what === 'line' ? '(no such line)' : '(did not fail)') : JSON.stringify(text);

/** `differs at probe 2 (after fix) stderr line 1: sim "..." kernel "..."`, without the scenario name. */
export function formatDifference(d: Difference, referenceName: string, subjectName: string): string {
  const ref = backendLabel(referenceName);
  const sub = backendLabel(subjectName);
  if (d.stream === 'step') {
    return `${d.phase} step ${d.index} (${d.at}: ${d.run}) differs: ${ref} ${shown(d.reference, 'other')} ${sub} ${shown(d.subject, 'other')}`;
  }
  const where = `probe ${d.index}${d.phase === 'fixed' ? ' (after fix)' : ''}`;
  if (d.stream === 'exit') return `differs at ${where} exit code: ${ref} ${d.reference} ${sub} ${d.subject}`;
  const stream = d.stream === 'stderr' ? 'stderr line' : 'line';
  return `differs at ${where} ${stream} ${d.line}: ${ref} ${shown(d.reference, 'line')} ${sub} ${shown(d.subject, 'line')}`;
}

/** One line per scenario: `NAME: agree`, `NAME: differs at ...`, or `NAME: error on kernel: ...`. */
export function formatVerifyResult(r: VerifyResult, referenceName: string, subjectName: string): string {
  if (r.error) return `${r.name}: error on ${backendLabel(r.error.backend)}: ${r.error.message}\n`;
  if (r.agree && r.retried?.length) {
    return `${r.name}: agree (on kernel run ${r.retried.length + 1}; run 1 ${formatDifference(r.retried[0]!, referenceName, subjectName)})\n`;
  }
  if (r.agree) return `${r.name}: agree\n`;
  return `${r.name}: ${formatDifference(r.difference!, referenceName, subjectName)}\n`;
}

export function agreementLine(report: Pick<VerifyReport, 'agreed' | 'total'>): string {
  return `agreement: ${report.agreed}/${report.total}`;
}

/** The report as plain data for --json (outputs included, so a disagreement can be read in full). */
export function verifyReportJson(report: VerifyReport): object {
  return {
    reference: report.reference,
    subject: report.subject,
    agreed: report.agreed,
    total: report.total,
    results: report.results.map((r) => ({
      name: r.name,
      file: r.file,
      agree: r.agree,
      ...(r.difference ? { difference: r.difference, message: formatDifference(r.difference, report.reference, report.subject) } : {}),
      ...(r.error ? { error: r.error } : {}),
      ...(r.retried?.length ? { retried: r.retried.map((d) => formatDifference(d, report.reference, report.subject)) } : {}),
      ...(r.versionMarked?.length ? { versionMarked: r.versionMarked } : {}),
      durationMs: r.durationMs,
      outputs: { [report.reference]: plain(r.reference), [report.subject]: plain(r.subject) },
    })),
  };
}

function plain(o: ScenarioObservation | undefined): object | undefined {
  if (!o) return undefined;
  const strip = (rs: readonly CommandResult[] | undefined) => rs?.map((x) => ({ stdout: x.stdout, stderr: x.stderr, exitCode: x.exitCode }));
  return { broken: strip(o.broken), ...(o.fixed ? { fixed: strip(o.fixed) } : {}), ...(o.stepFailure ? { stepFailure: o.stepFailure } : {}) };
}
