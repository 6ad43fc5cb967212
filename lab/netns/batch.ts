// Groups a plan's `ip -n NS ...` steps into one `ip -n NS -batch -` per namespace and build stage: the same commands in
// the same order within each namespace, in a fraction of the processes (the three-node lab builds in about a second).
import type { PlanPhase, PlanStep } from './plan.js';
import type { SysctlBatch } from './ns-helper.js';

/** A command to run: a batch of plan steps (run as one `ip -batch`) or a single step. */
export interface BatchedStep {
  readonly phase: PlanPhase;
  readonly argv: readonly string[];
  readonly stdin?: string;
  readonly optional?: boolean;
  /** The plan steps this command carries out, in order (batch line N is steps[N-1]). */
  readonly steps: readonly PlanStep[];
  /** The namespace the command works in (commands of different namespaces in one stage may run at once). */
  readonly ns: string;
  /** Index in BUILD_STAGES: stages run one after the other. */
  readonly stage: number;
  /** What the command writes when it is `ip netns exec NS sysctl -q [-e] -w KEY=VALUE...` (the helper writes it). */
  readonly sysctl?: SysctlBatch;
}

/**
 * Phases that run together, in this order. Only the `link` stage crosses namespaces (a veth's peer end lands in
 * another one), and everything after it works inside one namespace, so bringing lo up, enslaving ports, setting
 * MTUs, addresses, links up and routes all go in one batch per namespace, in plan order. Global sysctls come before
 * any link (new interfaces inherit conf.default), per-interface sysctls and netfilter after them. The CNI plugin
 * attaches the pods once their node's cni0 is up and addressed (one pod after another per node, as its host-local
 * lease file is locked), before the per-interface sysctls of the veths it makes and any pod route the plugin lacks.
 */
export const BUILD_STAGES: readonly (readonly PlanPhase[])[] = [
  ['sysctl'],
  ['link'],
  ['setup', 'port', 'attr', 'address', 'up', 'route'],
  ['cni'],
  ['if-sysctl', 'pod-route'],
  ['netfilter'],
];

/** The index in BUILD_STAGES of the stage that runs PHASE. */
export const stageOf = (phase: PlanPhase): number => BUILD_STAGES.findIndex((s) => s.includes(phase));

/** The namespace a step works in: `ip -n NS ...` or `ip netns exec NS ...`. */
export function stepNamespace(step: PlanStep): string {
  const [ip, a, b, c] = step.argv;
  if (ip === 'ip' && a === '-n' && b !== undefined) return b;
  if (ip === 'ip' && a === 'netns' && b === 'exec' && c !== undefined) return c;
  return '';
}

