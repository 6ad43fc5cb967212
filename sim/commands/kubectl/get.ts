// kubectl get: resource words (TYPE, TYPE NAME..., TYPE/NAME, TYPE1,TYPE2, all), namespaces, selectors, and the
// table or -o printer; kubectl's texts for no objects, unknown types and unknown names.
import { fail } from '../output.js';
import type { CommandResult } from '../../../topology/trace.js';
import { formatOutput, type Listed } from './formats.js';
import { kubectlResource, qualifiedName, registerKubectlVerb, type KubectlCall, type KubectlResource, type KubeItem } from './registry.js';
import { fieldSelector, labelSelector } from './selectors.js';
import { labelsText, table } from './table.js';

/** What `kubectl get all` lists (the "all" category kubectl 1.31 expands, in its order; empty kinds are skipped). */
const ALL = ['pods', 'services', 'daemonsets', 'deployments', 'replicasets'];

interface Request {
  readonly resources: KubectlResource[];
  /** Names asked for, per resource (empty: list them all). */
  readonly names: Map<KubectlResource, string[]>;
  readonly multiType: boolean;
}

const NO_TYPE = 'You must specify the type of resource to get. Use "kubectl api-resources" for a complete list of supported resources.\n\nerror: Required resource not specified.\nUse "kubectl explain <resource>" for a detailed description of that resource (e.g. kubectl explain pods).\nSee \'kubectl get -h\' for help and examples';

/** Resolves the resource words: TYPE[,TYPE] [NAME...] or TYPE/NAME... */
export function parseRequest(words: readonly string[]): { ok: true; request: Request } | { ok: false; message: string } {
  if (words.length === 0) return { ok: false, message: NO_TYPE };
  const names = new Map<KubectlResource, string[]>();
  const resources: KubectlResource[] = [];
  const add = (word: string): KubectlResource | string => {
    const r = kubectlResource(word);
    if (!r) return `error: the server doesn't have a resource type "${word}"`;
    if (!resources.includes(r)) resources.push(r);
    if (!names.has(r)) names.set(r, []);
    return r;
  };
  if (words.every((w) => w.includes('/'))) {
    for (const w of words) {
      const [type, name] = [w.slice(0, w.indexOf('/')), w.slice(w.indexOf('/') + 1)];
      const r = add(type);
      if (typeof r === 'string') return { ok: false, message: r };
      names.get(r)!.push(name);
    }
    return { ok: true, request: { resources, names, multiType: resources.length > 1 } };
  }
  const types = words[0]!.split(',').flatMap((t) => (t === 'all' ? ALL : [t]));
  for (const t of types) {
    const r = add(t);
    if (typeof r === 'string') return { ok: false, message: r };
  }
  if (words.length > 1) {
    if (resources.length > 1) return { ok: false, message: 'error: arguments in resource/name form must have a single resource and name' };
    names.get(resources[0]!)!.push(...words.slice(1));
  }
  return { ok: true, request: { resources, names, multiType: resources.length > 1 || words[0] === 'all' } };
}

function byNamespaceAndName(a: KubeItem, b: KubeItem): number {
  const ns = (a.namespace ?? '').localeCompare(b.namespace ?? '');
  return ns !== 0 ? ns : a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** The items of R the line selects, with NotFound errors for names that are not there. */
export function selectItems(r: KubectlResource, names: readonly string[], call: KubectlCall): { items: KubeItem[]; errors: string[] } | { message: string } {
  let items = r.list(call).filter((i) => !r.namespaced || (names.length === 0 && call.args.allNamespaces) || i.namespace === call.namespace).sort(byNamespaceAndName);
  if (call.args.selector !== undefined) {
    const sel = labelSelector(call.args.selector);
    if (!sel.ok) return { message: sel.message };
    items = items.filter((i) => sel.test(i.labels));
  }
  if (call.args.fieldSelector !== undefined) {
    const sel = fieldSelector(call.args.fieldSelector, r);
    if (!sel.ok) return { message: sel.message };
    items = items.filter(sel.test);
  }
  if (names.length === 0) return { items, errors: [] };
  const plural = r.group ? `${r.plural}.${r.group}` : r.plural;
  const found = names.map((n) => items.find((i) => i.name === n));
  return { items: found.filter((i): i is KubeItem => i !== undefined), errors: names.filter((_, k) => !found[k]).map((n) => `Error from server (NotFound): ${plural} "${n}" not found`) };
}

function tableText(r: KubectlResource, items: readonly KubeItem[], call: KubectlCall, multiType: boolean): string {
  const wide = call.args.output === 'wide';
  const { header, rows } = r.table(items, call, wide);
  const withNs = call.args.allNamespaces && r.namespaced;
  const full = rows.map((row, k) => {
    const cells = [...row];
    if (multiType) cells[0] = qualifiedName(r, cells[0]!);
    if (call.args.showLabels) cells.push(labelsText(items[k]!.labels));
    return withNs ? [items[k]!.namespace ?? '', ...cells] : cells;
  });
  const head = [...(withNs ? ['NAMESPACE'] : []), ...header, ...(call.args.showLabels ? ['LABELS'] : [])];
  return table([head, ...full]);
}

function noResources(call: KubectlCall, request: Request): string {
  const clusterScoped = request.resources.every((r) => !r.namespaced);
  return call.args.allNamespaces || clusterScoped ? 'No resources found' : `No resources found in ${call.namespace} namespace.`;
}

export function get(call: KubectlCall): CommandResult {
  const parsed = parseRequest(call.args.words);
  if (!parsed.ok) return fail(parsed.message, 1);
  const { request } = parsed;
  const listed: Listed[] = [];
  const errors: string[] = [];
  const tables: string[] = [];
  for (const r of request.resources) {
    const got = selectItems(r, request.names.get(r)!, call);
    if ('message' in got) return fail(got.message, 1);
    errors.push(...got.errors);
    listed.push(...got.items.map((item) => ({ resource: r, item })));
    if (got.items.length > 0) tables.push(tableText(r, got.items, call, request.multiType));
  }
  const named = [...request.names.values()].some((n) => n.length > 0);
  const output = call.args.output;
  // Only the table printers say that nothing was found (json and yaml print the empty List).
  const quiet = output !== undefined && output !== 'wide';
  const stderr = [...errors, ...(listed.length === 0 && !named && !quiet ? [noResources(call, request)] : [])].map((l) => `${l}\n`).join('');
  const exitCode = errors.length > 0 ? 1 : 0;
  if (output === undefined || output === 'wide') return { stdout: tables.join('\n'), stderr, exitCode };
  if (listed.length === 0 && output !== 'json' && output !== 'yaml' && !output.startsWith('custom-columns=')) return { stdout: '', stderr, exitCode };
  const text = formatOutput(output, listed, named && listed.length === 1 && request.resources.length === 1);
  return text.ok ? { stdout: text.text, stderr, exitCode } : fail(text.message, 1);
}

registerKubectlVerb('get', get);
