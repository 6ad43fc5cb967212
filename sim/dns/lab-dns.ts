// A place's name-resolution configuration read from the model: its /etc/resolv.conf and /etc/hosts (parsed from the
// files, which a trainee may edit), the cluster domain and DNS address, a pod's address.
import { formatIp, parseIp } from '../../topology/address.js';
import type { Device, LabModel, ResolverKind } from '../../topology/model.js';
import { HOSTS_PATH, RESOLV_CONF_PATH } from '../../topology/place-files.js';

export interface ResolvConf {
  readonly nameservers: readonly number[];
  readonly search: readonly string[];
  readonly ndots: number;
  /** Seconds per try (glibc `options timeout:`; default 5). */
  readonly timeout: number;
  /** Tries per nameserver (glibc `options attempts:`; default 2). */
  readonly attempts: number;
}

/** glibc's res_init limits: at most 3 nameservers, ndots at most 15, timeout at most 30 s, attempts at most 5. */
const MAX_NAMESERVERS = 3;

/** /etc/resolv.conf as glibc's res_init reads it: the last `search`/`domain` line wins, unknown lines are ignored. */
export function parseResolvConf(text: string): ResolvConf {
  const nameservers: number[] = [];
  let search: string[] = [];
  let ndots = 1;
  let timeout = 5;
  let attempts = 2;
  for (const raw of text.split('\n')) {
    const words = raw.replace(/[#;].*$/, '').trim().split(/\s+/).filter((w) => w !== '');
    const [key, ...rest] = words;
    if (key === 'nameserver' && rest[0] !== undefined) {
      const ip = parseIp(rest[0]);
      if (ip !== undefined && nameservers.length < MAX_NAMESERVERS) nameservers.push(ip);
    } else if (key === 'search' || key === 'domain') {
      search = key === 'domain' ? rest.slice(0, 1) : rest;
    } else if (key === 'options') {
      for (const o of rest) {
        const [opt, value] = o.split(':');
        const n = Number(value);
        if (value === undefined || !Number.isInteger(n) || n < 0) continue;
        if (opt === 'ndots') ndots = Math.min(n, 15);
        else if (opt === 'timeout') timeout = Math.min(Math.max(n, 1), 30);
        else if (opt === 'attempts') attempts = Math.min(Math.max(n, 1), 5);
      }
    }
  }
  // No nameserver line: glibc and musl ask the local host (127.0.0.1).
  if (nameservers.length === 0) nameservers.push(0x7f000001);
  return { nameservers, search: search.map((s) => s.replace(/\.$/, '')), ndots, timeout, attempts };
}

/** The cluster DNS domain (kubelet --cluster-domain). */
export function clusterDomain(lab: LabModel): string {
  return lab.cluster.domain ?? 'cluster.local';
}

/** A pod's own address (its eth0's first). */
export function podAddress(device: Device | undefined): number | undefined {
  return device?.interfaces.find((i) => i.name === 'eth0')?.addrs[0]?.ip;
}

/**
 * resolv.conf of places without their own (the workstation, NAT engines, external hosts): they resolve from the lab's
 * hosts file only (`hosts: files`); programs with their own resolver (nslookup, dig) read this: [::1]:53, where
 * nothing listens.
 */
export const NO_DNS_RESOLV_CONF = '# tracelab namespace lab: no DNS server; lookups fail fast inside the namespace\nnameserver ::1\noptions timeout:1 attempts:1\n';

/** The resolv.conf text a place reads: its file from the model, else NO_DNS_RESOLV_CONF. */
export function placeResolvConfText(device: Device): string {
  return device.files?.[RESOLV_CONF_PATH] ?? NO_DNS_RESOLV_CONF;
}

/** Parsed files by the (immutable) device they belong to: a lookup, or a traceroute's reverse per hop, parses none. */
const parsedResolvConf = new WeakMap<Device, ResolvConf>();
const parsedHosts = new WeakMap<Device, HostsTable>();

export function resolvConf(device: Device): ResolvConf {
  let conf = parsedResolvConf.get(device);
  if (conf === undefined) parsedResolvConf.set(device, (conf = parseResolvConf(placeResolvConfText(device))));
  return conf;
}

/** /etc/hosts as name -> first entry (its address and official name), and address -> first name (nss_files). */
export interface HostsTable {
  readonly byName: ReadonlyMap<string, { readonly ip: number; readonly canonical: string }>;
  readonly byIp: ReadonlyMap<number, string>;
}

export function parseHosts(text: string): HostsTable {
  const byName = new Map<string, { ip: number; canonical: string }>();
  const byIp = new Map<number, string>();
  for (const raw of text.split('\n')) {
    const [addr, ...names] = raw.replace(/#.*$/, '').trim().split(/\s+/);
    const ip = addr === undefined ? undefined : parseIp(addr);
    if (ip === undefined || names.length === 0 || names[0] === '') continue;
    if (!byIp.has(ip)) byIp.set(ip, names[0]!);
    for (const n of names) if (!byName.has(n.toLowerCase())) byName.set(n.toLowerCase(), { ip, canonical: names[0]! });
  }
  return { byName, byIp };
}

/**
 * The place's /etc/hosts: its file; without one (models compiled before files existed), localhost and the lab's
 * external hosts, as the namespace lab writes them into every namespace.
 */
export function hostsTable(lab: LabModel, device: Device): HostsTable {
  let table = parsedHosts.get(device);
  if (table === undefined) {
    const file = device.files?.[HOSTS_PATH] ?? ['127.0.0.1\tlocalhost', ...lab.hosts.map((h) => `${formatIp(h.ip)}\t${h.name}`)].join('\n');
    parsedHosts.set(device, (table = parseHosts(file)));
  }
  return table;
}

/**
 * The place's /etc/nsswitch.conf: its file; else `hosts: files dns` where the place has a resolv.conf of its own
 * (pods and nodes: Debian's default order), `hosts: files` elsewhere (the workstation, NAT engines and external hosts
 * resolve from the lab's hosts file only, as the namespace lab sets them up).
 */
export function nsswitchConf(device: Device): string {
  const file = device.files?.['/etc/nsswitch.conf'];
  if (file !== undefined) return file;
  const sources = device.files?.['/etc/resolv.conf'] !== undefined ? 'files dns' : 'files';
  return `# tracelab: names from /etc/hosts${sources === 'files' ? ' only' : ', then DNS'}\nhosts: ${sources}\nnetworks: files\n`;
}

/** Whether the place's `hosts:` line in /etc/nsswitch.conf names `dns`. */
export function usesDns(device: Device): boolean {
  const line = nsswitchConf(device).split('\n').find((l) => /^\s*hosts\s*:/.test(l));
  return line !== undefined && /\bdns\b/.test(line.replace(/#.*$/, ''));
}

/** The resolver library of a place: the model's, else from the toolset (busybox's own) or glibc. */
export function resolverOf(device: Device): ResolverKind {
  return device.resolver ?? (device.toolset === 'busybox' ? 'busybox' : 'glibc');
}
