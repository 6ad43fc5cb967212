// The scenario runner and checker: builds the lab on any Backend, breaks it, probes, fixes, probes again, and returns
// results as data (expected, actual, pass, diff per probe). Knows nothing about which backend it holds.
import { UsageError, type Backend } from '../backend.js';
import type { CommandResult } from '../../topology/trace.js';
import type { LabModel } from '../../topology/model.js';
import { maskForComparison, maskMilliseconds } from '../../sim/tools/mask.js';
import { unifiedDiff } from './diff.js';
import type { ProbeCapture, Scenario, ScenarioProbe, ScenarioStep } from './types.js';
import { withTapText } from '../tapped-text.js';

export type Phase = 'broken' | 'fixed';

/** One probe checked against its expectation. */
export interface ProbeCheck {
  readonly phase: Phase;
  readonly at: string;
  readonly run: string;
  /** Where the expectation came from: the scenario file, or the unbroken lab (a fix without `healthy`). */
  readonly expectedFrom: 'scenario' | 'unbroken-lab';
  readonly expected: string;
  readonly actual: string;
  readonly expectedExit: number;
  readonly actualExit: number;
  readonly expectedStderr?: string;
  readonly actualStderr: string;
  readonly pass: boolean;
  /** Unified diff of stdout (and of stderr when it is checked); empty when they match. */
  readonly diff: string;
}

/** A break or fix step that could not run (non-zero exit): the scenario fails with its stderr. */
export interface StepFailure {
  readonly phase: 'break' | 'fix';
  readonly at: string;
  readonly run: string;
  readonly exitCode: number;
  readonly stderr: string;
}

export interface ScenarioResult {
  readonly name: string;
  readonly title: string;
  readonly file: string;
  readonly pass: boolean;
  readonly checks: readonly ProbeCheck[];
  readonly stepFailure?: StepFailure;
  /** An exception from the backend (up/run/down); the scenario counts as failed. */
  readonly error?: string;
  /** Wall-clock milliseconds (for JUnit's time attribute only; never compared). */
  readonly durationMs: number;
}

export interface RunReport {
  readonly backend: string;
  readonly results: readonly ScenarioResult[];
  readonly passed: number;
  readonly failed: number;
}

export type BackendFactory = () => Backend;

export interface RunOptions {
  /** Called with each result as soon as it is known (progress printing). */
  readonly onResult?: (result: ScenarioResult) => void;
}

/** Equality of tool output with every tool's millisecond figures and an interface listing's backend fields masked. */
export function outputsMatch(expected: string, actual: string): boolean {
  return maskForComparison(expected) === maskForComparison(actual);
}

/** Compares one probe run with its expectation. */
export function checkProbe(
  phase: Phase,
  probe: Pick<ScenarioProbe, 'at' | 'run'>,
  expected: { stdout: string; exit: number; stderr?: string; from: ProbeCheck['expectedFrom'] },
  actual: { stdout: string; stderr: string; exitCode: number },
): ProbeCheck {
  const label = `${probe.at}: ${probe.run}`;
  const lineEqual = (a: string, b: string) => maskMilliseconds(a) === maskMilliseconds(b);
  let diff = unifiedDiff(expected.stdout, actual.stdout, { fromLabel: `expected stdout (${label})`, toLabel: 'actual stdout', equal: lineEqual });
  const stdoutOk = outputsMatch(expected.stdout, actual.stdout);
  const stderrOk = expected.stderr === undefined || outputsMatch(expected.stderr, actual.stderr);
  if (!stderrOk) diff += unifiedDiff(expected.stderr!, actual.stderr, { fromLabel: `expected stderr (${label})`, toLabel: 'actual stderr', equal: lineEqual });
  const exitOk = expected.exit === actual.exitCode;
  return {
    phase, at: probe.at, run: probe.run, expectedFrom: expected.from,
    expected: expected.stdout, actual: actual.stdout, expectedExit: expected.exit, actualExit: actual.exitCode,
    expectedStderr: expected.stderr, actualStderr: actual.stderr,
    pass: stdoutOk && stderrOk && exitOk, diff,
  };
}

/** Runs steps in order (a `wait` lets the backend's clock run); returns the first command that failed. */
export async function runSteps(backend: Backend, steps: readonly ScenarioStep[], phase: 'break' | 'fix'): Promise<StepFailure | undefined> {
  for (const step of steps) {
    if (step.kind === 'wait') {
      await backend.wait(step.ms);
      continue;
    }
    const r = await backend.run(step.at, step.run);
    if (r.exitCode !== 0) return { phase, at: step.at, run: step.run, exitCode: r.exitCode, stderr: r.stderr };
  }
  return undefined;
}

async function runProbes(backend: Backend, probes: readonly Pick<ScenarioProbe, 'at' | 'run' | 'capture'>[]): Promise<CommandResult[]> {
  const out: CommandResult[] = [];
  for (const p of probes) out.push(p.capture ? await runCaptured(backend, p, p.capture) : await backend.run(p.at, p.run));
  return out;
}

/** A probe with a background capture: the tap's text follows the probe's output (lab/tapped-text.ts). */
async function runCaptured(backend: Backend, p: Pick<ScenarioProbe, 'at' | 'run'>, c: ProbeCapture): Promise<CommandResult> {
  if (!backend.runTapped) throw new UsageError(`probe "${p.run}" captures at ${c.at}:${c.iface}, which the ${backend.name} backend cannot do`);
  const filter = c.filter ?? '';
  return withTapText(await backend.runTapped(p.at, p.run, [{ place: c.at, iface: c.iface }], filter), filter);
}

