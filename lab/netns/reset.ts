// Puts a namespace back as the build left it (links' MTU, up state and bridge-port hairpin mode, addresses, main-table routes, sysctls,
// iptables), after generated faults: a snapshot of each namespace is taken before its first command, and a reset is
// trusted only when a fresh snapshot equals it. Caches every probe fills (neighbours, route cache, conntrack) are
// flushed in every namespace of the lab.
import { runArgv } from '../process.js';
import { forEachLimit } from './batch.js';
import { settleLinks } from './settle.js';
import { withNsHelper } from './ns-helper.js';

interface LinkState { readonly ifname: string; readonly mtu: number; readonly up: boolean; readonly hairpin?: boolean }
interface LinkJson { ifname: string; mtu: number; flags?: string[]; linkinfo?: { info_slave_kind?: string; info_slave_data?: { hairpin?: boolean } } }
interface AddrState { readonly dev: string; readonly local: string; readonly prefixlen: number; readonly broadcast?: string }
interface RouteJson { readonly type?: string; readonly dst: string; readonly gateway?: string; readonly dev?: string; readonly protocol?: string; readonly scope?: string; readonly prefsrc?: string; readonly metric?: number; readonly flags?: readonly string[] }

/** What a namespace's configuration is, as far as generated faults can change it. */
export interface NamespaceSnapshot {
  readonly links: readonly LinkState[];
  readonly addrs: readonly AddrState[];
  readonly routes: readonly RouteJson[];
  readonly sysctls: Readonly<Record<string, string>>;
  readonly iptables: string;
}

const SYSCTL_PATTERN = '^net\\.(ipv4\\.(ip_forward|ip_default_ttl|icmp_|conf\\.)|bridge\\.)';

async function out(argv: readonly string[]): Promise<string> {
  const r = await runArgv(argv);
  if (r.exitCode !== 0) throw new Error(`${argv.join(' ')}: exit ${r.exitCode}: ${r.stderr.trim()}`);
  return r.stdout;
}

function parseSysctls(text: string): Record<string, string> {
  const map: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^(\S+) = (.*)$/.exec(line);
    if (m) map[m[1]!] = m[2]!;
  }
  return map;
}

/** Reads the snapshot of namespace NS. */
export async function snapshotNamespace(ns: string): Promise<NamespaceSnapshot> {
  const links = (JSON.parse(await out(['ip', '-n', ns, '-d', '-j', 'link', 'show'])) as LinkJson[]).map((l) => ({
    ifname: l.ifname,
    mtu: l.mtu,
    up: l.flags?.includes('UP') ?? false,
    ...(l.linkinfo?.info_slave_kind === 'bridge' ? { hairpin: l.linkinfo.info_slave_data?.hairpin === true } : {}),
  }));
  const addrJson = JSON.parse(await out(['ip', '-n', ns, '-j', '-4', 'addr', 'show'])) as { ifname: string; addr_info?: { local: string; prefixlen: number; broadcast?: string }[] }[];
  const addrs = addrJson.flatMap((l) => (l.addr_info ?? []).map((a) => ({ dev: l.ifname, local: a.local, prefixlen: a.prefixlen, ...(a.broadcast ? { broadcast: a.broadcast } : {}) })));
  const routes = (JSON.parse(await out(['ip', '-n', ns, '-j', 'route', 'show', 'table', 'main'])) as RouteJson[])
    .map((r) => ({ ...r, flags: (r.flags ?? []).filter((f) => f !== 'linkdown') }));
  const sysctls = parseSysctls(await out(['ip', 'netns', 'exec', ns, 'sysctl', '-a', '-r', SYSCTL_PATTERN]));
  const iptables = (await out(['ip', 'netns', 'exec', ns, 'iptables-save'])).split('\n').filter((l) => !l.startsWith('#')).map((l) => l.replace(/ \[\d+:\d+\]$/, '')).join('\n');
  return { links, addrs, routes, sysctls, iptables };
}

export function sameSnapshot(a: NamespaceSnapshot, b: NamespaceSnapshot): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function routeArgv(r: RouteJson): string[] {
  const argv = r.type && r.type !== 'unicast' ? [r.type, r.dst] : [r.dst];
  if (r.gateway) argv.push('via', r.gateway);
  if (r.dev) argv.push('dev', r.dev);
  if (r.protocol) argv.push('proto', r.protocol);
  if (r.scope) argv.push('scope', r.scope);
  if (r.prefsrc) argv.push('src', r.prefsrc);
  if (r.metric !== undefined) argv.push('metric', String(r.metric));
  if (r.flags?.includes('onlink')) argv.push('onlink');
  return argv;
}

async function restoreSysctls(ns: string, want: Readonly<Record<string, string>>, now: Readonly<Record<string, string>>): Promise<void> {
  const changed = Object.keys(want).filter((k) => now[k] !== want[k]);
  // ip_forward rewrites every conf.*.forwarding: it goes first, the per-interface values after it.
  changed.sort((a, b) => Number(b === 'net.ipv4.ip_forward') - Number(a === 'net.ipv4.ip_forward'));
  for (const k of changed) await runArgv(['ip', 'netns', 'exec', ns, 'sysctl', '-q', '-w', `${k}=${want[k]}`]);
}

