// The lab's DNS servers as pure functions (query in, reply out): CoreDNS's kubernetes plugin with kubeadm's
// Corefile, and the NAT engine's DNS that CoreDNS forwards to. The simulator and the namespace lab's servers both
// answer with these, so their answers agree by construction (FACTS-L4.md §2).
import type { Answer, Packet as DnsMessage, Question } from 'dns-packet';
import { formatIp, parseIp } from '../../topology/address.js';
import type { Device, LabModel } from '../../topology/model.js';
import { clusterDomain, podAddress } from './lab-dns.js';

/** dns-packet's header flag bits (its constants, spelled out so this module has no runtime import of it). */
const AA = 1 << 10;
const RD = 1 << 8;
const RA = 1 << 7;
const CD = 1 << 4;
const RCODE = { NOERROR: 0, SERVFAIL: 2, NXDOMAIN: 3 } as const;

/** kubeadm's Corefile `ttl 30`; `cache 30` caps forwarded answers at the same 30 s (FACTS-L4 §2: always 30, a cache miss). */
export const TTL = 30;
/**
 * The SOA serial CoreDNS puts in NXDOMAIN/NODATA: the unix time of the last Service/Endpoint change in a real cluster
 * (kubernetes.go `Serial`). The lab fixes it at the replica emulator's value (2024-07-29T00:00:00Z) so outputs
 * are reproducible.
 */
export const SOA_SERIAL = 1722211200;
/** Namespaces every kubeadm cluster has, besides the ones the lab's pods and Services live in. */
const BUILTIN_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];
/** EDNS options CoreDNS keeps when it echoes the query's OPT (request/edns0.go): NSID, EXPIRE, COOKIE, TCP-KEEPALIVE, PADDING. */
const KEPT_OPTIONS = new Set([3, 9, 10, 11, 12]);

/** What CoreDNS does with a query: answer it from the cluster, or hand it to `forward . /etc/resolv.conf`. */
export type CorednsDecision = { readonly kind: 'answer'; readonly reply: DnsMessage } | { readonly kind: 'forward' };

/** The query's single question (the lab's clients ask one). */
function questionOf(query: DnsMessage): Question {
  const q = query.questions?.[0];
  if (!q) throw new Error('DNS query without a question');
  return q;
}

type OptAnswer = Extract<Answer, { type: 'OPT' }>;

/** The reply's OPT: the query's, with its UDP size, version 0, flags cleared but DO, options filtered (request.SizeAndDo). */
function echoedOpt(query: DnsMessage): Answer[] {
  const opt = query.additionals?.find((a): a is OptAnswer => a.type === 'OPT');
  if (!opt) return [];
  const options = (opt.options ?? []).filter((o) => KEPT_OPTIONS.has(o.code as number));
  return [{ type: 'OPT', name: '.', udpPayloadSize: opt.udpPayloadSize, extendedRcode: 0, ednsVersion: 0, flags: (opt.flags ?? 0) & 0x8000, options } as OptAnswer];
}

interface ReplyParts {
  readonly rcode: number;
  readonly aa: boolean;
  readonly ra: boolean;
  readonly answers?: Answer[];
  readonly authorities?: Answer[];
}

/** A reply to QUERY: its id and question as asked (case kept), rd and cd copied (SetReply), the given sections. */
function reply(query: DnsMessage, parts: ReplyParts): DnsMessage {
  const flags = (query.flags ?? 0) & (RD | CD) | (parts.aa ? AA : 0) | (parts.ra ? RA : 0) | parts.rcode;
  return {
    id: query.id ?? 0, type: 'response', flags,
    questions: [questionOf(query)], answers: parts.answers ?? [], authorities: parts.authorities ?? [], additionals: echoedOpt(query),
  };
}

/** `ZONE 30 IN SOA ns.dns.ZONE hostmaster.ZONE SERIAL 7200 1800 86400 30` (plugin/backend_lookup.go), owner in the query's case. */
function corednsSoa(zone: string): Answer {
  return {
    type: 'SOA', name: zone, ttl: Math.min(300, TTL), class: 'IN',
    data: { mname: `ns.dns.${zone}`, rname: `hostmaster.${zone}`, serial: SOA_SERIAL, refresh: 7200, retry: 1800, expire: 86400, minimum: TTL },
  };
}