/** `ip -n NS ARGS...` whose arguments survive ip's batch-line splitting unchanged. */
function batchableNamespace(step: PlanStep): string | undefined {
  const [ip, flag, ns, ...rest] = step.argv;
  if (ip !== 'ip' || flag !== '-n' || ns === undefined || rest.length === 0) return undefined;
  if (step.stdin !== undefined || step.optional) return undefined;
  if (rest.some((a) => a === '' || /[\s"'\\#]/.test(a))) return undefined;
  return ns;
}

/** `ip netns exec NS sysctl -q -w KEY=VALUE...`: its namespace, so one sysctl process can write every such key there. */
function sysctlNamespace(step: PlanStep): string | undefined {
  const [ip, netns, exec, ns, sysctl, q, w, ...kvs] = step.argv;
  const shaped = ip === 'ip' && netns === 'netns' && exec === 'exec' && sysctl === 'sysctl' && q === '-q' && w === '-w';
  return shaped && kvs.length > 0 && step.stdin === undefined ? ns : undefined;
}

/**
 * One sysctl process per namespace and phase for all its writes: procps writes every key given and exits 1 if any
 * failed. When some are optional (keys older kernels lack), `-e` skips unknown keys and writes the rest; the batch is
 * optional only when all its steps are.
 */
function sysctlBatch(ns: string, group: readonly PlanStep[], stage: number): BatchedStep {
  const someOptional = group.some((s) => s.optional === true);
  const sysctl = { ns, writes: group.flatMap((s) => s.argv.slice(7)), ignoreUnknown: group.length > 1 && someOptional };
  if (group.length === 1) return { ...group[0]!, steps: group, ns, stage, sysctl };
  const allOptional = group.every((s) => s.optional === true);
  const argv = ['ip', 'netns', 'exec', ns, 'sysctl', '-q', ...(someOptional ? ['-e'] : []), '-w', ...sysctl.writes];
  return { phase: group[0]!.phase, argv, steps: group, ns, stage, sysctl, ...(allOptional ? { optional: true } : {}) };
}

/**
 * Within each stage, the batchable steps of one namespace become one batch (kept in plan order), its sysctl writes one
 * sysctl process (sysctlBatch); steps that cannot be batched run alone, after the batches of their stage in that
 * namespace.
 */
export function batchSteps(steps: readonly PlanStep[]): BatchedStep[] {
  const out: BatchedStep[] = [];
  BUILD_STAGES.forEach((_phases, stage) => {
    const byNs = new Map<string, PlanStep[]>();
    const sysctls = new Map<string, PlanStep[]>();
    const single: PlanStep[] = [];
    for (const step of steps) {
      if (stageOf(step.phase) !== stage) continue;
      const ns = batchableNamespace(step);
      const sysctlNs = ns === undefined ? sysctlNamespace(step) : undefined;
      if (ns !== undefined) byNs.set(ns, [...(byNs.get(ns) ?? []), step]);
      else if (sysctlNs !== undefined) {
        const key = `${sysctlNs}\0${step.phase}`;
        sysctls.set(key, [...(sysctls.get(key) ?? []), step]);
      } else single.push(step);
    }
    for (const [ns, group] of byNs) {
      if (group.length === 1) out.push({ ...group[0]!, steps: group, ns, stage });
      else out.push({ phase: group[0]!.phase, argv: ['ip', '-n', ns, '-batch', '-'], stdin: group.map((s) => s.argv.slice(3).join(' ')).join('\n') + '\n', steps: group, ns, stage });
    }
    for (const group of sysctls.values()) out.push(sysctlBatch(stepNamespace(group[0]!), group, stage));
    for (const step of single) out.push({ ...step, steps: [step], ns: stepNamespace(step), stage });
  });
  return out;
}

/** The plan step a failed batch stopped at (ip prints `Command failed -:LINE`), for the error message. */
export function failedStep(batch: BatchedStep, stderr: string): PlanStep | undefined {
  if (batch.steps.length === 1) return batch.steps[0];
  const m = /Command failed -:(\d+)/.exec(stderr);
  return m ? batch.steps[Number(m[1]) - 1] : undefined;
}

/**
 * Runs FN over ITEMS with at most LIMIT at once, in order of start. After the first failure no new item starts; the
 * ones running finish, then the first error is thrown (so a build never races its own cleanup).
 */
export async function forEachLimit<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (!failure && next < items.length) {
      const item = items[next++]!;
      try {
        await fn(item);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (failure) throw failure.error;
}

/** The batches of each stage grouped by namespace: each group runs in order, groups may run at once. */
export function phaseGroups(batches: readonly BatchedStep[]): BatchedStep[][][] {
  const stages: BatchedStep[][][] = [];
  let current: Map<string, BatchedStep[]> | undefined;
  let stage: number | undefined;
  for (const b of batches) {
    if (b.stage !== stage || !current) {
      current = new Map();
      stage = b.stage;
      stages.push([]);
    }
    let group = current.get(b.ns);
    if (!group) {
      current.set(b.ns, (group = []));
      stages[stages.length - 1]!.push(group);
    }
    group.push(b);
  }
  return stages;
}

/** A file a batch line reads its input from (iptables-restore rules, an `ip -batch` of one namespace). */
export interface BatchInput {
  readonly path: string;
  readonly content: string;
}

/** Words ip's batch-line splitting keeps as they are. */
const plainWords = (words: readonly string[]): boolean => words.every((w) => w !== '' && !/[\s"'\\#]/.test(w));

/**
 * BATCH as one line of a top-level `ip -force -batch -`: `netns exec NS COMMAND...`, which ip runs as a child of its
 * own (a fork of a small process, not of node). Input that went to stdin goes to a file (PATH): `ip -batch FILE`,
 * `iptables-restore FILE`, `ipset restore -file FILE`. Undefined for what cannot be a line (a CNI plugin run, other
 * input, words ip would split or strip), which then runs on its own.
 */
export function batchLine(batch: BatchedStep, path: string): { line: string; input?: BatchInput } | undefined {
  if (batch.steps.some((s) => s.cni)) return undefined;
  const [ip, a, b, c, ...rest] = batch.argv;
  if (ip !== 'ip' || a === undefined || b === undefined) return undefined;
  let words: string[];
  if (a === '-n') words = ['ip', ...[c ?? '', ...rest]];
  else if (a === 'netns' && b === 'exec') words = rest;
  else return undefined;
  const ns = a === '-n' ? b : c!;
  if (batch.stdin !== undefined) {
    const tail = words.join(' ');
    if (tail === 'ip -batch -') words = ['ip', '-batch', path];
    else if (tail === 'iptables-restore') words = ['iptables-restore', path];
    else if (tail === 'ipset restore') words = ['ipset', 'restore', '-file', path];
    else return undefined;
  }
  if (!plainWords([ns, ...words])) return undefined;
  const line = ['netns', 'exec', ns, ...words].join(' ');
  return batch.stdin !== undefined ? { line, input: { path, content: batch.stdin } } : { line };
}

/** A failed line of an `ip -force -batch -` (1-based), what it printed, and the line of a nested `ip -batch FILE` that failed. */
export interface FailedLine {
  readonly line: number;
  readonly stderr: string;
  readonly nested?: { readonly file: string; readonly line: number };
}

/**
 * The failed lines in an `ip -force -batch -` run's stderr: ip prints `Command failed -:N` after each, and its
 * children run one at a time on the same stderr, so what came since the previous marker is that line's own output.
 */
export function failedLines(stderr: string): FailedLine[] {
  const out: FailedLine[] = [];
  let text: string[] = [];
  let nested: { file: string; line: number } | undefined;
  for (const l of stderr.split('\n')) {
    const outer = /^Command failed -:(\d+)$/.exec(l);
    const inner = /^Command failed (.+):(\d+)$/.exec(l);
    if (outer) {
      out.push({ line: Number(outer[1]), stderr: text.join('\n').trim(), ...(nested ? { nested } : {}) });
      text = [];
      nested = undefined;
    } else if (inner) nested = { file: inner[1]!, line: Number(inner[2]) };
    else if (l !== '') text.push(l);
  }
  return out;
}
