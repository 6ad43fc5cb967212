// `ip route add|del|replace|change|append`: iproute2's ROUTE argument parsing and the kernel's checks (nexthop
// gateway on a link-scope route, device up, prefsrc local, EEXIST/ESRCH) applied to a device's main table, where
// Flannel's shared host-gw routes are copied into the device's own routes before it edits them.
import { contains, networkOf, parseCidr, parseIp, sameCidr, type Cidr } from '../../topology/address.js';
import type { Route, RouteType } from '../../topology/model.js';
import type { DeviceState } from '../dataplane.js';
import type { CommandResult } from '../../topology/trace.js';
import type { CommandContext } from './index.js';
import { extack, garbage, incomplete, invalidArgument, noDevice, parseUnsigned, rtnetlink } from './ip-common.js';
import { fail, ok, unsupported } from './output.js';

export type RouteVerb = 'add' | 'del' | 'replace' | 'change' | 'append';

interface RouteSpec {
  dst?: Cidr;
  type?: RouteType;
  via?: number;
  dev?: string;
  src?: number;
  metric?: number;
  proto?: Route['proto'] | 'boot';
  scope?: 'host' | 'link' | 'universe';
  onlink?: boolean;
  /** RTN_NAT: iproute2 gives it scope host, which the kernel refuses for every such route (fib_props: scope nowhere). */
  nat?: boolean;
}

const TYPE_WORDS: Readonly<Record<string, RouteType | 'other' | 'nat'>> = {
  unicast: 'unicast', blackhole: 'blackhole', unreachable: 'unreachable', prohibit: 'prohibit', throw: 'throw',
  local: 'other', broadcast: 'other', multicast: 'other', nat: 'nat', anycast: 'other',
};
const UNMODELLED = new Set([
  'as', 'from', 'tos', 'dsfield', 'expires', 'mtu', 'advmss', 'rtt', 'rttvar', 'reordering', 'window', 'cwnd',
  'initcwnd', 'ssthresh', 'realms', 'rto_min', 'hoplimit', 'initrwnd', 'features', 'quickack', 'congctl', 'pref',
  'nexthop', 'nhid', 'encap', 'weight', 'pervasive', 'vrf', 'ttl-propagate', 'fastopen_no_cookie',
]);

/** Parses the ROUTE words; returns the spec or the error iproute2 prints while parsing. */
function parseSpec(args: readonly string[], ctx: CommandContext): RouteSpec | CommandResult {
  const spec: RouteSpec = {};
  for (let i = 0; i < args.length; i++) {
    const w = args[i]!;
    const value = (): string | undefined => args[++i];
    if (w === 'src') {
      const v = value();
      if (v === undefined) return incomplete();
      spec.src = parseIp(v);
      if (spec.src === undefined) return fail(`Error: inet address is expected rather than "${v}".`, 1);
    } else if (w === 'via') {
      let v = value();
      if (v === 'inet') v = value();
      if (v === undefined) return incomplete();
      spec.via = parseIp(v);
      if (spec.via === undefined) return fail(`Error: inet address is expected rather than "${v}".`, 1);
    } else if (w === 'metric' || w === 'priority' || w === 'preference') {
      const v = value();
      if (v === undefined) return incomplete();
      spec.metric = parseUnsigned(v);
      if (spec.metric === undefined) return invalidArgument(v, '"metric" value is invalid');
    } else if (w === 'dev' || w === 'oif') {
      const v = value();
      if (v === undefined) return incomplete();
      spec.dev = v;
    } else if (w === 'onlink') {
      spec.onlink = true;
    } else if (w === 'table') {
      const v = value();
      if (v === undefined) return incomplete();
      if (v !== 'main' && v !== '254') return unsupported(`ip route table ${v}`);
    } else if (w === 'proto' || w === 'protocol') {
      const v = value();
      if (v === undefined) return incomplete();
      if (v !== 'boot' && v !== 'static' && v !== 'kernel' && v !== 'dhcp') return unsupported(`ip route proto ${v}`);
      spec.proto = v;
    } else if (w === 'scope') {
      const v = value();
      if (v === undefined) return incomplete();
      if (v !== 'host' && v !== 'link' && v !== 'global' && v !== 'universe') return unsupported(`ip route scope ${v}`);
      spec.scope = v === 'global' ? 'universe' : v;
    } else if (UNMODELLED.has(w)) {
      return unsupported(`ip route ${w}`);
    } else {
      let word: string | undefined = w;
      if (word === 'to') word = value();
      if (word === undefined) return incomplete();
      const t = TYPE_WORDS[word];
      if (t !== undefined && !/^[0-9]/.test(word)) {
        if (t === 'other') return unsupported(`ip route type ${word}`);
        if (t === 'nat') spec.nat = true;
        else spec.type = t;
        word = value();
        if (word === undefined) return incomplete();
      }
      if (spec.dst) return garbage('to', word);
      const dst = parseDst(word);
      if ('exitCode' in dst) return dst;
      spec.dst = dst;
    }
  }
  if (spec.dev !== undefined && !ctx.state.ifaces.has(spec.dev)) return noDevice(spec.dev);
  return spec;
}

