// What every step of the address plan shares: where diagnostics go, parsing with located errors, and the claims on
// device names and addresses that must be unique across the lab.
import { formatCidr, formatIp, parseCidr, parseIp, type Cidr } from './address.js';
import type { LabFile, LabFileListen, LabFileListener } from './labfile.js';
import type { HttpResponse, Listener } from './model.js';
import type { Diagnostic, PathKey, YamlSource } from './yaml-source.js';

const RESERVED_IDS = new Set(['host', 'wan', 'host-only']);

type IdKind = 'node' | 'pod' | 'external' | 'nat';

/** The owner of a device id as diagnostics name it ("pod web-1", "the NAT engine of node-1"). */
function describeId(id: string, kind: IdKind): string {
  return kind === 'nat' ? `the NAT engine of ${id.slice(0, -'-nat'.length)}` : `${kind} ${id}`;
}

export class PlanContext {
  readonly file: LabFile;
  readonly diagnostics: Diagnostic[] = [];
  // Names: nodes, pods, NAT engines, externals and reserved ids share one namespace of device ids. Each id maps to
  // the kind of its owner; the owner's description is only spelled out for a diagnostic.
  private readonly ids = new Map<string, IdKind>();
  // Addresses: every assigned address is unique across the lab. Pod addresses map to the pod's name (no text is
  // built per pod), every other address to its owner's description.
  private readonly addresses = new Map<number, string>();
  private readonly podAddresses = new Map<number, string>();

  constructor(private readonly src: YamlSource<LabFile>) {
    this.file = src.data;
  }

  err(path: readonly PathKey[], message: string): void {
    this.diagnostics.push(this.src.at(path, message));
  }

  /** TEXT (or FALLBACK when absent) as a prefix; a malformed one is reported at PATH. */
  prefix(path: PathKey[], text: string | undefined, fallback: string): Cidr {
    const parsed = parseCidr(text ?? fallback);
    if (parsed) return parsed;
    const loose = parseCidr(text ?? fallback, false);
    this.err(path, loose ? `${text} has host bits set (did you mean ${formatCidr(loose)}?)` : `invalid prefix ${text}`);
    return loose ?? { addr: 0, len: 32 };
  }

  /** TEXT (or FALLBACK when absent) as an address; a malformed one is reported at PATH. */
  addr(path: PathKey[], text: string | undefined, fallback: string): number {
    const value = parseIp(text ?? fallback);
    if (value === undefined) this.err(path, `invalid IPv4 address ${text}`);
    return value ?? 0;
  }

  claimId(id: string, path: PathKey[], kind: IdKind): void {
    if (RESERVED_IDS.has(id)) this.err(path, `"${id}" is a reserved name`);
    const previous = this.ids.get(id);
    if (previous) this.err(path, `duplicate name "${id}" (already used by ${describeId(id, previous)})`);
    else this.ids.set(id, kind);
  }

  /** The NAT engine's id of a node: taken without a check (a clash is reported where the other owner claims it). */
  reserveNatId(node: string): void {
    this.ids.set(`${node}-nat`, 'nat');
  }

  claimAddress(ip: number, path: PathKey[], what: string): void {
    const previous = this.ownerOf(ip);
    if (previous) this.err(path, `duplicate address ${formatIp(ip)} (already used by ${previous})`);
    else this.addresses.set(ip, what);
  }

  claimPodAddress(ip: number, path: PathKey[], pod: string): void {
    const previous = this.ownerOf(ip);
    if (previous) this.err(path, `duplicate address ${formatIp(ip)} (already used by ${previous})`);
    else this.podAddresses.set(ip, pod);
  }

  /** Whether any owner holds IP. */
  isTaken(ip: number): boolean {
    return this.podAddresses.has(ip) || this.addresses.has(ip);
  }

  private ownerOf(ip: number): string | undefined {
    const pod = this.podAddresses.get(ip);
    return pod !== undefined ? `pod ${pod}` : this.addresses.get(ip);
  }
}

type ListenList = readonly Listener[];

/** Standard reason phrases for the status codes people write (RFC 9110); others default to an empty reason. */
const REASONS: Readonly<Record<number, string>> = {
  200: 'OK', 201: 'Created', 204: 'No Content', 301: 'Moved Permanently', 302: 'Found', 304: 'Not Modified',
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 500: 'Internal Server Error',
  502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout',
};

/** A listener object's HTTP response: status 200 and its reason by default, Content-Length added when not given. */
function httpResponse(r: NonNullable<LabFileListener['response']>): HttpResponse {
  const status = r.status ?? 200;
  const headers = Object.entries(r.headers ?? {}).map(([k, v]) => Object.freeze([k, v] as const));
  if (!headers.some(([k]) => k.toLowerCase() === 'content-length')) headers.push(Object.freeze(['Content-Length', String(Buffer.byteLength(r.body))] as const));
  return Object.freeze({ status, reason: r.reason ?? REASONS[status] ?? '', headers: Object.freeze(headers), body: r.body });
}

/** One `listen` entry as a Listener: "tcp/80" (no app: the image's, if it serves that port), or a listener object. */
function parseListen(entry: LabFileListen): Listener {
  if (typeof entry === 'string') {
    const [protocol, port] = entry.split('/') as ['tcp' | 'udp', string];
    return Object.freeze({ protocol, port: Number(port) });
  }
  return Object.freeze({
    protocol: entry.protocol,
    port: entry.port,
    app: entry.app ?? (entry.response ? 'http' : 'bare'),
    ...(entry.name !== undefined ? { name: entry.name } : {}),
    ...(entry.response ? { http: httpResponse(entry.response) } : {}),
  });
}

/** Parses `listen` lists; equal lists (and every empty one) share one immutable result. */
export function listenParser(): (list: readonly LabFileListen[]) => ListenList {
  const seen = new Map<string, ListenList>();
  const none: ListenList = Object.freeze([]);
  return (list) => {
    if (list.length === 0) return none;
    const key = list.every((l) => typeof l === 'string') ? list.join(',') : JSON.stringify(list);
    let parsed = seen.get(key);
    if (!parsed) {
      parsed = Object.freeze(list.map(parseListen));
      seen.set(key, parsed);
    }
    return parsed;
  };
}
