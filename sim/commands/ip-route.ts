// `ip route` show/list (with iproute2's selectors), `ip route get`, and the dispatch to add/del/replace/change/append;
// lines in iproute2 6.1's format (fields in its order, each followed by a space) and the kernel's dump order.
import { broadcastOf, contains, formatIp, formatRouteDst, parseCidr, parseIp, subnetOf, type Cidr } from '../../topology/address.js';
import type { Route, RouteType } from '../../topology/model.js';
import type { DeviceState } from '../dataplane.js';
import { addressFor } from '../engine.js';
import { learnedPmtu, PMTU_EXPIRES_MS } from '../probe.js';
import type { CommandResult } from '../../topology/trace.js';
import type { CommandContext } from './index.js';
import { garbage, incomplete, matches, noDevice, rtnetlink } from './ip-common.js';
import { hasCarrier } from './links.js';
import { fail, lines, ok, unsupported } from './output.js';
import { IP_ROUTE_USAGE } from './ip-usage.js';
import { modifyRoute, type RouteVerb } from './route-edit.js';

/** Fields a selector names are left out of each line, as iproute2 does (`ip route show dev eth1`). */
interface Omitted {
  readonly dev?: boolean;
  readonly via?: boolean;
  readonly proto?: boolean;
  readonly scope?: boolean;
}

/** One route as `ip route` prints it (without the newline; iproute2 leaves a space after the last field). */
export function routeLine(r: Route, linkdown: boolean, omit: Omitted = {}, busybox = false): string {
  if (busybox) return busyboxRouteLine(r, omit);
  const parts: string[] = [];
  if (r.type !== 'unicast') parts.push(r.type);
  parts.push(formatRouteDst(r.dst));
  if (r.via !== undefined && !omit.via) parts.push('via', formatIp(r.via));
  if (r.dev !== undefined && !omit.dev) parts.push('dev', r.dev);
  if (r.proto !== undefined && !omit.proto) parts.push('proto', r.proto);
  if (r.scope !== undefined && !omit.scope) parts.push('scope', r.scope);
  if (r.src !== undefined) parts.push('src', formatIp(r.src));
  if (r.metric) parts.push('metric', String(r.metric));
  if (r.onlink) parts.push('onlink');
  if (linkdown) parts.push('linkdown');
  return `${parts.join(' ')} `;
}

/** busybox's print_route: no protocol, ` src`/` metric` with a leading space, no linkdown. */
function busyboxRouteLine(r: Route, omit: Omitted): string {
  // busybox leaves the device in even when the listing was selected by it.
  let line = r.type !== 'unicast' ? `${r.type} ` : '';
  line += `${formatRouteDst(r.dst)} `;
  if (r.via !== undefined && !omit.via) line += `via ${formatIp(r.via)} `;
  if (r.dev !== undefined) line += `dev ${r.dev} `;
  if (r.scope !== undefined && !omit.scope) line += `scope ${r.scope} `;
  if (r.src !== undefined) line += ` src ${formatIp(r.src)} `;
  if (r.metric) line += ` metric ${r.metric} `;
  if (r.onlink) line += 'onlink ';
  return line;
}

/** The main table in the kernel's dump order: by destination address, longer prefixes first, then metric. */
export function listedRoutes(s: DeviceState): Route[] {
  return s.allRoutes().sort((a, b) => a.dst.addr - b.dst.addr || b.dst.len - a.dst.len || (a.metric ?? 0) - (b.metric ?? 0));
}

/** Whether a route's nexthop device is up but has no carrier (iproute2 prints `linkdown`). */
export function routeLinkdown(ctx: CommandContext, r: Route): boolean {
  if (r.dev === undefined) return false;
  const i = ctx.state.ifaces.get(r.dev);
  return i !== undefined && i.up && !hasCarrier(ctx, r.dev);
}

interface Selector {
  prefix?: { readonly cidr: Cidr; readonly mode: 'root' | 'match' | 'exact' };
  dev?: string;
  via?: number;
  proto?: string;
  scope?: string;
  type?: RouteType;
}