function parseDst(word: string): Cidr | CommandResult {
  if (word === 'default' || word === 'all' || word === 'any') return { addr: 0, len: 0 };
  const loose = parseCidr(word, false);
  if (!loose) return fail(`Error: any valid prefix is expected rather than "${word}".`, 1);
  const slash = word.indexOf('/');
  const addr = parseIp(slash < 0 ? word : word.slice(0, slash))!;
  if (networkOf(addr, loose.len) !== addr) return extack('Invalid prefix for given prefix length.');
  return loose;
}

/** Runs one route-editing verb on the device's main table. */
export function modifyRoute(verb: RouteVerb, args: readonly string[], ctx: CommandContext): CommandResult {
  const spec = parseSpec(args, ctx);
  if ('exitCode' in spec) return spec;
  if (!spec.dst) return fail('Error: any valid prefix is expected rather than "".', 1);
  if (spec.nat && verb === 'del') return unsupported('ip route del nat');
  // fib_create_info: fib_props[RTN_NAT].scope (nowhere) > the route's scope (host) -> "Invalid scope" (kernel-checked).
  if (spec.nat) return extack('Invalid scope.');
  if (verb === 'del') return deleteRoute(ctx.state, spec, spec.dst);
  const built = buildRoute(ctx.state, spec, spec.dst);
  if ('exitCode' in built) return built;
  return insertRoute(ctx.state, verb, built);
}

/** The kernel's fib_create_info checks, giving the route to install or the error. */
function buildRoute(s: DeviceState, spec: RouteSpec, dst: Cidr): Route | CommandResult {
  const type = spec.type ?? 'unicast';
  const proto = spec.proto === 'boot' ? undefined : spec.proto;
  const metric = spec.metric || undefined;
  if (type !== 'unicast') {
    if (spec.via !== undefined || spec.dev !== undefined) return extack('Gateway, device and multipath can not be specified for this route type.');
    // The kernel keeps (and does not check) a prefsrc on a typed route.
    return {
      dst, type, proto, metric, src: spec.src,
      ...(spec.scope && spec.scope !== 'universe' ? { scope: spec.scope } : {}), ...(spec.onlink ? { onlink: true } : {}),
    };
  }
  if (spec.via !== undefined && spec.scope === 'host') return extack('Route with host scope can not have a gateway.');
  if (spec.via !== undefined && spec.onlink && spec.dev === undefined) return extack('Nexthop device required for onlink.');
  let dev = spec.dev;
  if (spec.via !== undefined && spec.onlink) {
    // Trusted to be on the link, but it must be up and the gateway a unicast address that is not ours.
    if (!s.ifaces.get(dev!)!.up) return extack('Nexthop device is not up.');
    if (!unicastGateway(s, spec.via)) return extack('Nexthop has invalid gateway.');
  } else if (spec.via !== undefined) {
    // The gateway lookup runs at one scope above the route's: a link-scope route may only use a local gateway.
    const gwDev = gatewayDevice(s, spec.via, spec.scope === 'link', dev);
    if (gwDev === undefined || (dev !== undefined && dev !== gwDev)) return extack('Nexthop has invalid gateway.');
    dev = gwDev;
  } else if (spec.onlink && spec.scope !== 'host') {
    return extack('Invalid flags for nexthop - PERVASIVE and ONLINK can not be set.');
  } else if (dev === undefined) {
    return rtnetlink('No such device');
  } else if (spec.scope !== 'host' && !s.ifaces.get(dev)!.up) {
    return extack('Device for nexthop is not up.');
  }
  if (spec.src !== undefined && !s.isLocal(spec.src)) return extack('Invalid prefsrc address.');
  const scope = spec.scope ?? (spec.via === undefined ? 'link' : 'universe');
  return {
    dst, type, via: spec.via, dev, proto,
    ...(scope !== 'universe' ? { scope } : {}),
    src: spec.src, metric, ...(spec.onlink ? { onlink: true } : {}),
  };
}

