// kubectl -o json|yaml|name|jsonpath=|custom-columns=: the printers beside the table (k8s.io/cli-runtime printers).
import { stringify } from 'yaml';
import { evaluate, renderTemplate } from './jsonpath.js';
import { qualifiedName, type KubectlResource, type KubeItem } from './registry.js';
import { tabwrite } from './tabwriter.js';

export interface Listed {
  readonly resource: KubectlResource;
  readonly item: KubeItem;
}

/** Keys sorted at every level, as Go marshals an unstructured object's maps. */
function sorted(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sorted);
  if (v === null || typeof v !== 'object') return v;
  return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sorted((v as Record<string, unknown>)[k])]));
}

/** One object when a single object was asked for by name, else a List (kubectl's printer wraps them). */
function document(listed: readonly Listed[], single: boolean): unknown {
  if (single && listed.length === 1) return sorted(listed[0]!.item.object());
  return sorted({ apiVersion: 'v1', items: listed.map((l) => l.item.object()), kind: 'List', metadata: { resourceVersion: '' } });
}

/** The JSON printer: json.MarshalIndent with four spaces, and a final newline. */
function jsonText(doc: unknown): string {
  return `${JSON.stringify(doc, null, 4)}\n`;
}

/** The YAML printer (sigs.k8s.io/yaml over go-yaml v2): sequences not indented under their key, YAML 1.1 quoting. */
function yamlText(doc: unknown): string {
  return stringify(doc, { indentSeq: false, version: '1.1', lineWidth: 0 });
}

/** A value as Go's fmt %v prints what the JSONPath found (custom-columns): maps as map[k:v] sorted, lists as [a b]. */
function goValue(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(goValue).join(' ')}]`;
  if (v !== null && typeof v === 'object') return `map[${Object.keys(v).sort().map((k) => `${k}:${goValue((v as Record<string, unknown>)[k])}`).join(' ')}]`;
  return v === null ? '<nil>' : String(v);
}

/** custom-columns=HEADER:PATH,...: a tabwriter table (minwidth 10, padding 3); missing values print `<none>`. */
function customColumns(spec: string, listed: readonly Listed[]): { ok: true; text: string } | { ok: false; message: string } {
  const columns = spec.split(',').map((c) => {
    const colon = c.indexOf(':');
    return colon < 0 ? undefined : { header: c.slice(0, colon), path: c.slice(colon + 1).replace(/^\{|\}$/g, '') };
  });
  if (columns.some((c) => c === undefined)) return { ok: false, message: `error: unexpected custom-columns spec: ${spec.split(',').find((c) => !c.includes(':'))}, expected <header>:<json-path-expr>` };
  const rows = listed.map((l) => columns.map((c) => {
    const values = evaluate(l.item.object(), c!.path);
    return values.length === 0 ? '<none>' : values.map(goValue).join(',');
  }));
  const lines = [columns.map((c) => c!.header), ...rows].map((r) => `${r.join('\t')}\n`).join('');
  return { ok: true, text: tabwrite(lines, 10, 3) };
}

/** The non-table output for -o FORMAT, or an error text for a format kubectl does not know. */
export function formatOutput(format: string, listed: readonly Listed[], single: boolean): { ok: true; text: string } | { ok: false; message: string } {
  if (format === 'json') return { ok: true, text: jsonText(document(listed, single)) };
  if (format === 'yaml') return { ok: true, text: yamlText(document(listed, single)) };
  if (format === 'name') return { ok: true, text: listed.map((l) => `${qualifiedName(l.resource, l.item.name)}\n`).join('') };
  const jsonpath = /^jsonpath=(.*)$/s.exec(format);
  if (jsonpath) return { ok: true, text: renderTemplate(jsonpath[1]!.replace(/^'(.*)'$/s, '$1'), document(listed, single)) };
  const columns = /^custom-columns=(.*)$/s.exec(format);
  if (columns) return customColumns(columns[1]!, listed);
  return { ok: false, message: `error: unable to match a printer suitable for the output format "${format}", allowed formats are: custom-columns,custom-columns-file,go-template,go-template-file,json,jsonpath,jsonpath-as-json,jsonpath-file,name,template,templatefile,wide,yaml` };
}