const TYPES: readonly RouteType[] = ['unicast', 'blackhole', 'unreachable', 'prohibit', 'throw'];

function parsePrefixArg(text: string): Cidr | undefined {
  return text === 'default' || text === 'all' ? { addr: 0, len: 0 } : parseCidr(text, false);
}

function parseSelector(args: readonly string[], ctx: CommandContext): Selector | CommandResult {
  const sel: Selector = {};
  for (let i = 0; i < args.length; i++) {
    const w = args[i]!;
    const next = (): string | undefined => args[++i];
    if (w === 'table') {
      const t = next();
      if (t === undefined) return incomplete();
      if (t !== 'main' && t !== '254') return unsupported(`ip route show table ${t}`);
    } else if (w === 'dev' || w === 'oif') {
      const d = next();
      if (d === undefined) return incomplete();
      if (!ctx.state.ifaces.has(d)) return noDevice(d);
      sel.dev = d;
    } else if (w === 'via') {
      const v = next();
      if (v === undefined) return incomplete();
      const a = parseIp(v);
      if (a === undefined) return fail(`Error: inet address is expected rather than "${v}".`, 1);
      sel.via = a;
    } else if (w === 'proto') {
      const p = next();
      if (p === undefined) return incomplete();
      sel.proto = p;
    } else if (w === 'scope') {
      const sc = next();
      if (sc === undefined) return incomplete();
      sel.scope = sc === 'global' ? 'universe' : sc;
    } else if (w === 'type') {
      const t = next();
      if (t === undefined) return incomplete();
      if (!TYPES.includes(t as RouteType)) return unsupported(`ip route show type ${t}`);
      sel.type = t as RouteType;
    } else {
      let word = w;
      if (matches(word, 'to')) word = next() ?? '';
      let mode: 'root' | 'match' | 'exact' = 'exact';
      if (word === 'root' || word === 'match' || word === 'exact') {
        mode = word;
        word = next() ?? '';
      }
      if (word === '') return incomplete();
      if (sel.prefix) return garbage('to', word);
      const cidr = parsePrefixArg(word);
      if (!cidr) return fail(`Error: any valid prefix is expected rather than "${word}".`, 1);
      sel.prefix = { cidr, mode };
    }
  }
  return sel;
}

function selected(r: Route, sel: Selector): boolean {
  if (sel.dev !== undefined && r.dev !== sel.dev) return false;
  if (sel.via !== undefined && r.via !== sel.via) return false;
  if (sel.proto !== undefined && (r.proto ?? 'boot') !== sel.proto) return false;
  if (sel.scope !== undefined && (r.scope ?? 'universe') !== sel.scope) return false;
  if (sel.type !== undefined && r.type !== sel.type) return false;
  const p = sel.prefix;
  if (p) {
    if (p.mode === 'exact' && !(r.dst.addr === p.cidr.addr && r.dst.len === p.cidr.len)) return false;
    if (p.mode === 'root' && !(r.dst.len >= p.cidr.len && contains(p.cidr, r.dst.addr))) return false;
    if (p.mode === 'match' && !(r.dst.len <= p.cidr.len && contains(r.dst, p.cidr.addr))) return false;
  }
  return true;
}

/**
 * The local table the kernel keeps per address: `local ADDR` while the address exists (the whole /8 for loopback),
 * `broadcast BRD` while its interface is up; printed in dump order.
 */
function localTable(ctx: CommandContext): string {
  const entries: { addr: number; len: number; text: string }[] = [];
  const seen = new Set<string>();
  for (const i of ctx.state.ifaces.values()) {
    for (const a of i.addrs) {
      // A secondary address's routes carry its primary's address as the source.
      const primary = i.addrs.find((b) => b.len === a.len && subnetOf(b).addr === subnetOf(a).addr) ?? a;
      const src = formatIp(primary.ip);
      const add = (type: 'local' | 'broadcast', addr: number, len: number) => {
        const key = `${type} ${addr}/${len}`;
        if (seen.has(key)) return;
        seen.add(key);
        const dst = len === 32 ? formatIp(addr) : `${formatIp(addr)}/${len}`;
        entries.push({ addr, len, text: `${type} ${dst} dev ${i.name} proto kernel scope ${type === 'local' ? 'host' : 'link'} src ${src} ` });
      };
      if (i.kind === 'loopback' && a.len < 32) add('local', subnetOf(a).addr, a.len);
      add('local', a.ip, 32);
      if (i.up && a.len < 31) add('broadcast', broadcastOf(subnetOf(a)), 32);
    }
  }
  return lines(entries.sort((x, y) => x.addr - y.addr || y.len - x.len).map((e) => e.text));
}

