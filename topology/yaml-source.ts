// Loads a YAML document, validates it against a JSON Schema, and maps any error to FILE:LINE:COL.
import { createRequire } from 'node:module';
import type { ErrorObject, ValidateFunction } from 'ajv';
import type { Ajv2020 as Ajv2020Class } from 'ajv/dist/2020.js';
import type addFormatsModule from 'ajv-formats';
import type * as Yaml from 'yaml';
import type { Document } from 'yaml';
import { InputFileError, readInputFile } from './read-input.js';
import { generatedValidatorName } from './schema/validators.js';
import { cachedYaml, type CachedYaml } from './yaml-cache.js';

let yamlLibrary: typeof Yaml | undefined;

/** The yaml library, loaded when the first document is parsed (a lab compiled from its cache parses none). */
function yaml(): typeof Yaml {
  return (yamlLibrary ??= createRequire(import.meta.url)('yaml') as typeof Yaml);
}

export interface Diagnostic {
  readonly file: string;
  readonly line: number;
  readonly col: number;
  readonly message: string;
}

/** Every problem found in an input file; printed one per line as FILE:LINE:COL: message. */
export class SourceError extends Error {
  override readonly name = 'SourceError';
  constructor(readonly diagnostics: readonly Diagnostic[]) {
    super(diagnostics.map(formatDiagnostic).join('\n'));
  }
}

export function formatDiagnostic(d: Diagnostic): string {
  return `${d.file}:${d.line}:${d.col}: ${d.message}`;
}

export type PathKey = string | number;

/** A parsed YAML document that can say where any value came from. */
export interface YamlSource<T> {
  readonly file: string;
  readonly data: T;
  /** Line and column of the value at `path` (or of its nearest ancestor that exists). */
  locate(path: readonly PathKey[]): { line: number; col: number };
  /** A diagnostic located at `path`. */
  at(path: readonly PathKey[], message: string): Diagnostic;
}

/**
 * Compiles a JSON Schema at run time (tests; the CLI's lab and scenario schemas are compiled at build time, see
 * topology/schema/validators.ts). ajv is loaded here, on first use, not by every program that reads YAML.
 */
export function compileSchema(schema: object): ValidateFunction {
  const require = createRequire(import.meta.url);
  const { Ajv2020 } = require('ajv/dist/2020.js') as { Ajv2020: typeof Ajv2020Class };
  // ajv-formats is CommonJS with a default export: the callable sits on .default.
  const addFormats = (require('ajv-formats') as typeof addFormatsModule).default;
  const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
  addFormats(ajv);
  return ajv.compile(schema);
}

/** Reads FILE (a regular file within the input size limit) as text; an unreadable file is a SourceError at FILE:1:1. */
export function readSourceText(file: string): string {
  try {
    return readInputFile(file);
  } catch (err) {
    if (err instanceof InputFileError) throw new SourceError([{ file, line: 1, col: 1, message: `cannot read: ${err.reason}` }]);
    throw err;
  }
}

/** Reads and parses FILE: from the build-time cache (topology/yaml-cache.ts) when it has the file's current text. */
export function readYamlFile<T>(file: string, validate: ValidateFunction): YamlSource<T> {
  const text = readSourceText(file);
  const cached = cachedYaml(file, text);
  return cached ? parsedSource<T>(file, text, cached, validate) : parseYamlText<T>(file, text, validate);
}

/**
 * A source over the parser's value for `text` made earlier: valid data needs no parser until a location is asked
 * for; invalid data is parsed again, for the same located errors as ever. Data that this build's generated
 * validator accepted at build time is not validated again.
 */
function parsedSource<T>(file: string, text: string, cached: CachedYaml, validate: ValidateFunction): YamlSource<T> {
  const data = cached.data;
  const name = generatedValidatorName(validate);
  const known = name !== undefined && cached.validBy.includes(name);
  if (!known && !validate(data)) return parseYamlText<T>(file, text, validate);
  let parsed: YamlSource<T> | undefined;
  const located = () => (parsed ??= parseYamlText<T>(file, text, validate));
  return { file, data: data as T, locate: (path) => located().locate(path), at: (path, message) => located().at(path, message) };
}

/** The YAML library's error codes that a wrongly indented line causes. */
const INDENTATION_ERRORS: ReadonlySet<string> = new Set(['BAD_INDENT', 'BLOCK_AS_IMPLICIT_KEY', 'MULTILINE_IMPLICIT_KEY']);

export function parseYamlText<T>(file: string, text: string, validate: ValidateFunction): YamlSource<T> {
  const { LineCounter, parseDocument } = yaml();
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const position = (offset: number) => {
    const p = lineCounter.linePos(offset);
    return { line: p.line, col: p.col };
  };
  const syntax = doc.errors[0];
  if (syntax) {
    // Later syntax errors mostly follow from the first (one wrong indentation gives half a dozen): report the first.
    const hint = INDENTATION_ERRORS.has(syntax.code) ? ': check the indentation of this line and the lines below it' : '';
    throw new SourceError([{ file, ...position(syntax.pos[0]), message: `${syntax.message.split('\n')[0]!}${hint}` }]);
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 }) as unknown;
  } catch (err) {
    // The yaml library reports an alias without an anchor (`*x`) or an alias bomb only by throwing from toJS.
    const offset = unresolvedAliasOffset(doc);
    const where = offset === undefined ? { line: 1, col: 1 } : position(offset);
    throw new SourceError([{ file, ...where, message: (err as Error).message.split('\n')[0]! }]);
  }
  const locate = (path: readonly PathKey[]) => locateIn(doc, path, position);
  const at = (path: readonly PathKey[], message: string): Diagnostic => ({ file, ...locate(path), message });
  const atKey = (path: readonly PathKey[], message: string): Diagnostic => ({ file, ...locateIn(doc, path, position, true), message });
  if (!validate(data)) {
    throw new SourceError(schemaDiagnostics(validate.errors ?? [], at, atKey));
  }
  return { file, data: data as T, locate, at };
}