/**
 * What the lab's DNS servers know, as plain data (the namespace lab hands it to its server processes as JSON): the
 * cluster domain, the namespaces, every Service with its ClusterIP and endpoint addresses, the external hosts.
 */
export interface DnsZone {
  readonly domain: string;
  readonly namespaces: readonly string[];
  readonly services: readonly { readonly name: string; readonly namespace: string; readonly ip: number; readonly endpoints: readonly number[] }[];
  readonly hosts: readonly { readonly ip: number; readonly name: string }[];
}

const zoneCache = new WeakMap<LabModel, DnsZone>();

/** The lab's DNS data. */
export function dnsZone(lab: LabModel): DnsZone {
  const cached = zoneCache.get(lab);
  if (cached) return cached;
  const namespaces = new Set(BUILTIN_NAMESPACES);
  for (const d of lab.devices) if (d.kind === 'pod') namespaces.add(d.namespace ?? 'default');
  for (const s of lab.services) namespaces.add(s.namespace);
  const zone: DnsZone = {
    domain: clusterDomain(lab),
    namespaces: [...namespaces],
    services: lab.services.map((s) => ({
      name: s.name, namespace: s.namespace, ip: s.ip,
      endpoints: s.endpoints.map((id) => podAddress(lab.device(id))).filter((ip): ip is number => ip !== undefined),
    })),
    hosts: lab.hosts.map((h) => ({ ip: h.ip, name: h.name })),
  };
  zoneCache.set(lab, zone);
  return zone;
}

/** The cluster's names: Services by (namespace, name), endpoint addresses, namespaces. */
interface ClusterRecords {
  readonly services: ReadonlyMap<string, number>;
  readonly serviceByIp: ReadonlyMap<number, string>;
  readonly endpointByIp: ReadonlyMap<number, string>;
  readonly namespaces: ReadonlySet<string>;
}

const recordCache = new WeakMap<DnsZone, ClusterRecords>();

function clusterRecords(zone: DnsZone): ClusterRecords {
  const cached = recordCache.get(zone);
  if (cached) return cached;
  const services = new Map<string, number>();
  const serviceByIp = new Map<number, string>();
  const endpointByIp = new Map<number, string>();
  for (const s of zone.services) {
    services.set(`${s.name}.${s.namespace}`, s.ip);
    serviceByIp.set(s.ip, `${s.name}.${s.namespace}`);
    for (const ip of s.endpoints) {
      if (!endpointByIp.has(ip)) endpointByIp.set(ip, `${formatIp(ip).replaceAll('.', '-')}.${s.name}.${s.namespace}`);
    }
  }
  const records = { services, serviceByIp, endpointByIp, namespaces: new Set(zone.namespaces) };
  recordCache.set(zone, records);
  return records;
}

/** The address(es) a name under `svc`/`pod` of the cluster zone has: [] for a name that exists without one, undefined: NXDOMAIN. */
function clusterAddresses(records: ClusterRecords, labels: readonly string[]): number[] | undefined {
  if (labels.length === 0) return [];
  const kind = labels[labels.length - 1];
  const rest = labels.slice(0, -1);
  if (kind === 'svc') {
    if (rest.length === 0) return [];
    if (rest.length === 1) return records.namespaces.has(rest[0]!) ? [] : undefined;
    if (rest.length !== 2) return undefined;
    const ip = records.services.get(`${rest[0]}.${rest[1]}`);
    return ip === undefined ? undefined : [ip];
  }
  if (kind === 'pod') {
    if (rest.length === 0) return [];
    if (rest.length === 1) return records.namespaces.has(rest[0]!) ? [] : undefined;
    if (rest.length !== 2 || !records.namespaces.has(rest[1]!)) return undefined;
    const parts = rest[0]!.split('-');
    const ip = parts.length === 4 ? parseIp(parts.join('.')) : undefined;
    return ip === undefined ? undefined : [ip];
  }
  return undefined;
}

