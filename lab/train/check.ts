// The trainee's `check`: runs the scenario's connectivity probes and compares them with a fresh healthy lab's output
// of the same probes, so any fix that restores the paths passes; it says where a probe still differs, never more.
import { UsageError, type Backend } from '../backend.js';
import { checkProbe, observeProbes, type ProbeCheck, type Scenario } from '../scenario/index.js';
import { maskLine } from '../../sim/tools/mask.js';

/** What one check probe prints on the healthy lab. */
export interface HealthyOutput {
  readonly stdout: string;
  readonly exit: number;
}

export interface CheckOutcome {
  readonly fixed: boolean;
  readonly probes: readonly ProbeCheck[];
}

/** Why `tracelab train` refuses a scenario, or undefined when it can be trained. */
export function untrainableReason(s: Scenario): string | undefined {
  if (!s.trainable) return `scenario ${s.name} is not a training exercise (train: false in ${s.file}): it has nothing to fix; \`tracelab scenario show ${s.name}\` describes it`;
  if (!s.fixSteps) return `scenario ${s.name} cannot be trained: it has no fix: (give it one, or mark it train: false) in ${s.file}`;
  if (s.checkProbes.length === 0) return `scenario ${s.name} cannot be trained: \`check\` needs a connectivity probe (traceroute, ping, ...); add a check: list to ${s.file}`;
  return undefined;
}

/**
 * Each check probe's output on a fresh healthy lab of the scenario (its model with `healthyLab:` applied, no break
 * steps), built on `fresh` and taken down again. Computed, never taken from the file's recorded texts.
 */
export async function healthyOutputs(scenario: Scenario, fresh: () => Backend): Promise<HealthyOutput[]> {
  const seen = await observeProbes(scenario.healthyLab, scenario.checkProbes, fresh(), scenario.healthySetup);
  return seen.map((r) => ({ stdout: r.stdout, exit: r.exitCode }));
}

/** Runs every check probe now and compares its output and exit status with the healthy lab's. */
export async function checkNow(backend: Backend, scenario: Scenario, healthy: readonly HealthyOutput[]): Promise<CheckOutcome> {
  if (healthy.length !== scenario.checkProbes.length) throw new UsageError(`scenario ${scenario.name}: no healthy output to check against`);
  const probes: ProbeCheck[] = [];
  for (const [i, p] of scenario.checkProbes.entries()) {
    const r = await backend.run(p.at, p.run);
    probes.push(checkProbe('fixed', p, { ...healthy[i]!, from: 'unbroken-lab' }, r));
  }
  return { fixed: probes.every((c) => c.pass), probes };
}

/** The first line (1-based) where two outputs differ once their time figures are masked; undefined when none does. */
function firstDifferentLine(expected: string, actual: string): number | undefined {
  const e = expected.split('\n');
  const a = actual.split('\n');
  for (let i = 0; i < Math.max(e.length, a.length); i++) {
    if (e[i] === undefined || a[i] === undefined || maskLine(e[i]!) !== maskLine(a[i]!)) return i + 1;
  }
  return undefined;
}

function whereItDiffers(expected: string, actual: string): string | undefined {
  const line = firstDifferentLine(expected, actual);
  if (line === undefined) return undefined;
  const now = actual.split('\n')[line - 1];
  if (now === undefined || (now === '' && line === actual.split('\n').length)) return `    output line ${line} differs: the output ends before it`;
  return `    output line ${line} differs; it now reads: ${now}`;
}

/**
 * `FIXED ...` or `NOT FIXED ...` and, for each probe that still fails, its place, its command and the first line of
 * its output that differs — never the healthy text itself.
 */
export function formatCheck(outcome: CheckOutcome): string {
  const total = outcome.probes.length;
  if (outcome.fixed) return total === 1 ? 'FIXED: the probe now gives the healthy lab\'s output\n' : `FIXED: all ${total} probes now give the healthy lab's output\n`;
  const failing = outcome.probes.filter((c) => !c.pass);
  const lines = [`NOT FIXED: ${failing.length} of ${total} probe${total === 1 ? '' : 's'} still differ${failing.length === 1 ? 's' : ''} from the healthy lab`];
  for (const c of failing) {
    lines.push(`  ${c.at}$ ${c.run}`);
    const out = whereItDiffers(c.expected, c.actual);
    if (out) lines.push(out);
    if (c.expectedExit !== c.actualExit) lines.push(`    exit status ${c.actualExit} (the healthy lab's differs)`);
  }
  return `${lines.join('\n')}\n`;
}
