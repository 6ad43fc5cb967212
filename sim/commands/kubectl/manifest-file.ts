// The manifests `kubectl apply -f FILE` / `delete -f FILE` read: FILE from the place's own files (the lab file's
// `files:` of a node, a pod's /etc files) or, in a backend that has a real filesystem, from there; YAML documents
// split as kubectl's StreamVisitor splits them, each with its kind, name and namespace.
import { createRequire } from 'node:module';
import type * as Yaml from 'yaml';
import type { Simulator } from '../../simulator.js';
import type { KubectlCall } from './registry.js';

/** A backend's own files, read when the place's files lack the path (the netns lab: the host's filesystem). */
export type HostFileReader = (path: string) => string | undefined;

const hostReaders = new WeakMap<Simulator, HostFileReader>();

export function setHostFileReader(sim: Simulator, read: HostFileReader): void {
  hostReaders.set(sim, read);
}

/** One object of the file, as written. */
export interface ManifestObject {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly metadata?: { readonly name?: string; readonly namespace?: string; readonly labels?: Record<string, string> };
  readonly spec?: Record<string, unknown>;
}

export type ManifestRead = { ok: true; objects: readonly ManifestObject[] } | { ok: false; message: string };

/** Where a relative FILE is looked up: the vagrant user's home, the shell's directory on the lab's VMs. */
const HOME = '/home/vagrant';

function readText(call: KubectlCall, path: string): string | undefined {
  const abs = path.startsWith('/') ? path : `${HOME}/${path.replace(/^\.\//, '')}`;
  return call.ctx.state.device.files?.[abs] ?? hostReaders.get(call.ctx.sim)?.(path);
}

/** The objects of FILE, or kubectl's error (the path missing, a YAML document it cannot parse). */
export function readManifests(call: KubectlCall, path: string): ManifestRead {
  const text = readText(call, path);
  // resource.Builder's path check (visitor.go ExpandPathsToFileVisitors), kubectl 1.31 as 1.32: checked for real.
  if (text === undefined) return { ok: false, message: `error: the path "${path}" does not exist` };
  const yaml = createRequire(import.meta.url)('yaml') as typeof Yaml;
  const objects: ManifestObject[] = [];
  for (const doc of yaml.parseAllDocuments(text)) {
    // The prefix is kubectl's (StreamVisitor: "error parsing FILE: error converting YAML to JSON: yaml: ..."); the
    // reason after it is the JavaScript YAML parser's, not go-yaml's wording.
    if (doc.errors.length > 0) return { ok: false, message: `error: error parsing ${path}: error converting YAML to JSON: yaml: ${doc.errors[0]!.message.split('\n')[0]!}` };
    const value = doc.toJS() as unknown;
    if (value === null || value === undefined) continue;
    if (typeof value !== 'object' || Array.isArray(value)) return { ok: false, message: `error: error parsing ${path}: the document is not a mapping` };
    objects.push(value as ManifestObject);
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