/** Whether NAME (lower case, no trailing dot) is ZONE or under it. */
const inZone = (name: string, zone: string): boolean => name === zone || name.endsWith(`.${zone}`);

/** The IPv4 address an in-addr.arpa name stands for. */
function reverseAddress(name: string): number | undefined {
  const labels = name.slice(0, -'.in-addr.arpa'.length).split('.');
  if (labels.length !== 4 || !labels.every((l) => /^\d{1,3}$/.test(l))) return undefined;
  return parseIp(labels.reverse().join('.'));
}

/** CoreDNS (kubernetes plugin, kubeadm 1.31 Corefile) on one query: an answer, or forward it. */
export function corednsAnswer(zone: DnsZone, query: DnsMessage): CorednsDecision {
  const q = questionOf(query);
  const name = q.name.replace(/\.$/, '');
  const lower = name.toLowerCase();
  const domain = zone.domain;
  const records = clusterRecords(zone);
  if (inZone(lower, domain)) {
    const owner = name.slice(name.length - domain.length);
    const labels = lower === domain ? [] : lower.slice(0, -domain.length - 1).split('.');
    const found = clusterAddresses(records, labels);
    if (found === undefined) return { kind: 'answer', reply: reply(query, { rcode: RCODE.NXDOMAIN, aa: true, ra: false, authorities: [corednsSoa(owner)] }) };
    if (labels.length === 0 && q.type === 'SOA') return { kind: 'answer', reply: reply(query, { rcode: RCODE.NOERROR, aa: true, ra: false, answers: [corednsSoa(owner)] }) };
    if (labels.length === 0 && q.type === 'NS') {
      const ns: Answer = { type: 'NS', name: owner, ttl: TTL, class: 'IN', data: `ns.dns.${owner}` };
      return { kind: 'answer', reply: reply(query, { rcode: RCODE.NOERROR, aa: true, ra: false, answers: [ns] }) };
    }
    if (q.type === 'A' && found.length > 0) {
      const answers: Answer[] = found.map((ip) => ({ type: 'A', name, ttl: TTL, class: 'IN', data: formatIp(ip) }));
      return { kind: 'answer', reply: reply(query, { rcode: RCODE.NOERROR, aa: true, ra: false, answers }) };
    }
    return { kind: 'answer', reply: reply(query, { rcode: RCODE.NOERROR, aa: true, ra: false, authorities: [corednsSoa(owner)] }) };
  }
  if (lower.endsWith('.in-addr.arpa')) {
    const ip = reverseAddress(lower);
    const svc = ip === undefined ? undefined : records.serviceByIp.get(ip) ?? records.endpointByIp.get(ip);
    if (svc === undefined) return { kind: 'forward' }; // fallthrough in-addr.arpa
    const owner = name.slice(name.length - 'in-addr.arpa'.length);
    if (q.type !== 'PTR') return { kind: 'answer', reply: reply(query, { rcode: RCODE.NOERROR, aa: true, ra: false, authorities: [corednsSoa(owner)] }) };
    const ptr: Answer = { type: 'PTR', name, ttl: TTL, class: 'IN', data: `${svc}.svc.${domain}` };
    return { kind: 'answer', reply: reply(query, { rcode: RCODE.NOERROR, aa: true, ra: false, answers: [ptr] }) };
  }
  return { kind: 'forward' };
}

/** CoreDNS relaying the upstream's reply to its client: the client's id, question and OPT; TTLs capped by `cache 30`. */
export function relayedReply(query: DnsMessage, upstream: DnsMessage): DnsMessage {
  const cap = (a: Answer): Answer => ('ttl' in a && a.ttl !== undefined ? { ...a, ttl: Math.min(a.ttl, TTL) } : a) as Answer;
  const flags = (upstream.flags ?? 0) & ~(RD | CD) | (query.flags ?? 0) & (RD | CD);
  return { ...reply(query, { rcode: 0, aa: false, ra: false }), flags, answers: (upstream.answers ?? []).map(cap), authorities: (upstream.authorities ?? []).map(cap) };
}

