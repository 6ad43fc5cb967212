// NetworkPolicy objects (networking.k8s.io/v1) as the lab file and `kubectl apply` give them: the API server's defaulting
// and validation (messages from kubernetes pkg/apis/networking/validation), and label-selector matching.
import { parseCidr } from './address.js';

export type PolicyType = 'Ingress' | 'Egress';

export interface SelectorRequirement {
  readonly key: string;
  readonly operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  readonly values?: readonly string[];
}

/** metav1.LabelSelector: an empty selector ({}) selects everything. */
export interface LabelSelector {
  readonly matchLabels?: Readonly<Record<string, string>>;
  readonly matchExpressions?: readonly SelectorRequirement[];
}

export interface PolicyPort {
  /** Defaulted to TCP by the API server. */
  readonly protocol: 'TCP' | 'UDP' | 'SCTP';
  readonly port?: number | string;
  readonly endPort?: number;
}

export interface PolicyPeer {
  readonly podSelector?: LabelSelector;
  readonly namespaceSelector?: LabelSelector;
  readonly ipBlock?: { readonly cidr: string; readonly except?: readonly string[] };
}

export interface PolicyRule {
  /** `from` (ingress) or `to` (egress); empty or absent: every peer. */
  readonly peers: readonly PolicyPeer[];
  /** Absent or empty: every port. */
  readonly ports: readonly PolicyPort[];
}

export interface NetworkPolicy {
  readonly name: string;
  readonly namespace: string;
  readonly podSelector: LabelSelector;
  /** After the API server's defaulting: Ingress always unless given, Egress when egress rules exist. */
  readonly policyTypes: readonly PolicyType[];
  /** undefined: the spec had no `ingress` list (kube-router tells this from an empty one). */
  readonly ingress?: readonly PolicyRule[];
  readonly egress?: readonly PolicyRule[];
}

/** A port of a manifest's rule as written. */
export interface ManifestPort {
  protocol?: string;
  port?: number | string;
  endPort?: number;
}

/** A NetworkPolicy manifest as written (YAML/JSON), before defaulting. */
export interface NetworkPolicyManifest {
  apiVersion?: string;
  kind?: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec: {
    podSelector: LabelSelector;
    policyTypes?: string[];
    ingress?: { from?: PolicyPeer[]; ports?: ManifestPort[] }[];
    egress?: { to?: PolicyPeer[]; ports?: ManifestPort[] }[];
  };
}

/** One validation error: the field path (for locating it in a file) and field.Error's text. */
export interface PolicyFieldError {
  readonly path: readonly (string | number)[];
  readonly message: string;
}

const pathText = (path: readonly (string | number)[]) =>
  path.map((k, i) => (typeof k === 'number' ? `[${k}]` : i === 0 ? k : `.${k}`)).join('');
const invalid = (path: (string | number)[], value: unknown, detail: string): PolicyFieldError =>
  ({ path, message: `${pathText(path)}: Invalid value: ${typeof value === 'string' ? `"${value}"` : String(value)}: ${detail}` });

/** validation.IsValidPortNum / IsValidPortName (k8s.io/apimachinery/pkg/util/validation). */
function portErrors(port: number | string | undefined, path: (string | number)[]): PolicyFieldError[] {
  if (port === undefined) return [];
  if (typeof port === 'number') return port >= 1 && port <= 65535 ? [] : [invalid(path, port, 'must be between 1 and 65535, inclusive')];
  const errs: string[] = [];
  if (port.length > 15) errs.push('must be no more than 15 characters');
  if (!/^[-a-z0-9]+$/.test(port)) errs.push('must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)');
  if (!/[a-z]/.test(port)) errs.push('must contain at least one letter (a-z)');
  if (port.includes('--')) errs.push('must not contain consecutive hyphens');
  if (/^-|-$/.test(port)) errs.push('must not begin or end with a hyphen');
  return errs.map((e) => invalid(path, port, e));
}

/** ValidateNetworkPolicyPort. */
function validatePort(p: ManifestPort, path: (string | number)[]): PolicyFieldError[] {
  const errs: PolicyFieldError[] = [];
  if (p.protocol !== undefined && !['TCP', 'UDP', 'SCTP'].includes(p.protocol)) {
    errs.push({ path: [...path, 'protocol'], message: `${pathText([...path, 'protocol'])}: Unsupported value: "${p.protocol}": supported values: "TCP", "UDP", "SCTP"` });
  }
  errs.push(...portErrors(p.port, [...path, 'port']));
  if (p.endPort !== undefined) {
    const at = [...path, 'endPort'];
    if (p.port === undefined) errs.push(invalid(at, p.endPort, 'may not be specified when `port` is not specified'));
    else if (typeof p.port === 'string') errs.push(invalid(at, p.endPort, 'may not be specified when `port` is non-numeric'));
    else {
      if (p.endPort < p.port) errs.push(invalid(at, p.endPort, 'must be greater than or equal to `port`'));
      errs.push(...portErrors(p.endPort, at));
    }
  }
  return errs;
}

