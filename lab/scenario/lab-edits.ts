// Model-level faults: applies a scenario's `model:` edits (dotted lab-file paths -> values) to the parsed lab file and
// compiles the result, reporting every problem at the scenario file's line and column.
import type { ErrorObject } from 'ajv';
import { compileLabSource, labValidator } from '../../topology/compile.js';
import type { LabFile } from '../../topology/labfile.js';
import type { LabModel } from '../../topology/model.js';
import { SourceError, type Diagnostic, type PathKey, type YamlSource } from '../../topology/yaml-source.js';

/** One applied edit: where it landed in the lab file, and where it was written in the scenario. */
interface AppliedEdit {
  readonly key: string;
  readonly labPath: readonly PathKey[];
}

type Located = Pick<YamlSource<unknown>, 'locate' | 'at' | 'file'>;

/**
 * Applies `edits` to a copy of the lab file. Array elements are addressed by index (`nodes.1.podSubnet`) or by
 * the element's `name` (`nodes.node-1.podSubnet`); missing objects on the way are created.
 */
export function applyLabEdits(
  lab: LabFile,
  edits: Readonly<Record<string, unknown>>,
  scenario: Located,
): { data: LabFile; applied: AppliedEdit[] } {
  const data = structuredClone(lab) as unknown as Record<string, unknown>;
  const applied: AppliedEdit[] = [];
  const problems: Diagnostic[] = [];
  for (const [key, value] of Object.entries(edits)) {
    const where: PathKey[] = ['model', key];
    const segments = key.split('.');
    const labPath: PathKey[] = [];
    let node: unknown = data;
    let failed: string | undefined;
    for (let i = 0; i < segments.length && !failed; i++) {
      const seg = segments[i]!;
      const last = i === segments.length - 1;
      if (Array.isArray(node)) {
        const index = /^\d+$/.test(seg) ? Number(seg) : node.findIndex((e) => isObject(e) && e.name === seg);
        if (index < 0 || index > node.length || (index === node.length && !last)) {
          const names = node.filter(isObject).map((e) => e.name).filter((n) => typeof n === 'string');
          failed = `lab edit ${key}: no element "${seg}" in ${labPath.join('.') || 'the lab'}${names.length ? ` (names: ${names.join(', ')})` : ''}`;
          break;
        }
        labPath.push(index);
        if (last) node[index] = structuredClone(value);
        else node = node[index];
      } else if (isObject(node)) {
        labPath.push(seg);
        if (last) node[seg] = structuredClone(value);
        else {
          if (node[seg] === undefined) node[seg] = {};
          node = node[seg];
        }
      } else {
        failed = `lab edit ${key}: ${labPath.join('.')} is a ${node === null ? 'null' : typeof node}, not an object or list`;
      }
    }
    if (failed) problems.push(scenario.at(where, failed));
    else applied.push({ key, labPath });
  }
  if (problems.length > 0) throw new SourceError(problems);
  return { data: data as unknown as LabFile, applied };
}

/**
 * Compiles an edited lab. Problems inside an edited value are located at that edit in the scenario file; other
 * problems (caused indirectly by the edits) at the scenario's `model:` key, naming the lab file position.
 */
export function compileEditedLab(labSource: YamlSource<LabFile>, edits: Readonly<Record<string, unknown>>, scenario: Located): LabModel {
  const { data, applied } = applyLabEdits(labSource.data, edits, scenario);
  const locate = (path: readonly PathKey[]) => mapPath(path, applied, labSource, scenario);
  const at = (path: readonly PathKey[], message: string): Diagnostic => {
    const edit = editCovering(path, applied);
    if (edit) return scenario.at(['model', edit.key, ...path.slice(edit.labPath.length)], `lab edit ${edit.key}: ${message}`);
    const inLab = labSource.locate(path);
    return scenario.at(['model'], `after the lab edits, ${labSource.file}:${inLab.line}:${inLab.col}: ${message}`);
  };
  const validate = labValidator();
  if (!validate(data)) throw new SourceError(schemaErrors(validate.errors ?? [], at));
  return compileLabSource({ file: labSource.file, data, locate, at });
}

function mapPath(path: readonly PathKey[], applied: readonly AppliedEdit[], labSource: YamlSource<LabFile>, scenario: Located) {
  const edit = editCovering(path, applied);
  if (edit) return scenario.locate(['model', edit.key, ...path.slice(edit.labPath.length)]);
  return labSource.locate(path);
}

/** The last edit whose lab path is a prefix of `path` (later edits win, as they were applied later). */
function editCovering(path: readonly PathKey[], applied: readonly AppliedEdit[]): AppliedEdit | undefined {
  let found: AppliedEdit | undefined;
  for (const e of applied) {
    if (e.labPath.length <= path.length && e.labPath.every((k, i) => k === path[i])) found = e;
  }
  return found;
}

function schemaErrors(errors: readonly ErrorObject[], at: (path: readonly PathKey[], message: string) => Diagnostic): Diagnostic[] {
  const useful = errors.filter((e) => !['if', 'anyOf', 'oneOf'].includes(e.keyword));
  const out = new Map<string, Diagnostic>();
  for (const e of useful.length > 0 ? useful : errors) {
    const path: PathKey[] = e.instancePath === '' ? [] : e.instancePath.slice(1).split('/').map((s) => {
      const key = s.replace(/~1/g, '/').replace(/~0/g, '~');
      return /^\d+$/.test(key) ? Number(key) : key;
    });
    const where = path.length ? path.join('.') : '(top level)';
    let message = `${where}: ${e.message ?? e.keyword}`;
    if (e.keyword === 'additionalProperties') {
      const extra = String((e.params as { additionalProperty: string }).additionalProperty);
      path.push(extra);
      message = `unknown field "${extra}" in ${where}`;
    } else if (e.keyword === 'enum') {
      message = `${where}: must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
    }
    const d = at(path, message);
    out.set(`${d.line}:${d.col}:${d.message}`, d);
  }
  return [...out.values()];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
