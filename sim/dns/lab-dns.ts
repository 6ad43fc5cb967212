// A place's name-resolution configuration read from the model: its /etc/resolv.conf and /etc/hosts (parsed from the
// files, which a trainee may edit), the cluster domain and DNS address, a pod's address.
import { formatIp, parseIp } from '../../topology/address.js';
import type { Device, LabModel, ResolverKind } from '../../topology/model.js';
import { imageBaseName } from '../../topology/toolset.js';

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

/** kube-system/kube-dns's ClusterIP (kubelet --cluster-dns). */
export function clusterDnsIp(lab: LabModel): number | undefined {
  return lab.cluster.dnsIp ?? lab.services.find((s) => s.name === 'kube-dns' && s.namespace === 'kube-system')?.ip;
}

/** A pod's own address (its eth0's first). */
export function podAddress(device: Device | undefined): number | undefined {
  return device?.interfaces.find((i) => i.name === 'eth0')?.addrs[0]?.ip;
}

/**
 * The resolv.conf text a place reads: its file from the model; without one (a model compiled before files existed),
 * what kubelet writes for a pod (ClusterFirst) and what a node's DHCP client writes (the NAT DNS).
 */
export function resolvConfText(lab: LabModel, device: Device): string {
  const file = device.files?.['/etc/resolv.conf'];
  if (file !== undefined) return file;
  const dnsIp = clusterDnsIp(lab);
  if (device.kind === 'pod' && dnsIp !== undefined && !isCoredns(device)) {
    const ns = device.namespace ?? 'default';
    const domain = clusterDomain(lab);
    return `search ${ns}.svc.${domain} svc.${domain} ${domain}\nnameserver ${formatIp(dnsIp)}\noptions ndots:5\n`;
  }
  return `nameserver ${formatIp(lab.nat.dnsIp)}\n`;
}

/** CoreDNS pods run with dnsPolicy: Default (the node's resolv.conf). */
function isCoredns(device: Device): boolean {
  return device.image !== undefined && imageBaseName(device.image) === 'coredns';
}

export function resolvConf(lab: LabModel, device: Device): ResolvConf {
  return parseResolvConf(resolvConfText(lab, device));
}

/** /etc/hosts as name -> first address, and address -> first name (the files lookup of nss_files). */
export interface HostsTable {
  readonly byName: ReadonlyMap<string, number>;
  readonly byIp: ReadonlyMap<number, string>;
}

export function parseHosts(text: string): HostsTable {
  const byName = new Map<string, number>();
  const byIp = new Map<number, string>();
  for (const raw of text.split('\n')) {
    const [addr, ...names] = raw.replace(/#.*$/, '').trim().split(/\s+/);
    const ip = addr === undefined ? undefined : parseIp(addr);
    if (ip === undefined || names.length === 0 || names[0] === '') continue;
    if (!byIp.has(ip)) byIp.set(ip, names[0]!);
    for (const n of names) if (!byName.has(n.toLowerCase())) byName.set(n.toLowerCase(), ip);
  }
  return { byName, byIp };
}

/**
 * The place's /etc/hosts: its file; without one (models compiled before files existed), localhost and the lab's
 * external hosts, as the namespace lab writes them into every namespace.
 */
export function hostsTable(lab: LabModel, device: Device): HostsTable {
  const file = device.files?.['/etc/hosts'];
  if (file !== undefined) return parseHosts(file);
  return parseHosts(['127.0.0.1\tlocalhost', ...lab.hosts.map((h) => `${formatIp(h.ip)}\t${h.name}`)].join('\n'));
}

/** Whether the place's `hosts:` line in /etc/nsswitch.conf names `dns` (no file: glibc's default `dns files` does). */
export function usesDns(device: Device): boolean {
  const text = device.files?.['/etc/nsswitch.conf'];
  if (text === undefined) return true;
  const line = text.split('\n').find((l) => /^\s*hosts\s*:/.test(l));
  return line === undefined || /\bdns\b/.test(line.replace(/#.*$/, ''));
}

/** The resolver library of a place: the model's, else from the toolset (busybox's own) or glibc. */
export function resolverOf(device: Device): ResolverKind {
  return device.resolver ?? (device.toolset === 'busybox' ? 'busybox' : 'glibc');
}
