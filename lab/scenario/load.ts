// Loads scenario files: YAML + scenarios/scenario.schema.json with FILE:LINE:COL errors, the lab with its model edits,
// places checked against the lab; and finds scenario files in directories.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { ValidateFunction } from 'ajv';
import { compileLabSource, labValidator } from '../../topology/compile.js';
import type { LabFile } from '../../topology/labfile.js';
import type { LabModel } from '../../topology/model.js';
import { packageRoot, resolveScenarioLab } from '../../topology/paths.js';
import { resolvePlace } from '../../topology/place.js';
import { scenarioValidator } from '../../topology/schema/validators.js';
import {
  parseYamlText, readYamlFile, SourceError, type Diagnostic, type PathKey, type YamlSource,
} from '../../topology/yaml-source.js';
import { PROBE_TOOL_NAMES } from '../../sim/tools/registry.js';
import { splitWords } from '../../sim/words.js';
import { compileEditedLab } from './lab-edits.js';
import type { CheckProbe, Scenario, ScenarioFile, ScenarioProbe, ScenarioStep, ScenarioStepFile } from './types.js';

/** The directory of the scenario library. */
export function scenarioLibraryDir(): string {
  return join(packageRoot(), 'scenarios');
}

/** The scenario schema validator (generated at build time from scenarios/scenario.schema.json). */
export { scenarioValidator };

/** Reads and checks one scenario file. Throws SourceError (FILE:LINE:COL) for anything wrong in it or its edits. */
export function loadScenarioFile(file: string, validate: ValidateFunction = scenarioValidator()): Scenario {
  return buildScenario(yamlGuard(file, () => readYamlFile<ScenarioFile>(file, validate)));
}

/** Parses scenario text (tests and fuzzing use this; the file name only labels diagnostics). */
export function parseScenarioText(file: string, text: string, validate: ValidateFunction = scenarioValidator()): Scenario {
  return buildScenario(yamlGuard(file, () => parseYamlText<ScenarioFile>(file, text, validate)));
}

/**
 * The YAML library throws plain errors for a few inputs it parsed without complaint (an alias to an anchor that is
 * never set: `*x`); they become a located error of the file instead of an exception.
 */
function yamlGuard<T>(file: string, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (err instanceof SourceError || !(err instanceof Error)) throw err;
    throw new SourceError([{ file, line: 1, col: 1, message: `cannot read the YAML: ${err.message}` }]);
  }
}

function buildScenario(src: YamlSource<ScenarioFile>): Scenario {
  const f = src.data;
  const problems: Diagnostic[] = [];
  const breakSteps = steps(src, ['break'], f.break, problems);
  const fixSteps = f.fix ? steps(src, ['fix'], f.fix, problems) : undefined;
  const healthySetup = steps(src, ['healthyLab', 'setup'], f.healthyLab?.setup ?? [], problems);
  let lab: LabModel | undefined;
  let healthyLab: LabModel | undefined;
  try {
    ({ lab, healthyLab } = labsFor(src));
  } catch (err) {
    if (!(err instanceof SourceError)) throw err;
    problems.push(...err.diagnostics);
  }
  if (lab) {
    const model = lab;
    const checkPlace = (path: PathKey[], place: string) => {
      const where = resolvePlace(model, place);
      if (!where.ok) problems.push(src.at(path, where.message));
    };
    f.break.forEach((s, i) => 'at' in s && checkPlace(['break', i, 'at'], s.at));
    (f.fix ?? []).forEach((s, i) => 'at' in s && checkPlace(['fix', i, 'at'], s.at));
    f.probes.forEach((p, i) => checkPlace(['probes', i, 'at'], p.at));
    f.probes.forEach((p, i) => p.capture && checkPlace(['probes', i, 'capture', 'at'], p.capture.at));
    (f.check ?? []).forEach((p, i) => checkPlace(['check', i, 'at'], p.at));
    (f.healthyLab?.setup ?? []).forEach((s, i) => 'at' in s && checkPlace(['healthyLab', 'setup', i, 'at'], s.at));
  }
  (f.check ?? []).forEach((p, i) => {
    if (!isConnectivityProbe(p.run)) problems.push(src.at(['check', i, 'run'], `a check probe is a connectivity probe (${PROBE_TOOL_NAMES.join(', ')}), not "${p.run}"`));
  });
  if (problems.length > 0 || !lab || !healthyLab) throw new SourceError(problems);
  const probes: ScenarioProbe[] = f.probes.map((p) => ({
    at: p.at, run: p.run, exit: p.exit ?? 0, expect: p.expect, stderr: p.stderr, healthy: p.healthy, healthyExit: p.healthyExit ?? 0,
    ...(p.healthyStderr !== undefined ? { healthyStderr: p.healthyStderr } : {}),
    ...(p.capture !== undefined ? { capture: p.capture } : {}),
  }));
  return {
    file: src.file, name: f.name, title: f.title, labName: f.lab, brief: f.brief, lab, edits: f.model ?? {},
    breakSteps, probes, hints: f.hints ?? [], fixSteps, tags: f.tags ?? [], ...(f.recorded ? { recorded: f.recorded } : {}), source: src,
    trainable: f.train !== false, checkProbes: checkProbesOf(f), healthyLab, healthySetup,
  };
}

/** A probe that sends packets (traceroute, ping, ...), as opposed to an inspection (ip route, sysctl, iptables -L). */
export function isConnectivityProbe(run: string): boolean {
  const split = splitWords(run);
  return split.ok && split.words.length > 0 && PROBE_TOOL_NAMES.includes(split.words[0]!);
}

/** The file's `check:` probes, or else its probes that are connectivity probes. */
function checkProbesOf(f: ScenarioFile): CheckProbe[] {
  return (f.check ?? f.probes.filter((p) => isConnectivityProbe(p.run))).map((p) => ({ at: p.at, run: p.run }));
}

function steps(src: YamlSource<ScenarioFile>, base: PathKey[], list: readonly ScenarioStepFile[], problems: Diagnostic[]): ScenarioStep[] {
  return list.map((s, i) => {
    if ('wait' in s) {
      const ms = parseDuration(s.wait);
      if (ms === undefined) problems.push(src.at([...base, i, 'wait'], `bad duration "${s.wait}" (like 500ms, 15s, 2m)`));
      return { kind: 'wait', ms: ms ?? 0, text: s.wait };
    }
    return { kind: 'run', at: s.at, run: s.run };
  });
}

/** "15s" -> 15000; "500ms", "2m", "1.5s". Undefined when malformed or absurd (over a day). */
export function parseDuration(text: string): number | undefined {
  const m = /^([0-9]+(?:\.[0-9]+)?)(ms|s|m)$/.exec(text);
  if (!m) return undefined;
  const ms = Number(m[1]) * (m[2] === 'ms' ? 1 : m[2] === 's' ? 1000 : 60_000);
  return Number.isFinite(ms) && ms <= 86_400_000 ? Math.round(ms) : undefined;
}

/**
 * The scenario's lab (a name under topology/labs, or a path inside the scenario file's directory) with its `model:` edits,
 * and the healthy lab `check` compares with (`healthyLab.model` applied on top; problems located at those keys).
 */
function labsFor(src: YamlSource<ScenarioFile>): { lab: LabModel; healthyLab: LabModel } {
  const name = src.data.lab;
  const where = resolveScenarioLab(src.file, name);
  if (!where.ok) throw new SourceError([src.at(['lab'], where.message)]);
  const path = where.file;
  let labSource: YamlSource<LabFile>;
  try {
    labSource = readYamlFile<LabFile>(path, labValidator());
  } catch (err) {
    if (err instanceof SourceError && err.diagnostics.every((d) => d.file === path && /^cannot read/.test(d.message))) {
      throw new SourceError([src.at(['lab'], `lab "${name}": ${path}: ${err.diagnostics[0]?.message ?? 'cannot read'}`)]);
    }
    throw err;
  }
  const edits = src.data.model ?? {};
  const plain = compileLabSource(labSource); // problems of the lab file itself are reported where they are
  const lab = Object.keys(edits).length === 0 ? plain : compileEditedLab(labSource, edits, src);
  const healing = src.data.healthyLab?.model;
  if (!healing || Object.keys(healing).length === 0) return { lab, healthyLab: lab };
  const relocate = (path: readonly PathKey[]): PathKey[] => (path[0] === 'model' && typeof path[1] === 'string' && path[1] in healing ? ['healthyLab', ...path] : [...path]);
  const located = { file: src.file, locate: (path: readonly PathKey[]) => src.locate(relocate(path)), at: (path: readonly PathKey[], message: string) => src.at(relocate(path), message) };
  return { lab, healthyLab: compileEditedLab(labSource, { ...edits, ...healing }, located) };
}

/** Expands files and directories (directories: their *.yaml / *.yml files, sorted) into scenario file paths. */
export function scenarioFiles(paths: readonly string[]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    let isDir = false;
    try {
      isDir = statSync(p).isDirectory();
    } catch {
      out.push(p); // reported as "cannot read" by the loader
      continue;
    }
    if (!isDir) out.push(p);
    else out.push(...readdirSync(p).filter((n) => /\.ya?ml$/.test(n)).sort().map((n) => join(p, n)));
  }
  return out;
}

/** Loads many scenario files; collects every file's problems and duplicate names into one SourceError. */
export function loadScenarios(paths: readonly string[]): Scenario[] {
  const validate = scenarioValidator();
  const problems: Diagnostic[] = [];
  const loaded: Scenario[] = [];
  const seen = new Map<string, string>();
  for (const file of scenarioFiles(paths)) {
    let s: Scenario;
    try {
      s = loadScenarioFile(file, validate);
    } catch (err) {
      if (err instanceof SourceError) {
        problems.push(...err.diagnostics);
        continue;
      }
      throw err;
    }
    const previous = seen.get(s.name);
    if (previous !== undefined) problems.push(s.source.at(['name'], `duplicate scenario name "${s.name}" (also in ${previous})`));
    else {
      seen.set(s.name, file);
      loaded.push(s);
    }
  }
  if (problems.length > 0) throw new SourceError(problems);
  return loaded;
}
