// kubectl's two registries: verbs (get, describe, logs, ...) and resource types (pods, services, ...). Other files
// add theirs with registerKubectlVerb / registerKubectlResource (NetworkPolicy's verbs and resource, for instance).
import type { KubeCluster } from '../../../topology/kube-objects.js';
import type { CommandResult } from '../../../topology/trace.js';
import type { CommandContext } from '../index.js';
import type { KubectlArgs } from './args.js';

/** What a verb sees: the parsed line, the cluster's objects now, the simulated clock, the command context. */
export interface KubectlCall {
  readonly args: KubectlArgs;
  readonly cluster: KubeCluster;
  readonly nowMs: number;
  readonly ctx: CommandContext;
  /** The namespace the line names (-n/--namespace), else `default`. */
  readonly namespace: string;
}

export type KubectlVerb = (call: KubectlCall) => CommandResult;

/** One listed object: what selectors, sorting, -o name and the JSON printers need. */
export interface KubeItem {
  readonly name: string;
  readonly namespace?: string;
  readonly labels: Readonly<Record<string, string>>;
  /** The object as the API serves it (apiVersion, kind, metadata, spec, status): -o json/yaml/jsonpath read this. */
  object(): Record<string, unknown>;
}

export interface KubectlResource {
  /** The plural resource name (`pods`) and the names kubectl accepts for it (singular, short names). */
  readonly plural: string;
  readonly aliases: readonly string[];
  /** The API group ('' for core, 'apps', 'discovery.k8s.io'): -o name prints `kind.group/name`. */
  readonly group: string;
  readonly kind: string;
  readonly namespaced: boolean;
  list(call: KubectlCall): KubeItem[];
  /** The table: header and one row per item (wide adds the priority-1 columns). */
  table(items: readonly KubeItem[], call: KubectlCall, wide: boolean): { header: string[]; rows: string[][] };
  /** kubectl describe's text for one item. */
  describe?(item: KubeItem, call: KubectlCall): string;
  /** Field selectors the API server supports for this resource beyond metadata.name and metadata.namespace. */
  readonly fields?: readonly string[];
}

const verbs = new Map<string, KubectlVerb>();
const resources: KubectlResource[] = [];

export function registerKubectlVerb(name: string, verb: KubectlVerb): void {
  verbs.set(name, verb);
}

export function registerKubectlResource(resource: KubectlResource): void {
  resources.push(resource);
}

export function kubectlVerb(name: string): KubectlVerb | undefined {
  return verbs.get(name);
}

/** The resource a word names (`po`, `pod`, `pods`, `deploy`, `deployment.apps`), or undefined. */
export function kubectlResource(word: string): KubectlResource | undefined {
  const w = word.toLowerCase();
  return resources.find((r) => r.plural === w || r.aliases.includes(w) || `${r.plural}.${r.group}` === w || (r.group !== '' && `${r.kind.toLowerCase()}.${r.group}` === w));
}

/** `kind.group/name` as -o name and multi-type listings print it (`pod/httpd`, `deployment.apps/coredns`). */
export function qualifiedName(resource: KubectlResource, name: string): string {
  return `${resource.kind.toLowerCase()}${resource.group ? `.${resource.group}` : ''}/${name}`;
}
