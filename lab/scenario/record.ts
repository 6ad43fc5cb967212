// Records a scenario's expected outputs from a backend (the real kernel in the namespace lab): writes each probe's
// `expect`/`exit`/`stderr` and `healthy`/`healthyExit`/`healthyStderr` (and where: `recorded`) back into the scenario's
// YAML, keeping the rest.
import { writeOutputFile } from '../io/output-file.js';
import { isMap, isSeq, parseDocument, Scalar, type Document } from 'yaml';
import type { Backend } from '../backend.js';
import type { CommandResult } from '../../topology/trace.js';
import { readSourceText } from '../../topology/yaml-source.js';
import { observeScenario, type ScenarioObservation } from './run.js';
import type { RecordedOn, Scenario } from './types.js';

/** What recording changed in one probe (for the capture script's summary). */
export interface RecordedProbe {
  readonly index: number;
  readonly run: string;
  readonly broken: CommandResult;
  readonly fixed?: CommandResult;
  /** True when the file's previous expectation differed from what was recorded (byte for byte). */
  readonly changed: boolean;
}

function textNode(doc: Document, text: string): Scalar {
  const node = doc.createNode(text) as Scalar;
  if (text.includes('\n')) node.type = Scalar.BLOCK_LITERAL;
  return node;
}

/** Sets KEY of a probe to VALUE, or removes it when VALUE is undefined; says whether the value changed. */
function setField(doc: Document, index: number, key: string, value: string | number | undefined): boolean {
  const path = ['probes', index, key];
  const before: unknown = doc.getIn(path);
  if (value === undefined) {
    if (doc.hasIn(path)) doc.deleteIn(path);
    return before !== undefined;
  }
  doc.setIn(path, typeof value === 'string' ? textNode(doc, value) : value);
  return before !== value;
}

/**
 * The scenario text with the observed outputs as its expectations. Exit 0 and empty stderr are left implicit; the
 * healthy fields are written only when the scenario has a fix and it ran. Throws when the observation stopped at a
 * failed step (there is nothing to record).
 */
export function applyObservation(text: string, scenario: Scenario, seen: ScenarioObservation, recordedOn?: RecordedOn): { text: string; probes: RecordedProbe[] } {
  if (seen.stepFailure) {
    const s = seen.stepFailure;
    throw new Error(`${scenario.name}: ${s.phase} step failed on ${seen.backend} (exit ${s.exitCode}): ${s.at}$ ${s.run}${s.stderr ? `\n${s.stderr.trimEnd()}` : ''}`);
  }
  const doc = parseDocument(text, { keepSourceTokens: false });
  const probes = doc.get('probes');
  if (!isSeq(probes) || probes.items.length !== scenario.probes.length || !probes.items.every((p) => isMap(p))) {
    throw new Error(`${scenario.file}: the probes list changed since it was loaded`);
  }
  const recorded: RecordedProbe[] = [];
  scenario.probes.forEach((p, i) => {
    const broken = seen.broken[i]!;
    const fixed = seen.fixed?.[i];
    let changed = setField(doc, i, 'expect', broken.stdout);
    changed = setField(doc, i, 'exit', broken.exitCode === 0 ? undefined : broken.exitCode) || changed;
    changed = setField(doc, i, 'stderr', broken.stderr === '' ? undefined : broken.stderr) || changed;
    if (fixed) {
      changed = setField(doc, i, 'healthy', fixed.stdout) || changed;
      changed = setField(doc, i, 'healthyExit', fixed.exitCode === 0 ? undefined : fixed.exitCode) || changed;
      changed = setField(doc, i, 'healthyStderr', fixed.stderr === '' ? undefined : fixed.stderr) || changed;
    }
    recorded.push({ index: i, run: p.run, broken, ...(fixed ? { fixed } : {}), changed });
  });
  if (recordedOn) doc.set('recorded', doc.createNode(recordedOn));
  return { text: doc.toString({ lineWidth: 0, flowCollectionPadding: false }), probes: recorded };
}

/**
 * Runs SCENARIO on BACKEND (fresh lab, break, probes, fix, probes, down) and rewrites its file with what the backend
 * printed, with `recordedOn` (kernel and tool versions, time) when given. Returns the recorded probes. Meant for the
 * namespace backend: the expected outputs come from the kernel.
 */
export async function recordExpectations(scenario: Scenario, backend: Backend, recordedOn?: RecordedOn): Promise<RecordedProbe[]> {
  const seen = await observeScenario(scenario, backend);
  const text = readSourceText(scenario.file);
  const out = applyObservation(text, scenario, seen, recordedOn);
  writeOutputFile(scenario.file, out.text);
  return out.probes;
}
