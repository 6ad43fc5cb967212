// What every CLI command shares: loading the lab or a scenario, and printing command results.
import { UsageError } from '../lab/backend.js';
import { loadScenarioFile, loadScenarios, scenarioLibraryDir } from '../lab/scenario/load.js';
import type { Scenario } from '../lab/scenario/types.js';
import { loadLab } from '../topology/compile.js';
import type { LabModel } from '../topology/model.js';
import { DEFAULT_LAB } from '../topology/paths.js';
import type { CommandResult } from '../topology/trace.js';
import { loadDefaultLab } from './lab-cache.js';
import type { LabOptions } from './options.js';

/** The lab a command's --lab names; the default lab comes from its build-time cache when that is current. */
export function labFromArgs(args: LabOptions): LabModel {
  return args.lab === undefined || args.lab === DEFAULT_LAB ? loadDefaultLab() : loadLab(args.lab);
}

/** A scenario by library name, or a scenario file (a path with a slash or a .yaml/.yml name). */
export function findScenario(nameOrFile: string): Scenario {
  if (nameOrFile.includes('/') || /\.ya?ml$/.test(nameOrFile)) return loadScenarioFile(nameOrFile);
  const all = loadScenarios([scenarioLibraryDir()]);
  const found = all.find((s) => s.name === nameOrFile);
  if (!found) throw new UsageError(`no scenario "${nameOrFile}" in the library (known: ${all.map((s) => s.name).join(', ') || 'none'})`);
  return found;
}

export function write(text: string): void {
  process.stdout.write(text);
}

export function writeErr(text: string): void {
  process.stderr.write(text);
}

/** Prints a command's output as the tool would (stderr written before stdout first, then stdout, then the rest) and sets the exit code. */
export function printResult(result: CommandResult): void {
  const lead = result.stderrLead ?? 0;
  if (lead > 0) writeErr(result.stderr.slice(0, lead));
  if (result.stdout) write(result.stdout);
  if (result.stderr.length > lead) writeErr(result.stderr.slice(lead));
  process.exitCode = result.exitCode;
}

/** Where a command writes: the process's streams, or a test's buffers. */
export interface CommandIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

export const processIo: CommandIo = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };
