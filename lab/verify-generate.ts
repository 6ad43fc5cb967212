// `tracelab verify --generate N --seed S`: generated labs, faults and probes run on the simulator and on the subject
// backend (one namespace lab per generated lab, reset between its cases), compared as verify compares scenarios;
// each new kind of disagreement is shrunk with fast-check and written as a scenario file for a regression.
import fc from 'fast-check';
import type { Backend } from './backend.js';
import { caseRecipeArb, faultsArb, labRecipeArb, probesArb, type CaseRecipe } from './generate/arbitraries.js';
import { caseScenario, generatedCase, writeCaseFiles, type GeneratedCase } from './generate/scenario.js';
import { observeScenario, type ScenarioObservation } from './scenario/run.js';
import { formatDifference, verifyScenario, type VerifyResult } from './verify.js';

/** Cases that share one generated lab (and one namespace lab, reset between them). */
export const CASES_PER_LAB = 6;
const NOT_MODELLED = 'not modelled by the tracelab simulator';

export interface GenerateOptions {
  readonly count: number;
  readonly seed: number;
  readonly makeReference: () => Backend;
  /** The subject backend; called once per case, it may hand out the same (reusing) backend each time. */
  readonly makeSubject: () => Backend;
  readonly retries?: number;
  /** Where shrunk disagreements are written as scenario files (DIR/NAME.yaml and DIR/labs/NAME.yaml). */
  readonly outDir?: string;
  /** Kernel runs one shrink may take (default 30). */
  readonly shrinkRuns?: number;
  readonly onCase?: (r: GeneratedResult) => void;
  readonly signal?: AbortSignal;
}

export interface GeneratedResult {
  readonly index: number;
  readonly case: GeneratedCase;
  /** agree; differ; not-modelled (a command both backends refuse alike as not modelled: they agree on the refusal). */
  readonly outcome: 'agree' | 'differ' | 'not-modelled';
  readonly result?: VerifyResult;
  readonly refused?: string;
  /** The scenario file the shrunk disagreement was written to. */
  readonly written?: string;
  readonly shrunk?: GeneratedCase;
  readonly shrunkMessage?: string;
  /** The disagreement's kind (cases of one kind are shrunk once). */
  readonly kind?: string;
}

export interface GenerateReport {
  readonly results: readonly GeneratedResult[];
  readonly agreed: number;
  readonly total: number;
  readonly interrupted?: boolean;
}

/** The recipes of a run: labs drawn from SEED, each shared by CASES_PER_LAB cases whose faults and probes come from SEED+1. */
export function generateRecipes(count: number, seed: number): CaseRecipe[] {
  if (count <= 0) return [];
  const labs = fc.sample(labRecipeArb, { seed, numRuns: Math.ceil(count / CASES_PER_LAB) });
  const steps = fc.sample(fc.record({ faults: faultsArb, probes: probesArb }), { seed: (seed + 1) | 0, numRuns: count });
  return steps.map((s, i) => ({ lab: labs[Math.floor(i / CASES_PER_LAB)]!, ...s }));
}

/** The first command the simulator refused as not modelled, if any. */
export function refusedCommand(c: GeneratedCase, seen: ScenarioObservation): string | undefined {
  if (seen.stepFailure?.stderr.includes(NOT_MODELLED)) return seen.stepFailure.run;
  const i = seen.broken.findIndex((r) => r.stderr.includes(NOT_MODELLED));
  return i >= 0 ? c.probes[i]!.run : undefined;
}

async function simRefusal(c: GeneratedCase, makeReference: () => Backend): Promise<string | undefined> {
  return refusedCommand(c, await observeScenario(caseScenario(c), makeReference()));
}

