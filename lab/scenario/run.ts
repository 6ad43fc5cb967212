// The scenario runner and checker: builds the lab on any Backend, breaks it, probes, fixes, probes again, and returns
// results as data (expected, actual, pass, diff per probe). Knows nothing about which backend it holds.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Backend } from '../backend.js';
import { maskMilliseconds } from '../../sim/tools/mask.js';
import { unifiedDiff } from './diff.js';
import type { Scenario, ScenarioProbe, ScenarioStep } from './types.js';

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

/** Equality of tool output with every tool's millisecond figures masked, and nothing else. */
export function outputsMatch(expected: string, actual: string): boolean {
  return maskMilliseconds(expected) === maskMilliseconds(actual);
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

async function runSteps(backend: Backend, steps: readonly ScenarioStep[], phase: 'break' | 'fix'): Promise<StepFailure | undefined> {
  for (const step of steps) {
    if (step.kind === 'wait') {
      // A backend without a clock of its own (real labs) lets real time pass.
      if (backend.wait) await backend.wait(step.ms);
      else await sleep(step.ms);
      continue;
    }
    const r = await backend.run(step.at, step.run);
    if (r.exitCode !== 0) return { phase, at: step.at, run: step.run, exitCode: r.exitCode, stderr: r.stderr };
  }
  return undefined;
}

/** The probes' output on a fresh, unbroken lab of the scenario's (edited) model: the default `healthy` text. */
async function unbrokenOutputs(scenario: Scenario, makeBackend: BackendFactory, probes: readonly ScenarioProbe[]) {
  const backend = makeBackend();
  try {
    await backend.up(scenario.lab);
    const out = [];
    for (const p of probes) out.push(await backend.run(p.at, p.run));
    return out;
  } finally {
    await backend.down();
  }
}

/** Runs one scenario end to end. Never throws: backend exceptions become a failed result. */
export async function runScenario(scenario: Scenario, makeBackend: BackendFactory): Promise<ScenarioResult> {
  const started = Date.now();
  const checks: ProbeCheck[] = [];
  let stepFailure: StepFailure | undefined;
  let error: string | undefined;
  const needBaseline = scenario.fixSteps !== undefined && scenario.probes.some((p) => p.healthy === undefined);
  try {
    // The unbroken lab runs first and alone, so backends that build real labs never hold two at once.
    const baseline = needBaseline ? await unbrokenOutputs(scenario, makeBackend, scenario.probes) : undefined;
    const backend = makeBackend();
    try {
      await backend.up(scenario.lab);
      stepFailure = await runSteps(backend, scenario.breakSteps, 'break');
      if (!stepFailure) {
        for (const p of scenario.probes) {
          const r = await backend.run(p.at, p.run);
          checks.push(checkProbe('broken', p, { stdout: p.expect, exit: p.exit, stderr: p.stderr, from: 'scenario' }, r));
        }
        if (scenario.fixSteps) stepFailure = await runSteps(backend, scenario.fixSteps, 'fix');
        if (scenario.fixSteps && !stepFailure) {
          for (const [i, p] of scenario.probes.entries()) {
            const r = await backend.run(p.at, p.run);
            const base = baseline?.[i];
            const expected = p.healthy !== undefined
              ? { stdout: p.healthy, exit: p.healthyExit, from: 'scenario' as const }
              : { stdout: base!.stdout, exit: base!.exitCode, stderr: base!.stderr, from: 'unbroken-lab' as const };
            checks.push(checkProbe('fixed', p, expected, r));
          }
        }
      }
    } finally {
      await backend.down();
    }
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
