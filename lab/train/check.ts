// The trainee's `check`: runs the scenario's probes and compares them with the healthy lab, without revealing it.
import type { Backend } from '../backend.js';
import { checkProbe, observeUnbroken, type ProbeCheck, type Scenario } from '../scenario/index.js';
import { maskLine } from '../../sim/tools/mask.js';

/** What one probe prints in the healthy lab: the scenario's `healthy` text, or the unbroken lab's output. */
export interface HealthyOutput {
  readonly stdout: string;
  readonly exit: number;
  readonly stderr?: string;
  readonly from: ProbeCheck['expectedFrom'];
}

export interface CheckOutcome {
  readonly fixed: boolean;
  readonly probes: readonly ProbeCheck[];
}

/**
 * What each probe prints in the healthy lab: its `healthy` text, or for probes without one, its output on a fresh,
 * unbroken lab of the scenario (built on `fresh` and taken down again), as the scenario runner compares them.
 */
export async function healthyOutputs(scenario: Scenario, fresh: () => Backend): Promise<HealthyOutput[]> {
  const unbroken = scenario.probes.some((p) => p.healthy === undefined) ? await observeUnbroken(scenario, fresh()) : [];
  return scenario.probes.map((p, i) => {
    if (p.healthy !== undefined) return { stdout: p.healthy, exit: p.healthyExit, stderr: p.healthyStderr, from: 'scenario' };
    const r = unbroken[i]!;
    return { stdout: r.stdout, exit: r.exitCode, stderr: r.stderr, from: 'unbroken-lab' };
  });
}

/** Runs every probe now and compares it with its healthy output. */
export async function checkNow(backend: Backend, scenario: Scenario, healthy: readonly HealthyOutput[]): Promise<CheckOutcome> {
  const probes: ProbeCheck[] = [];
  for (const [i, p] of scenario.probes.entries()) {
    const r = await backend.run(p.at, p.run);
    probes.push(checkProbe('fixed', p, healthy[i]!, r));
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

function whereItDiffers(label: string, expected: string, actual: string): string | undefined {
  const line = firstDifferentLine(expected, actual);
  if (line === undefined) return undefined;
  const now = actual.split('\n')[line - 1];
  if (now === undefined || (now === '' && line === actual.split('\n').length)) return `    ${label} line ${line} differs: the output ends before it`;
  return `    ${label} line ${line} differs; it now reads: ${now}`;
}

/**
 * `FIXED ...` or `NOT FIXED ...` and, for each probe that still differs, where it differs and what it prints now —
 * never the healthy text itself.
 */
export function formatCheck(outcome: CheckOutcome): string {
  const total = outcome.probes.length;
  if (outcome.fixed) return total === 1 ? 'FIXED: the probe now gives the healthy lab\'s output\n' : `FIXED: all ${total} probes now give the healthy lab's output\n`;
  const failing = outcome.probes.filter((c) => !c.pass);
  const lines = [`NOT FIXED: ${failing.length} of ${total} probe${total === 1 ? '' : 's'} still differ${failing.length === 1 ? 's' : ''} from the healthy lab`];
  for (const c of failing) {
    lines.push(`  ${c.at}$ ${c.run}`);
    const out = whereItDiffers('output', c.expected, c.actual);
    if (out) lines.push(out);
    if (c.expectedStderr !== undefined) {
      const err = whereItDiffers('error output', c.expectedStderr, c.actualStderr);
      if (err) lines.push(err);
    }
    if (c.expectedExit !== c.actualExit) lines.push(`    exit status ${c.actualExit} (the healthy lab's differs)`);
  }
  return `${lines.join('\n')}\n`;
}
