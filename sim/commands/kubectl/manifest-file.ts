// The manifests `kubectl apply -f FILE` / `delete -f FILE` read: FILE (or a directory's .json/.yaml/.yml files)
// from the place's own files (the lab file's `files:` of a node, a pod's /etc files) or, in a backend that has a
// real filesystem, from there; YAML documents split as kubectl's StreamVisitor splits them.
import { createRequire } from 'node:module';
import type * as Yaml from 'yaml';
import type { Simulator } from '../../simulator.js';
import type { KubectlCall } from './registry.js';

/** A backend's own files, read when the place's files lack the path (the netns lab: the host's filesystem). */
export interface HostFileReader {
  /** A file's text, or undefined when PATH is no file. */
  read(path: string): string | undefined;
  /** The names in directory PATH, or undefined when PATH is no directory. */
  list(path: string): readonly string[] | undefined;
}

const hostReaders = new WeakMap<Simulator, HostFileReader>();

export function setHostFileReader(sim: Simulator, reader: HostFileReader): void {
  hostReaders.set(sim, reader);
}

/** One object of the file, as written. */
export interface ManifestObject {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly metadata?: { readonly name?: string; readonly namespace?: string; readonly labels?: Record<string, string> };
  readonly spec?: Record<string, unknown>;
}

/** An object and the file it came from (kubectl's info.Source: FILE, or DIR/NAME for a directory's files). */
export interface SourcedObject {
  readonly object: ManifestObject;
  readonly source: string;
}

export type ManifestRead = { ok: true; objects: readonly SourcedObject[] } | { ok: false; message: string };

/** Where a relative FILE is looked up: the vagrant user's home, the shell's directory on the lab's VMs. */
const HOME = '/home/vagrant';

/** The file extensions kubectl reads from a directory (resource.FileExtensions). */
const EXTENSIONS = ['.json', '.yaml', '.yml'];

const absolute = (path: string) => (path.startsWith('/') ? path : `${HOME}/${path.replace(/^\.\//, '')}`);

/** PATH's text, or the files of directory PATH (top level, lexical order, kubectl's extensions), or nothing. */
function readPath(call: KubectlCall, path: string): { text: string } | { dir: readonly string[] } | undefined {
  const files = call.ctx.state.device.files ?? {};
  const abs = absolute(path);
  const host = hostReaders.get(call.ctx.sim);
  const text = files[abs] ?? host?.read(path);
  if (text !== undefined) return { text };
  const prefix = `${abs.replace(/\/+$/, '')}/`;
  const inModel = Object.keys(files).filter((f) => f.startsWith(prefix)).map((f) => f.slice(prefix.length)).filter((n) => !n.includes('/'));
  const names = inModel.length > 0 ? inModel : host?.list(path);
  if (names === undefined) return undefined;
  const join = (n: string) => `${path.replace(/\/+$/, '')}/${n}`;
  return { dir: [...names].filter((n) => EXTENSIONS.some((e) => n.endsWith(e))).sort().map(join) };
}

/** The objects of FILE (a file, or a directory's files), or kubectl's error (the path missing, YAML it cannot parse). */
export function readManifests(call: KubectlCall, path: string): ManifestRead {
  const got = readPath(call, path);
  // resource.Builder's path check (visitor.go ExpandPathsToFileVisitors), kubectl 1.31 as 1.32: checked for real.
  if (got === undefined) return { ok: false, message: `error: the path "${path}" does not exist` };
  if ('text' in got) return parseObjects(got.text, path);
  if (got.dir.length === 0) return { ok: false, message: `error: error reading [${path}]: recognized file extensions are [${EXTENSIONS.join(' ')}]` };
  const objects: SourcedObject[] = [];
  for (const file of got.dir) {
    const one = readManifests(call, file);
    if (!one.ok) return one;
    objects.push(...one.objects);
  }
  return { ok: true, objects };
}

function parseObjects(text: string, source: string): ManifestRead {
  const yaml = createRequire(import.meta.url)('yaml') as typeof Yaml;
  const objects: SourcedObject[] = [];
  for (const doc of yaml.parseAllDocuments(text)) {
    // The prefix is kubectl's (StreamVisitor: "error parsing FILE: error converting YAML to JSON: yaml: ..."); the
    // reason after it is the JavaScript YAML parser's, not go-yaml's wording.
    if (doc.errors.length > 0) return { ok: false, message: `error: error parsing ${source}: error converting YAML to JSON: yaml: ${doc.errors[0]!.message.split('\n')[0]!}` };
    const value = doc.toJS() as unknown;
    if (value === null || value === undefined) continue;
    if (typeof value !== 'object' || Array.isArray(value)) return { ok: false, message: `error: error parsing ${source}: the document is not a mapping` };
    objects.push({ object: value as ManifestObject, source });
  }
  return { ok: true, objects };
}

/** builder.go's mapping error for a kind the API server does not serve (a CRD not installed, a typo). */
export function mappingError(o: ManifestObject, path: string): string {
  return `error: resource mapping not found for name: "${o.metadata?.name ?? ''}" namespace: "${o.metadata?.namespace ?? ''}" from "${path}": no matches for kind "${o.kind}" in version "${o.apiVersion}"\nensure CRDs are installed first`;
}

/** The namespace the object goes to: its own, else -n, else default; kubectl refuses the two disagreeing. */
export function objectNamespace(o: ManifestObject, call: KubectlCall): { ok: true; ns: string } | { ok: false; message: string } {
  const own = o.metadata?.namespace;
  if (own !== undefined && call.args.namespace !== undefined && own !== call.args.namespace) {
    return { ok: false, message: `error: the namespace from the provided object "${own}" does not match the namespace "${call.args.namespace}". You must pass '--namespace=${own}' to perform this operation.` };
  }
  return { ok: true, ns: own ?? call.namespace };
}