/** What one backend printed for a scenario's probes: broken, and after the fix when there is one. */
export interface ScenarioObservation {
  readonly backend: string;
  /** One result per probe, in the scenario's order; empty when a break step failed. */
  readonly broken: readonly CommandResult[];
  /** One result per probe after the fix; undefined without fix steps, or when a step failed. */
  readonly fixed?: readonly CommandResult[];
  readonly stepFailure?: StepFailure;
}

/**
 * Builds the scenario's (edited) lab on BACKEND, runs the break steps, the probes, the fix steps and the probes again,
 * and always takes the lab down (also when `up` fails half-way). Checks nothing: the runner, the recorder (expected outputs from the kernel) and
 * `tracelab verify` (two backends compared) all start from this. Backend exceptions propagate (after `down`).
 */
export async function observeScenario(scenario: Scenario, backend: Backend): Promise<ScenarioObservation> {
  try {
    await backend.up(scenario.lab);
    const breakFailure = await runSteps(backend, scenario.breakSteps, 'break');
    if (breakFailure) return { backend: backend.name, broken: [], stepFailure: breakFailure };
    const broken = await runProbes(backend, scenario.probes);
    if (!scenario.fixSteps) return { backend: backend.name, broken };
    const fixFailure = await runSteps(backend, scenario.fixSteps, 'fix');
    if (fixFailure) return { backend: backend.name, broken, stepFailure: fixFailure };
    return { backend: backend.name, broken, fixed: await runProbes(backend, scenario.probes) };
  } finally {
    await backend.down();
  }
}

/** The probes' output on a fresh, unbroken lab of the scenario's (edited) model: the default `healthy` text. */
export async function observeUnbroken(scenario: Scenario, backend: Backend): Promise<readonly CommandResult[]> {
  return observeProbes(scenario.lab, scenario.probes, backend);
}

/**
 * Builds LAB on BACKEND (nothing broken), runs the setup steps (a failing one throws), the probes in order, and takes
 * the lab down again.
 */
export async function observeProbes(
  lab: LabModel,
  probes: readonly Pick<ScenarioProbe, 'at' | 'run'>[],
  backend: Backend,
  setup: readonly ScenarioStep[] = [],
): Promise<readonly CommandResult[]> {
  try {
    await backend.up(lab);
    const failure = await runSteps(backend, setup, 'break');
    if (failure) throw new UsageError(`a setup step of the healthy lab failed at ${failure.at} (exit ${failure.exitCode}): ${failure.run}: ${failure.stderr.trim()}`);
    return await runProbes(backend, probes);
  } finally {
    await backend.down();
  }
}

/** Checks an observation against the scenario (and the unbroken lab's outputs where a probe has no `healthy`). */
export function checkObservation(scenario: Scenario, seen: ScenarioObservation, unbroken?: readonly CommandResult[]): ProbeCheck[] {
  const checks: ProbeCheck[] = [];
  scenario.probes.forEach((p, i) => {
    const r = seen.broken[i];
    if (r) checks.push(checkProbe('broken', p, { stdout: p.expect, exit: p.exit, stderr: p.stderr, from: 'scenario' }, r));
  });
  scenario.probes.forEach((p, i) => {
    const r = seen.fixed?.[i];
    if (!r) return;
    if (p.healthy !== undefined) {
      checks.push(checkProbe('fixed', p, { stdout: p.healthy, exit: p.healthyExit, stderr: p.healthyStderr, from: 'scenario' }, r));
      return;
    }
    const base = unbroken?.[i];
    if (!base) throw new Error(`scenario ${scenario.name}: probe ${i + 1} has no healthy text and no unbroken-lab output to compare with`);
    checks.push(checkProbe('fixed', p, { stdout: base.stdout, exit: base.exitCode, stderr: base.stderr, from: 'unbroken-lab' }, r));
  });
  return checks;
}

/** Runs one scenario end to end. Never throws: backend exceptions become a failed result. */
export async function runScenario(scenario: Scenario, makeBackend: BackendFactory): Promise<ScenarioResult> {
  const started = Date.now();
  let checks: ProbeCheck[] = [];
  let stepFailure: StepFailure | undefined;
  let error: string | undefined;
  const needBaseline = scenario.fixSteps !== undefined && scenario.probes.some((p) => p.healthy === undefined);
  try {
    // The unbroken lab runs first and alone, so backends that build real labs never hold two at once.
    const unbroken = needBaseline ? await observeUnbroken(scenario, makeBackend()) : undefined;
    const seen = await observeScenario(scenario, makeBackend());
    stepFailure = seen.stepFailure;
    checks = checkObservation(scenario, seen, unbroken);
  } catch (err) {
    error = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  }
  const pass = !error && !stepFailure && checks.every((c) => c.pass);
  return {
    name: scenario.name, title: scenario.title, file: scenario.file, pass, checks, stepFailure, error,
    durationMs: Date.now() - started,
  };
}

/** Runs scenarios one after another on fresh backends from the factory. */
export async function runScenarios(
  scenarios: readonly Scenario[],
  makeBackend: BackendFactory,
  opts: RunOptions = {},
): Promise<RunReport> {
  const results: ScenarioResult[] = [];
  let backendName = '';
  const factory: BackendFactory = () => {
    const b = makeBackend();
    backendName = b.name;
    return b;
  };
  for (const s of scenarios) {
    const r = await runScenario(s, factory);
    results.push(r);
    opts.onResult?.(r);
  }
  const passed = results.filter((r) => r.pass).length;
  return { backend: backendName, results, passed, failed: results.length - passed };
}