/**
 * fib_check_nh for a gateway: a lookup restricted to link- and host-scope routes (connected and device routes, through
 * the named device if any) must find it, or it must be one of our own addresses; the route's device becomes the
 * nexthop's.
 */
function gatewayDevice(s: DeviceState, gw: number, localOnly: boolean, oif: string | undefined): string | undefined {
  for (const i of s.ifaces.values()) if (i.up && i.kind !== 'loopback' && i.addrs.some((a) => a.ip === gw)) return i.name;
  if (localOnly) return undefined;
  let best: Route | undefined;
  for (const r of s.allRoutes()) {
    if (r.type !== 'unicast' || r.via !== undefined || r.dev === undefined || (r.scope !== 'link' && r.scope !== 'host')) continue;
    // With a device named, the lookup only considers routes through it (flowi4_oif).
    if (oif !== undefined && r.dev !== oif) continue;
    if (!contains(r.dst, gw) || !s.ifaces.get(r.dev)?.up) continue;
    if (!best || r.dst.len > best.dst.len || (r.dst.len === best.dst.len && (r.metric ?? 0) < (best.metric ?? 0))) best = r;
  }
  return best?.dev;
}

/** inet_addr_type() is RTN_UNICAST: not 0.x.x.x or 255.255.255.255, not multicast, not local, not a subnet broadcast. */
function unicastGateway(s: DeviceState, gw: number): boolean {
  return !(gw >>> 24 === 0 || gw >>> 28 === 0xe || s.isLocal(gw) || s.isLocalBroadcast(gw));
}

const sameMetric = (a: Route, metric: number | undefined) => (a.metric ?? 0) === (metric ?? 0);

/** The kernel's fa_match: the same fib_info (type, nexthop, protocol, scope, prefsrc, metric, flags). */
function sameInfo(a: Route, b: Route): boolean {
  return a.type === b.type && a.via === b.via && a.dev === b.dev && a.proto === b.proto && a.scope === b.scope &&
    a.src === b.src && (a.metric ?? 0) === (b.metric ?? 0) && !!a.onlink === !!b.onlink;
}

/** Makes a visible shared route with this prefix part of the device's own routes, so it can be edited in place. */
function materialize(s: DeviceState, dst: Cidr): void {
  if (s.ownRoutes.some((r) => sameCidr(r.dst, dst))) return;
  const shared = s.visibleSharedRoutes().find((r) => sameCidr(r.dst, dst));
  if (!shared) return;
  s.ownRoutes.push({ ...shared });
  s.deletedShared.push(shared.dst);
}

function insertRoute(s: DeviceState, verb: Exclude<RouteVerb, 'del'>, route: Route): CommandResult {
  materialize(s, route.dst);
  const index = s.ownRoutes.findIndex((r) => sameCidr(r.dst, route.dst) && sameMetric(r, route.metric));
  const identical = s.ownRoutes.findIndex((r) => sameCidr(r.dst, route.dst) && sameInfo(r, route));
  if (verb === 'add' && index >= 0) return rtnetlink('File exists');
  if (verb === 'append' && identical >= 0) return rtnetlink('File exists');
  if (verb === 'change' && index < 0) return rtnetlink('No such file or directory');
  if ((verb === 'replace' || verb === 'change') && index >= 0) {
    // Replacing the first route by an identical one changes nothing; an identical later one is a duplicate.
    if (identical >= 0) return identical === index ? ok() : rtnetlink('File exists');
    s.ownRoutes[index] = route;
  } else s.ownRoutes.push(route);
  s.routesChanged();
  return ok();
}

function deleteRoute(s: DeviceState, spec: RouteSpec, dst: Cidr): CommandResult {
  const matchesSpec = (r: Route) =>
    sameCidr(r.dst, dst) &&
    (!spec.metric || (r.metric ?? 0) === spec.metric) &&
    (spec.type === undefined || r.type === spec.type) &&
    (spec.dev === undefined || r.dev === spec.dev) &&
    (spec.via === undefined || r.via === spec.via) &&
    (spec.proto === undefined || (r.proto ?? 'boot') === spec.proto) &&
    (spec.scope === undefined || (r.scope ?? 'universe') === spec.scope) &&
    (spec.src === undefined || r.src === spec.src);
  const candidates = s.allRoutes().filter(matchesSpec).sort((a, b) => (a.metric ?? 0) - (b.metric ?? 0));
  const victim = candidates[0];
  if (!victim) return rtnetlink('No such process');
  const own = s.ownRoutes.indexOf(victim);
  if (own >= 0) s.ownRoutes.splice(own, 1);
  else s.deletedShared.push(victim.dst);
  s.routesChanged();
  return ok();
}