/** ValidateNetworkPolicyPeer and ValidateIPBlock. */
function validatePeer(peer: PolicyPeer, path: (string | number)[]): PolicyFieldError[] {
  const count = [peer.podSelector, peer.namespaceSelector, peer.ipBlock].filter((x) => x !== undefined).length;
  if (count === 0) return [{ path, message: `${pathText(path)}: Required value: must specify a peer` }];
  const errs: PolicyFieldError[] = [];
  if (peer.ipBlock) {
    const at = [...path, 'ipBlock'];
    const cidrOf = (t: string) => (t.includes('/') ? parseCidr(t, false) : undefined); // ParseCIDRSloppy
    const cidr = cidrOf(peer.ipBlock.cidr);
    if (!cidr) errs.push(invalid([...at, 'cidr'], peer.ipBlock.cidr, 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)'));
    (peer.ipBlock.except ?? []).forEach((e, i) => {
      const ex = cidrOf(e);
      if (!ex) errs.push(invalid([...at, 'except', i], e, 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)'));
      else if (cidr && !(ex.len > cidr.len && ((ex.addr ^ cidr.addr) >>> (32 - cidr.len)) === 0 || (cidr.len === 0 && ex.len > 0))) {
        errs.push(invalid([...at, 'except', i], e, 'must be a strict subset of `cidr`'));
      }
    });
    if (count > 1) errs.push({ path, message: `${pathText(path)}: Forbidden: may not specify both ipBlock and another peer` });
  }
  return errs;
}

/**
 * What kubectl prints for an Invalid status of a NetworkPolicy (cmdutil.CheckErr over the status causes): one cause on
 * the line, several as a `* ` list after the prefix.
 */
export function invalidPolicyText(name: string, errors: readonly PolicyFieldError[]): string {
  const prefix = `The NetworkPolicy "${name}" is invalid: `;
  return errors.length === 1 ? `${prefix}${errors[0]!.message}` : `${prefix}\n${errors.map((e) => `* ${e.message}`).join('\n')}`;
}

/** ValidateNetworkPolicySpec's checks (field paths relative to the object: spec.ingress[0]...). */
export function validatePolicy(m: NetworkPolicyManifest): PolicyFieldError[] {
  const errs: PolicyFieldError[] = [];
  const spec = m.spec;
  const rules = (dir: 'ingress' | 'egress', peerKey: 'from' | 'to') =>
    (spec[dir] ?? []).forEach((r, i) => {
      (r.ports ?? []).forEach((p, k) => errs.push(...validatePort(p, ['spec', dir, i, 'ports', k])));
      ((r as Record<string, PolicyPeer[] | undefined>)[peerKey] ?? []).forEach((p, k) => errs.push(...validatePeer(p, ['spec', dir, i, peerKey, k])));
    });
  rules('ingress', 'from');
  rules('egress', 'to');
  (spec.policyTypes ?? []).forEach((t, i) => {
    if (t !== 'Ingress' && t !== 'Egress') errs.push({ path: ['spec', 'policyTypes', i], message: `spec.policyTypes[${i}]: Unsupported value: "${t}": supported values: "Ingress", "Egress"` });
  });
  return errs;
}

/** The API server's defaulting (SetDefaults_NetworkPolicySpec, protocol TCP) turning a valid manifest into the object. */
export function policyFromManifest(m: NetworkPolicyManifest): NetworkPolicy {
  const spec = m.spec;
  const types: PolicyType[] = (spec.policyTypes as PolicyType[] | undefined)?.length
    ? [...(spec.policyTypes as PolicyType[])]
    : ['Ingress', ...((spec.egress?.length ?? 0) > 0 ? (['Egress'] as const) : [])];
  const ports = (ps: ManifestPort[] | undefined) =>
    (ps ?? []).map((p): PolicyPort => ({ protocol: (p.protocol ?? 'TCP') as PolicyPort['protocol'], ...(p.port !== undefined ? { port: p.port } : {}), ...(p.endPort !== undefined ? { endPort: p.endPort } : {}) }));
  return {
    name: m.metadata.name,
    namespace: m.metadata.namespace ?? 'default',
    podSelector: spec.podSelector ?? {},
    policyTypes: types,
    ...(spec.ingress ? { ingress: spec.ingress.map((r) => ({ peers: r.from ?? [], ports: ports(r.ports) })) } : {}),
    ...(spec.egress ? { egress: spec.egress.map((r) => ({ peers: r.to ?? [], ports: ports(r.ports) })) } : {}),
  };
}

/** labels.Selector semantics of metav1.LabelSelectorAsSelector: every matchLabels pair and every expression must hold. */
export function selectorMatches(sel: LabelSelector, labels: Readonly<Record<string, string>> | undefined): boolean {
  const l = labels ?? {};
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (l[k] !== v) return false;
  for (const e of sel.matchExpressions ?? []) {
    const has = Object.hasOwn(l, e.key);
    const inValues = has && (e.values ?? []).includes(l[e.key]!);
    if (e.operator === 'In' && !inValues) return false;
    if (e.operator === 'NotIn' && inValues) return false;
    if (e.operator === 'Exists' && !has) return false;
    if (e.operator === 'DoesNotExist' && has) return false;
  }
  return true;
}

/** metav1.FormatLabelSelector: requirements sorted by key, `<none>` when empty. */
export function formatSelector(sel: LabelSelector): string {
  const reqs: { key: string; text: string }[] = Object.entries(sel.matchLabels ?? {}).map(([k, v]) => ({ key: k, text: `${k}=${v}` }));
  for (const e of sel.matchExpressions ?? []) {
    const values = [...(e.values ?? [])].sort().join(',');
    const text = e.operator === 'In' ? `${e.key} in (${values})` : e.operator === 'NotIn' ? `${e.key} notin (${values})` : e.operator === 'Exists' ? e.key : `!${e.key}`;
    reqs.push({ key: e.key, text });
  }
  reqs.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return reqs.length === 0 ? '<none>' : reqs.map((r) => r.text).join(',');
}

/** A namespace's labels: the kubernetes.io/metadata.name label every namespace carries (1.21+), then the lab's own. */
export function namespaceLabels(name: string, extra: Readonly<Record<string, Readonly<Record<string, string>>>> | undefined): Record<string, string> {
  return { 'kubernetes.io/metadata.name': name, ...(extra?.[name] ?? {}) };
}
