// The class file of `tracelab serve --class FILE`: YAML checked by topology/schema/class.schema.json, its scenarios
// found in the library (or as files beside it), problems reported as FILE:LINE:COL like the lab and scenario files.
import { randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { untrainableReason } from '../train/check.js';
import { loadScenarioFile, loadScenarios, parseDuration, scenarioLibraryDir } from '../scenario/index.js';
import type { Scenario } from '../scenario/types.js';
import { classValidator } from '../../topology/schema/validators.js';
import { readYamlFile, SourceError, type Diagnostic } from '../../topology/yaml-source.js';

interface ClassFileEntry {
  scenario: string;
  timeLimit?: string;
  hints?: boolean;
  solutions?: boolean;
}

interface ClassFileData {
  name: string;
  scenarios: ClassFileEntry[];
  hints?: boolean;
  solutions?: boolean;
  trainerToken?: string;
  transcripts?: string;
  idleTimeout?: string;
  maxTrainees?: number;
}

/** One scenario of the class with its rules. */
export interface ClassStep {
  readonly scenario: Scenario;
  /** Undefined: no limit. */
  readonly timeLimitMs?: number;
  readonly hints: boolean;
  readonly solutions: boolean;
}

export interface ClassConfig {
  readonly name: string;
  readonly file?: string;
  readonly steps: readonly ClassStep[];
  readonly trainerToken: string;
  /** True when the token was made here (the server prints the dashboard's address with it). */
  readonly tokenGenerated: boolean;
  /** An existing directory; undefined: a private one is made when the first transcript is written. */
  readonly transcriptDir?: string;
  readonly idleTimeoutMs: number;
  readonly maxTrainees: number;
}

export const CLASS_DEFAULTS = { hints: true, solutions: false, idleTimeoutMs: 30 * 60_000, maxTrainees: 200 } as const;

/** A random trainer token (URL-safe, 128 bits). */
export function randomToken(): string {
  return randomBytes(16).toString('base64url');
}

/** Reads and checks a class file; every problem in it is one SourceError (FILE:LINE:COL per problem). */
export function loadClassFile(file: string): ClassConfig {
  const src = readYamlFile<ClassFileData>(file, classValidator());
  const f = src.data;
  const problems: Diagnostic[] = [];
  const here = dirname(resolve(file));
  let library: Scenario[] | undefined;
  const find = (name: string, i: number): Scenario | undefined => {
    const at = ['scenarios', i, 'scenario'];
    try {
      if (name.includes('/') || /\.ya?ml$/.test(name)) return loadScenarioFile(resolve(here, name));
      library ??= loadScenarios([scenarioLibraryDir()]);
      const found = library.find((s) => s.name === name);
      if (!found) problems.push(src.at(at, `no scenario "${name}" in the library (\`tracelab scenario list\` names them)`));
      return found;
    } catch (err) {
      if (!(err instanceof SourceError)) throw err;
      problems.push(src.at(at, `scenario ${name}: ${err.diagnostics.map((d) => `${d.file}:${d.line}:${d.col}: ${d.message}`).join('; ')}`));
      return undefined;
    }
  };
  const steps: ClassStep[] = [];
  f.scenarios.forEach((entry, i) => {
    const scenario = find(entry.scenario, i);
    if (!scenario) return;
    const refused = untrainableReason(scenario);
    if (refused) problems.push(src.at(['scenarios', i, 'scenario'], refused));
    const timeLimitMs = entry.timeLimit === undefined ? undefined : parseDuration(entry.timeLimit);
    if (entry.timeLimit !== undefined && timeLimitMs === undefined) problems.push(src.at(['scenarios', i, 'timeLimit'], `not a time limit up to 24 hours: ${entry.timeLimit}`));
    steps.push({
      scenario, hints: entry.hints ?? f.hints ?? CLASS_DEFAULTS.hints, solutions: entry.solutions ?? f.solutions ?? CLASS_DEFAULTS.solutions,
      ...(timeLimitMs !== undefined ? { timeLimitMs } : {}),
    });
  });
  const transcriptDir = f.transcripts === undefined ? undefined : resolve(here, f.transcripts);
  if (transcriptDir !== undefined && !isDirectory(transcriptDir)) problems.push(src.at(['transcripts'], `no such directory: ${transcriptDir} (create it first; it is never created for you)`));
  const idleTimeoutMs = f.idleTimeout === undefined ? CLASS_DEFAULTS.idleTimeoutMs : parseDuration(f.idleTimeout);
  if (idleTimeoutMs === undefined || idleTimeoutMs < 1000) problems.push(src.at(['idleTimeout'], `not an idle timeout from 1s to 24 hours: ${f.idleTimeout}`));
  if (problems.length > 0) throw new SourceError(problems);
  return {
    name: f.name, file, steps, trainerToken: f.trainerToken ?? randomToken(), tokenGenerated: f.trainerToken === undefined,
    ...(transcriptDir !== undefined ? { transcriptDir } : {}),
    idleTimeoutMs: idleTimeoutMs!, maxTrainees: f.maxTrainees ?? CLASS_DEFAULTS.maxTrainees,
  };
}

/** The class `tracelab serve` runs without --class: every trainable library scenario, in name order. */
export function libraryClass(): ClassConfig {
  const steps = loadScenarios([scenarioLibraryDir()])
    .filter((s) => untrainableReason(s) === undefined)
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((scenario) => ({ scenario, hints: CLASS_DEFAULTS.hints, solutions: CLASS_DEFAULTS.solutions }));
  return { name: 'tracelab scenario library', steps, trainerToken: randomToken(), tokenGenerated: true, idleTimeoutMs: CLASS_DEFAULTS.idleTimeoutMs, maxTrainees: CLASS_DEFAULTS.maxTrainees };
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