function showRoutes(args: readonly string[], ctx: CommandContext, busybox: boolean): CommandResult {
  const t = args.indexOf('table');
  if (t >= 0 && (args[t + 1] === 'local' || args[t + 1] === '255')) {
    return args.length === 2 ? ok(localTable(ctx)) : unsupported('ip route show table local with selectors');
  }
  if (t >= 0 && args[t + 1] === 'all') return unsupported('ip route show table all (it lists IPv6 routes too)');
  const sel = parseSelector(args, ctx);
  if ('exitCode' in sel) return sel;
  const omit: Omitted = { dev: sel.dev !== undefined, via: sel.via !== undefined, proto: sel.proto !== undefined, scope: sel.scope !== undefined };
  return ok(lines(listedRoutes(ctx.state).filter((r) => selected(r, sel)).map((r) => routeLine(r, routeLinkdown(ctx, r), omit, busybox))));
}

/** `ip route flush SELECTOR`: every route the selector lists goes; `flush cache` forgets the learned path MTUs. */
function flushRoutes(args: readonly string[], ctx: CommandContext): CommandResult {
  if (args.length === 0) return fail('"ip route flush" requires arguments.', 1);
  if (args.length === 1 && args[0] === 'cache') {
    ctx.state.pmtu.clear();
    return ok();
  }
  const sel = parseSelector(args, ctx);
  if ('exitCode' in sel) return sel;
  const s = ctx.state;
  for (const r of listedRoutes(s).filter((x) => selected(x, sel))) {
    const own = s.ownRoutes.indexOf(r);
    if (own >= 0) s.ownRoutes.splice(own, 1);
    else s.deletedShared.push(r.dst);
  }
  s.routesChanged();
  return ok();
}