/** SERVFAIL: what CoreDNS answers when the upstream does not (forward plugin: no healthy upstream). */
export function servfail(query: DnsMessage): DnsMessage {
  return reply(query, { rcode: RCODE.SERVFAIL, aa: false, ra: true });
}

/** The root zone's SOA, as a recursive resolver returns it for a name that does not exist. [ASSUMED upstream] */
const ROOT_SOA: Answer = {
  type: 'SOA', name: '.', ttl: TTL, class: 'IN',
  data: { mname: 'a.root-servers.net', rname: 'nstld.verisign-grs.com', serial: 2024082000, refresh: 1800, retry: 900, expire: 604800, minimum: 86400 },
};
/** example.com's SOA for an external host's NODATA. [ASSUMED upstream, as the replica's emulator] */
const exampleSoa = (zone: string): Answer => ({
  type: 'SOA', name: zone, ttl: TTL, class: 'IN',
  data: { mname: 'ns.icann.org', rname: 'noc.dns.icann.org', serial: 2024081455, refresh: 7200, retry: 3600, expire: 1209600, minimum: 3600 },
});
/** RFC 6303's empty zone for private reverse names (10.in-addr.arpa). [ASSUMED upstream, as the replica's emulator] */
const privateReverseSoa = (zone: string): Answer => ({
  type: 'SOA', name: zone, ttl: TTL, class: 'IN',
  data: { mname: 'localhost', rname: 'nobody.invalid', serial: 1, refresh: 3600, retry: 1200, expire: 604800, minimum: 10800 },
});

/**
 * The lab's upstream (VirtualBox's NAT DNS in the default lab) [ASSUMED, FACTS-L4 §2]: a recursive resolver that
 * knows the lab's external hosts (TTL 30, A only: AAAA is NODATA with the parent zone's SOA), their PTRs, and answers
 * NXDOMAIN with the root SOA (private reverse names: RFC 6303's empty zone) for everything else. Flags qr rd ra.
 */
export function upstreamAnswer(zone: DnsZone, query: DnsMessage): DnsMessage {
  const q = questionOf(query);
  const name = q.name.replace(/\.$/, '');
  const lower = name.toLowerCase();
  const host = zone.hosts.find((h) => h.name.toLowerCase() === lower);
  if (host) {
    if (q.type === 'A') return reply(query, { rcode: RCODE.NOERROR, aa: false, ra: true, answers: [{ type: 'A', name, ttl: TTL, class: 'IN', data: formatIp(host.ip) }] });
    const parent = lower.includes('.') ? lower.slice(lower.indexOf('.') + 1) : lower;
    return reply(query, { rcode: RCODE.NOERROR, aa: false, ra: true, authorities: [exampleSoa(parent)] });
  }
  if (lower.endsWith('.in-addr.arpa')) {
    const ip = reverseAddress(lower);
    const named = ip === undefined ? undefined : zone.hosts.find((h) => h.ip === ip);
    if (named && q.type === 'PTR') return reply(query, { rcode: RCODE.NOERROR, aa: false, ra: true, answers: [{ type: 'PTR', name, ttl: TTL, class: 'IN', data: named.name }] });
    if (lower.endsWith('.10.in-addr.arpa')) return reply(query, { rcode: RCODE.NXDOMAIN, aa: false, ra: true, authorities: [privateReverseSoa(name.slice(name.length - '10.in-addr.arpa'.length))] });
  }
  return reply(query, { rcode: RCODE.NXDOMAIN, aa: false, ra: true, authorities: [ROOT_SOA] });
}

/** Whether DEVICE answers DNS on udp|tcp PORT at address DST: a `dns` listener (CoreDNS) or the NAT engine's DNS address. */
export function dnsServerKind(lab: LabModel, device: Device, protocol: 'udp' | 'tcp', port: number, dst: number): 'coredns' | 'upstream' | undefined {
  if (device.kind === 'nat') return dst === lab.nat.dnsIp && port === 53 ? 'upstream' : undefined;
  return device.listeners.some((l) => l.protocol === protocol && l.port === port && l.app === 'dns') ? 'coredns' : undefined;
}