async function restoreLinks(ns: string, want: readonly LinkState[], now: readonly LinkState[]): Promise<boolean> {
  let changed = false;
  for (const l of want) {
    const cur = now.find((c) => c.ifname === l.ifname);
    if (cur && cur.hairpin !== l.hairpin && l.hairpin !== undefined) {
      await runArgv(['ip', '-n', ns, 'link', 'set', 'dev', l.ifname, 'type', 'bridge_slave', 'hairpin', l.hairpin ? 'on' : 'off']);
    }
    if (!cur || (cur.mtu === l.mtu && cur.up === l.up)) continue;
    changed = true;
    await runArgv(['ip', '-n', ns, 'link', 'set', 'dev', l.ifname, 'mtu', String(l.mtu), l.up ? 'up' : 'down']);
  }
  return changed;
}

async function restoreAddrs(ns: string, want: readonly AddrState[], now: readonly AddrState[]): Promise<void> {
  const key = (a: AddrState) => `${a.dev} ${a.local}/${a.prefixlen}`;
  const wanted = new Set(want.map(key));
  for (const a of now) if (!wanted.has(key(a))) await runArgv(['ip', '-n', ns, 'addr', 'del', `${a.local}/${a.prefixlen}`, 'dev', a.dev]);
  const present = new Set(now.map(key));
  for (const a of want) {
    if (present.has(key(a))) continue;
    await runArgv(['ip', '-n', ns, 'addr', 'add', `${a.local}/${a.prefixlen}`, ...(a.broadcast ? ['brd', a.broadcast] : []), 'dev', a.dev]);
  }
}

async function restoreRoutes(ns: string, want: readonly RouteJson[]): Promise<void> {
  await runArgv(['ip', '-n', ns, 'route', 'flush', 'table', 'main']);
  const ordered = [...want.filter((r) => !r.gateway), ...want.filter((r) => r.gateway)];
  for (const r of ordered) await runArgv(['ip', '-n', ns, 'route', 'append', ...routeArgv(r)]);
}

/** The tables an iptables-save text holds (`*filter`, `*nat`). */
const tablesOf = (save: string): string[] => save.split('\n').filter((l) => l.startsWith('*')).map((l) => l.slice(1));

/** iptables-restore of the snapshot; a table the snapshot did not have (a fault created it) is deleted with nft. */
async function restoreIptables(ns: string, want: string, now: string): Promise<void> {
  const keep = new Set(tablesOf(want));
  for (const t of tablesOf(now)) if (!keep.has(t)) await runArgv(['ip', 'netns', 'exec', ns, 'nft', 'delete', 'table', 'ip', t]);
  if (want !== '') await runArgv(['ip', 'netns', 'exec', ns, 'iptables-restore'], { input: `${want}\n` });
}

/** Restores NS to WANT; true when a fresh snapshot then equals it. */
export async function restoreNamespace(ns: string, want: NamespaceSnapshot): Promise<{ ok: boolean; linksChanged: boolean }> {
  const now = await snapshotNamespace(ns);
  if (sameSnapshot(now, want)) return { ok: true, linksChanged: false };
  await restoreSysctls(ns, want.sysctls, now.sysctls);
  const linksChanged = await restoreLinks(ns, want.links, now.links);
  await restoreAddrs(ns, want.addrs, now.addrs);
  if (JSON.stringify((await snapshotNamespace(ns)).routes) !== JSON.stringify(want.routes)) await restoreRoutes(ns, want.routes);
  if (now.iptables !== want.iptables) await restoreIptables(ns, want.iptables, now.iptables);
  await restoreSysctls(ns, want.sysctls, (await snapshotNamespace(ns)).sysctls);
  return { ok: sameSnapshot(await snapshotNamespace(ns), want), linksChanged };
}

/** Flushes what probes leave behind in every namespace: neighbour entries, cached routes (PMTU), conntrack entries. */
export async function flushCaches(namespaces: readonly string[]): Promise<boolean> {
  let ok = true;
  await forEachLimit(namespaces, 4, async (ns) => {
    await runArgv(['ip', '-n', ns, 'neigh', 'flush', 'all']);
    await runArgv(['ip', '-n', ns, 'route', 'flush', 'cache']);
    const ct = await runArgv(['ip', 'netns', 'exec', ns, 'conntrack', '-F']);
    if (ct.exitCode !== 0 && !/has been emptied/.test(ct.stderr)) ok = false;
  });
  return ok;
}

/** Waits until links brought back up can carry packets again (see settle.ts). */
export async function settleAfterReset(namespaces: readonly string[]): Promise<boolean> {
  return (await withNsHelper((helper) => settleLinks(namespaces, helper))).length === 0;
}