/** `ip route get ADDR [from LOCAL]`: the route the kernel would use, in iproute2's two-line format. */
function getRoute(args: readonly string[], ctx: CommandContext, busybox: boolean): CommandResult {
  let dstText: string | undefined;
  let from: number | undefined;
  for (let i = 0; i < args.length; i++) {
    const w = args[i]!;
    if (w === 'from') {
      const f = args[++i];
      if (f === undefined) return incomplete();
      from = parseCidr(f, false)?.addr;
      if (from === undefined) return fail(`Error: inet prefix is expected rather than "${f}".`, 1);
    } else if (['iif', 'oif', 'mark', 'uid', 'tos', 'dsfield', 'vrf', 'ipproto', 'sport', 'dport', 'fibmatch', 'connected'].includes(w)) {
      return unsupported(`ip route get ${w}`);
    } else {
      const word = w === 'to' ? args[++i] : w;
      if (word === undefined) return incomplete();
      if (dstText !== undefined) return fail(`Error: inet prefix is expected rather than "${word}".`, 1);
      dstText = word;
    }
  }
  if (dstText === undefined) return fail('need at least a destination address', 1);
  const slash = dstText.indexOf('/');
  const dst = parseCidr(dstText, false);
  if (!dst) return fail(`Error: any valid prefix is expected rather than "${dstText}".`, 1);
  const warning = slash >= 0 && dst.len !== 32 ? `Warning: /${dst.len} as prefix is invalid, only /32 (or none) is supported.\n` : '';
  const s = ctx.state;
  const addr = slash >= 0 ? parseIp(dstText.slice(0, slash))! : dst.addr;
  if (from !== undefined && !s.isLocal(from)) return unsupported('ip route get from a non-local address');
  const fromText = from !== undefined ? ` from ${formatIp(from)}` : '';
  const srcText = (src: number | undefined) => (from === undefined && src !== undefined ? `${busybox ? ' ' : ''} src ${formatIp(src)}` : '');
  // iproute2 adds the uid and the cache flags; busybox ends the line after a space.
  const tail = (flags: string) => (busybox ? ' \n' : ` uid 0 \n    cache ${flags}\n`);
  if (s.isLocal(addr)) return ok(`local ${formatIp(addr)}${fromText} dev lo${srcText(addr)}${tail('<local> ')}`, warning);
  for (const i of s.ifaces.values()) {
    if (!i.up || i.kind === 'loopback') continue;
    const a = i.addrs.find((x) => x.len < 31 && broadcastOf(subnetOf(x)) === addr);
    if (a) return ok(`broadcast ${formatIp(addr)}${fromText} dev ${i.name}${srcText(a.ip)}${tail('<local,brd> ')}`, warning);
  }
  const hit = s.lookup(addr);
  if (!hit) return { ...rtnetlink('Network is unreachable'), stderr: `${warning}RTNETLINK answers: Network is unreachable\n` };
  const r = hit.route;
  if (r.type !== 'unicast') {
    const error = r.type === 'blackhole' ? 'Invalid argument' : r.type === 'prohibit' ? 'Permission denied' : 'No route to host';
    return { ...rtnetlink(error), stderr: `${warning}RTNETLINK answers: ${error}\n` };
  }
  // A gateway that is one of our own addresses gives the nexthop host scope: the kernel then sends straight to
  // the destination (rt_set_nexthop keeps a gateway only for link scope), so no `via` is shown.
  const gw = r.via !== undefined && !s.isLocal(r.via) ? r.via : undefined;
  // The nexthop's source is chosen against its gateway; without one, the device's first address (not the dst's subnet).
  const src = r.src ?? (gw !== undefined ? addressFor(s, r.dev, gw) : s.primaryAddress(r.dev));
  const via = gw !== undefined ? ` via ${formatIp(gw)}` : '';
  // A learned path MTU shows on the cache line: `cache expires 599sec mtu 1400 ` (kernel-checked).
  const pmtu = from === undefined ? learnedPmtu(ctx.sim.dp, ctx.device, addr) : undefined;
  const left = pmtu !== undefined ? PMTU_EXPIRES_MS - (ctx.sim.dp.nowMs - ctx.state.pmtu.get(addr)!.atMs) : 0;
  const cache = pmtu !== undefined ? `expires ${Math.ceil(left / 1000) - 1}sec mtu ${pmtu} ` : '';
  return ok(`${formatIp(addr)}${fromText}${via} dev ${r.dev ?? 'lo'}${srcText(src)}${tail(cache)}`, warning);
}

const VERBS: readonly (readonly [string, RouteVerb])[] = [
  ['add', 'add'], ['change', 'change'], ['chg', 'change'], ['replace', 'replace'], ['append', 'append'], ['delete', 'del'],
];

/** `ip route ...` (the words after `route`). */
export function ipRoute(args: readonly string[], ctx: CommandContext, busybox = false): CommandResult {
  const [verb, ...rest] = args;
  if (verb === undefined) return showRoutes([], ctx, busybox);
  if (matches(verb, 'list') || matches(verb, 'show') || verb === 'lst') return showRoutes(rest, ctx, busybox);
  if (matches(verb, 'get')) return getRoute(rest, ctx, busybox);
  if (verb === 'help') return fail(IP_ROUTE_USAGE, 255);
  for (const [name, v] of VERBS) {
    if (!matches(verb, name)) continue;
    if (rest.length === 0) return fail(IP_ROUTE_USAGE, 255);
    return modifyRoute(v, rest, ctx);
  }
  if (matches(verb, 'flush')) return flushRoutes(rest, ctx);
  if (matches(verb, 'prepend') || matches(verb, 'test') || matches(verb, 'save') || matches(verb, 'restore') || matches(verb, 'showdump')) {
    return unsupported(`ip route ${verb}`);
  }
  return fail(`Command "${verb}" is unknown, try "ip route help".`, 255);
}