/** What makes two disagreements "the same kind": tool, fault classes, where in the output, and the sim's words. */
function signature(c: GeneratedCase, r: VerifyResult): string {
  const d = r.difference;
  const tool = d && d.phase === 'broken' ? c.tools[d.index - 1] : 'step';
  const words = (d?.reference ?? r.error?.message ?? '').replace(/[0-9.]+/g, '#');
  return `${tool}|${c.faultClasses.join('+')}|${d?.stream ?? 'error'}|${words}`;
}

/** Shrinks a disagreeing recipe with fast-check (each candidate runs on both backends); the smallest one that still differs. */
async function shrink(recipe: CaseRecipe, name: string, opts: GenerateOptions): Promise<{ c: GeneratedCase; r: VerifyResult } | undefined> {
  let left = opts.shrinkRuns ?? 30;
  let smallest: { c: GeneratedCase; r: VerifyResult } | undefined;
  // Many recipe changes make the same case (the image of a pod the lab does not have): each case runs once.
  const known = new Map<string, boolean>();
  const differs = async (candidate: CaseRecipe): Promise<boolean> => {
    let c: GeneratedCase;
    try {
      c = generatedCase(candidate, name);
    } catch {
      return false; // a lab the compiler refuses is not a smaller case
    }
    const key = JSON.stringify([c.labFile, c.faults, c.probes]);
    const before = known.get(key);
    if (before !== undefined) return before;
    if (left-- <= 0 || opts.signal?.aborted) return false;
    const r = await verifyScenario(caseScenario(c), verifyOpts(opts));
    known.set(key, !r.agree);
    if (r.agree) return false;
    smallest = { c, r };
    return true;
  };
  await fc.check(fc.asyncProperty(caseRecipeArb, async (candidate) => !(await differs(candidate))), { examples: [[recipe]], numRuns: 1, seed: opts.seed });
  return smallest;
}

const verifyOpts = (o: GenerateOptions) => ({ makeReference: o.makeReference, makeSubject: o.makeSubject, retries: o.retries ?? 0 });

async function runCase(index: number, recipe: CaseRecipe, opts: GenerateOptions, seen: Set<string>): Promise<GeneratedResult> {
  const name = `gen-${opts.seed}-${index}`;
  const c = generatedCase(recipe, name);
  // A command the simulator refuses as not modelled must be refused alike by the subject (same words, exit 3).
  const refused = await simRefusal(c, opts.makeReference);
  const result = await verifyScenario(caseScenario(c), verifyOpts(opts));
  if (result.agree) return { index, case: c, outcome: refused ? 'not-modelled' : 'agree', result, ...(refused ? { refused } : {}) };
  const kind = signature(c, result);
  if (seen.has(kind) || opts.outDir === undefined) return { index, case: c, outcome: 'differ', result, kind };
  seen.add(kind);
  const small = (await shrink(recipe, name, opts)) ?? { c, r: result };
  const written = writeCaseFiles(opts.outDir, small.c, small.r.subject);
  const shrunkMessage = small.r.difference ? formatDifference(small.r.difference, 'sim', small.r.subject?.backend ?? 'netns') : small.r.error?.message;
  return { index, case: c, outcome: 'differ', result, kind, written, shrunk: small.c, ...(shrunkMessage !== undefined ? { shrunkMessage } : {}) };
}

/** Runs COUNT generated cases from SEED; never throws for a disagreement (backend exceptions become differences). */
export async function verifyGenerated(opts: GenerateOptions): Promise<GenerateReport> {
  const recipes = generateRecipes(opts.count, opts.seed);
  const results: GeneratedResult[] = [];
  const seen = new Set<string>();
  for (const [i, recipe] of recipes.entries()) {
    if (opts.signal?.aborted) break;
    const r = await runCase(i, recipe, opts, seen);
    results.push(r);
    opts.onCase?.(r);
  }
  // A case refused alike by both backends agrees (on the refusal); the report counts these apart.
  const agreed = results.filter((r) => r.outcome !== 'differ').length;
  return { results, agreed, total: results.length, ...(results.length < recipes.length ? { interrupted: true } : {}) };
}