/** Where the first alias whose anchor is not set before it starts, if there is one. */
function unresolvedAliasOffset(doc: Document): number | undefined {
  const { visit } = yaml();
  let offset: number | undefined;
  visit(doc, {
    Alias(_key, node) {
      if (node.resolve(doc) !== undefined || !node.range) return undefined;
      offset = node.range[0];
      return visit.BREAK;
    },
  });
  return offset;
}

function locateIn(doc: Document, path: readonly PathKey[], position: (o: number) => { line: number; col: number }, key = false) {
  const { isMap, isNode, isScalar } = yaml();
  if (key && path.length > 0) {
    const parent = path.length === 1 ? doc.contents : doc.getIn(path.slice(0, -1), true);
    if (isMap(parent)) {
      const pair = parent.items.find((it) => isScalar(it.key) && String(it.key.value) === String(path[path.length - 1]));
      if (pair && isNode(pair.key) && pair.key.range) return position(pair.key.range[0]);
    }
  }
  for (let n = path.length; n >= 0; n--) {
    const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
    if (isNode(node) && node.range) return position(node.range[0]);
  }
  return { line: 1, col: 1 };
}

function pointerToPath(pointer: string): PathKey[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

function schemaDiagnostics(errors: readonly ErrorObject[], at: YamlSource<unknown>['at'], atKey: YamlSource<unknown>['at']): Diagnostic[] {
  // With allErrors, `oneOf`/`anyOf` and `if` produce wrapper errors next to the specific ones; keep the specific ones.
  // A bad label key: the propertyNames error names the key, the pattern error under it says what is wrong.
  const badKeys = new Map(errors.filter((e) => e.keyword === 'propertyNames').map((e) => [e.instancePath, String((e.params as { propertyName: string }).propertyName)]));
  const specific = errors.filter((e) => !['if', 'anyOf', 'oneOf', 'propertyNames'].includes(e.keyword));
  // A `oneOf` of a string and an object form: the branch whose type matched says what is wrong; drop the other's type error.
  const useful = specific.filter((e) => e.keyword !== 'type' || !specific.some((o) => o.keyword !== 'type' && (o.instancePath === e.instancePath || o.instancePath.startsWith(`${e.instancePath}/`))));
  const seen = new Set<string>();
  const out: Diagnostic[] = [];
  for (const e of useful.length ? useful : errors) {
    const path = pointerToPath(e.instancePath);
    const where = e.instancePath ? e.instancePath.slice(1).replace(/\//g, '.') : '(top level)';
    let message: string;
    switch (e.keyword) {
      case 'additionalProperties': {
        const key = String((e.params as { additionalProperty: string }).additionalProperty);
        path.push(key);
        message = `unknown field "${key}" in ${where}`;
        break;
      }
      case 'required':
        message = `${where}: missing required field "${(e.params as { missingProperty: string }).missingProperty}"`;
        break;
      case 'enum':
        message = `${where}: must be one of ${((e.params as { allowedValues: unknown[] }).allowedValues).map((v) => JSON.stringify(v)).join(', ')}`;
        break;
      case 'pattern': {
        const key = badKeys.get(e.instancePath);
        if (key !== undefined && e.schemaPath.includes('/propertyNames/')) path.push(key);
        message = `${where}: ${describePattern(e, key)}`;
        break;
      }
      case 'format':
        message = `${where}: not a valid ${(e.params as { format: string }).format} address`;
        break;
      default:
        message = `${where}: ${e.message ?? e.keyword}`;
    }
    const d = e.keyword === 'additionalProperties' || (e.keyword === 'pattern' && e.schemaPath.includes('/propertyNames/')) ? atKey(path, message) : at(path, message);
    const key = `${d.line}:${d.col}:${d.message}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push(d);
    }
  }
  return out;
}

function describePattern(e: ErrorObject, key?: string): string {
  const pattern = String((e.params as { pattern: string }).pattern);
  if (pattern.startsWith('^[a-z0-9]([-a-z0-9]{0,61}')) return 'must be a DNS label (lower-case letters, digits and "-", at most 63, not starting or ending with "-")';
  if (pattern.includes('/[0-9]{1,2}$')) return 'must be an IPv4 prefix like 10.244.0.0/16';
  if (pattern.startsWith('^(tcp|udp)')) return 'must be a listener like tcp/80 or udp/53';
  if (pattern.startsWith('^[A-Za-z][A-Za-z0-9_.-]{0,14}')) return 'must be an interface name (at most 15 characters)';
  if (pattern.startsWith('^(?=.*[a-z])')) return 'must be a port name (lower-case letters, digits and "-", at least one letter, at most 15)';
  if (pattern.startsWith('^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.')) return `label key "${key ?? ''}" must be like app or example.com/app (letters, digits, "-", "_", ".", at most 63 after the prefix)`;
  if (pattern.startsWith('^([A-Za-z0-9]')) return 'must be a label value (letters, digits, "-", "_", ".", at most 63, starting and ending with a letter or digit)';
  return `must match ${pattern}`;
}
