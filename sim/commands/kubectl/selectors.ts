// Label selectors (-l: equality and set-based, as labels.Parse reads them) and field selectors (--field-selector:
// =, ==, != on the fields the API server indexes for the resource).
import type { KubectlResource, KubeItem } from './registry.js';

type LabelTest = (labels: Readonly<Record<string, string>>) => boolean;

/** Splits at commas outside parentheses (`app in (a,b),tier=web`). */
function terms(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  out.push(cur.trim());
  return out.filter((t) => t !== '');
}

function labelTerm(term: string): LabelTest | undefined {
  let m = /^([\w./-]+)\s*(==|=|!=)\s*([\w.-]*)$/.exec(term);
  if (m) {
    const [, key, op, value] = m;
    return op === '!=' ? (l) => l[key!] !== value : (l) => l[key!] === value;
  }
  m = /^([\w./-]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(term);
  if (m) {
    const values = m[3]!.split(',').map((v) => v.trim());
    const key = m[1]!;
    return m[2] === 'in' ? (l) => l[key] !== undefined && values.includes(l[key]!) : (l) => l[key] === undefined || !values.includes(l[key]!);
  }
  m = /^(!?)([\w./-]+)$/.exec(term);
  if (m) return m[1] ? (l) => !Object.hasOwn(l, m![2]!) : (l) => Object.hasOwn(l, m![2]!);
  return undefined;
}

export function labelSelector(text: string): { ok: true; test: LabelTest } | { ok: false; message: string } {
  const tests: LabelTest[] = [];
  for (const t of terms(text)) {
    const test = labelTerm(t);
    if (!test) return { ok: false, message: `error: unable to parse requirement: found '${t}', expected: identifier` };
    tests.push(test);
  }
  return { ok: true, test: (labels) => tests.every((f) => f(labels)) };
}

/** A dotted field's value in an object, as the field selector compares it (booleans and numbers as text). */
function fieldValue(object: Record<string, unknown>, path: string): string {
  let v: unknown = object;
  for (const key of path.split('.')) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined;
  return v === undefined || v === null ? '' : String(v);
}

export function fieldSelector(text: string, resource: KubectlResource): { ok: true; test: (item: KubeItem) => boolean } | { ok: false; message: string } {
  const known = ['metadata.name', ...(resource.namespaced ? ['metadata.namespace'] : []), ...(resource.fields ?? [])];
  const tests: ((item: KubeItem) => boolean)[] = [];
  for (const t of terms(text)) {
    const m = /^([\w.]+)\s*(==|=|!=)\s*(.*)$/.exec(t);
    if (!m) return { ok: false, message: `error: invalid selector: '${text}'; can't understand '${t}'` };
    const [, path, op, value] = m;
    if (!known.includes(path!)) {
      const gvr = resource.group === '' ? `/v1, Resource=${resource.plural}` : `${resource.group}/v1, Resource=${resource.plural}`;
      return { ok: false, message: `Error from server (BadRequest): Unable to find "${gvr}" that match label selector "", field selector "${text}": field label not supported: ${path}` };
    }
    tests.push((item) => (fieldValue(item.object(), path!) === value) !== (op === '!='));
  }
  return { ok: true, test: (item) => tests.every((f) => f(item)) };
}
