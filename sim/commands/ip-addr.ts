// `ip addr|a [show [dev] DEV]` (with -4/-6/-br) and `ip addr add|del ADDR/LEN dev DEV`: iproute2 6.1's address listing
// and the kernel's connected-route bookkeeping when addresses come and go.
import { broadcastOf, formatIfAddr, formatIp, parseIfAddr, parseIp, sameCidr, subnetOf, type IfAddr } from '../../topology/address.js';
import type { IfaceState } from '../dataplane.js';
import type { CommandResult } from '../../topology/trace.js';
import type { CommandContext } from './index.js';
import { extack, garbage, incomplete, matches, noDevice } from './ip-common.js';
import { briefColumns, headerLine, linkLine, parseShowArgs, shownInterfaces, type IpOptions } from './ip-link.js';
import { linkStatsLines, linkStatsOf } from './ip-link-stats.js';
import { linkLocal, portlessNodeBridge } from './links.js';
import { fail, lines, ok, unsupported } from './output.js';

const FOREVER = '       valid_lft forever preferred_lft forever';

function isSecondary(i: IfaceState, index: number): boolean {
  const a = i.addrs[index]!;
  return i.addrs.slice(0, index).some((b) => b.len === a.len && sameCidr(subnetOf(b), subnetOf(a)));
}

function inetLine(i: IfaceState, index: number): string {
  const a = i.addrs[index]!;
  const brd = a.len < 31 && i.kind !== 'loopback' ? ` brd ${formatIp(broadcastOf(subnetOf(a)))}` : '';
  const scope = i.kind === 'loopback' || a.ip >>> 24 === 127 ? 'host' : 'global';
  return `    inet ${formatIfAddr(a)}${brd} scope ${scope}${isSecondary(i, index) ? ' secondary' : ''} ${i.name}`;
}

/** The IPv6 addresses the kernel gives an interface while it is up: ::1 on lo, an EUI-64 link-local elsewhere. */
function inet6(ctx: CommandContext, i: IfaceState): { text: string; scope: string }[] {
  if (!i.up || portlessNodeBridge(ctx, i)) return [];
  if (i.kind === 'loopback') return [{ text: '::1/128', scope: 'host' }];
  const ll = linkLocal(i.mac);
  return ll ? [{ text: `${ll}/64`, scope: 'link' }] : [];
}

function showAddrs(args: readonly string[], ctx: CommandContext, opts: IpOptions): CommandResult {
  const sel = parseShowArgs(args, ctx);
  if ('exitCode' in sel) return sel;
  const out: string[] = [];
  for (const i of shownInterfaces(ctx, sel)) {
    const v4 = opts.inet6 ? [] : i.addrs.map((_, k) => k);
    const v6 = opts.inet4 ? [] : inet6(ctx, i);
    if ((opts.inet4 || opts.inet6) && v4.length + v6.length === 0) continue;
    if (opts.brief) {
      out.push(`${briefColumns(ctx, i)}${[...v4.map((k) => formatIfAddr(i.addrs[k]!)), ...v6.map((a) => a.text)].map((t) => `${t} `).join('')}`);
      continue;
    }
    out.push(headerLine(ctx, i, false, opts.busybox));
    if (!opts.inet4 && !opts.inet6) out.push(linkLine(ctx, i, opts.busybox));
    for (const k of v4) out.push(inetLine(i, k), FOREVER);
    for (const a of v6) out.push(`    inet6 ${a.text} scope ${a.scope} `, FOREVER);
    if (opts.stats && !opts.inet4 && !opts.inet6) out.push(...linkStatsLines(linkStatsOf(ctx.sim.dp, ctx.state, i), opts.stats));
  }
  return ok(lines(out));
}

/** Parses `ADDR[/LEN] [brd +|ADDR] dev DEV`. */
function parseAddrArgs(args: readonly string[], ctx: CommandContext): { addr: IfAddr; dev: string } | CommandResult {
  let addr: IfAddr | undefined;
  let dev: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const w = args[i]!;
    if (w === 'dev') {
      dev = args[++i];
      if (dev === undefined) return incomplete();
    } else if (w === 'brd' || w === 'broadcast') {
      if (args[++i] === undefined) return incomplete();
    } else if (['label', 'scope', 'peer', 'local', 'valid_lft', 'preferred_lft', 'metric', 'noprefixroute'].includes(w)) {
      return unsupported(`ip addr ${w}`);
    } else {
      if (addr) return garbage('local', w);
      const ip = parseIp(w);
      addr = ip !== undefined ? { ip, len: 32 } : parseIfAddr(w);
      if (!addr) return fail(`Error: inet prefix is expected rather than "${w}".`, 1);
    }
  }
  if (!addr) return fail('Error: any valid prefix is expected rather than "".', 1);
  if (dev === undefined) return fail('Not enough information: "dev" argument is required.', 1);
  if (!ctx.state.ifaces.has(dev)) return noDevice(dev);
  return { addr, dev };
}

function addAddr(args: readonly string[], ctx: CommandContext): CommandResult {
  const p = parseAddrArgs(args, ctx);
  if ('exitCode' in p) return p;
  const i = ctx.state.ifaces.get(p.dev)!;
  if (i.addrs.some((a) => a.ip === p.addr.ip && a.len === p.addr.len)) return extack('ipv4: Address already assigned.');
  const primary = !i.addrs.some((a) => a.len === p.addr.len && sameCidr(subnetOf(a), subnetOf(p.addr)));
  i.addrs = [...i.addrs, p.addr];
  ctx.sim.dp.markReaddressed(ctx.device);
  // fib_add_ifaddr(): only a primary address shorter than /32 brings a prefix route (while the link is up).
  if (i.up && primary && p.addr.len < 32) {
    ctx.state.ownRoutes.push({ dst: subnetOf(p.addr), type: 'unicast', dev: p.dev, proto: 'kernel', scope: 'link', src: p.addr.ip });
    ctx.state.routesChanged();
  }
  return ok();
}

function delAddr(args: readonly string[], ctx: CommandContext): CommandResult {
  const p = parseAddrArgs(args, ctx);
  if ('exitCode' in p) return p;
  const s = ctx.state;
  const i = s.ifaces.get(p.dev)!;
  const index = i.addrs.findIndex((a) => a.ip === p.addr.ip && a.len === p.addr.len);
  if (index < 0) return extack('ipv4: Address not found.');
  const removed = i.addrs[index]!;
  const net = subnetOf(removed);
  const sameNet = (a: IfAddr) => a.len === removed.len && sameCidr(subnetOf(a), net);
  // With promote_secondaries=0 (the default) deleting a primary address takes its secondaries with it.
  const primary = i.addrs.findIndex(sameNet) === index;
  const gone = i.addrs.filter((a, k) => k === index || (primary && sameNet(a)));
  i.addrs = i.addrs.filter((a) => !gone.includes(a));
  ctx.sim.dp.markReaddressed(ctx.device);
  if (i.addrs.length === 0) s.dropRoutesVia(p.dev);
  else {
    if (primary) s.ownRoutes = s.ownRoutes.filter((r) => !(r.proto === 'kernel' && r.dev === p.dev && sameCidr(r.dst, net)));
    s.ownRoutes = s.ownRoutes.filter((r) => r.src === undefined || !gone.some((a) => a.ip === r.src));
    s.routesChanged();
  }
  return ok();
}

/** `ip addr ...` (the words after `addr`). */
export function ipAddr(args: readonly string[], ctx: CommandContext, opts: IpOptions): CommandResult {
  const [verb, ...rest] = args;
  if (verb === undefined) return showAddrs([], ctx, opts);
  if (matches(verb, 'add')) return addAddr(rest, ctx);
  if (matches(verb, 'delete')) return delAddr(rest, ctx);
  if (matches(verb, 'list') || matches(verb, 'show') || verb === 'lst') return showAddrs(rest, ctx, opts);
  if (matches(verb, 'change') || verb === 'chg' || matches(verb, 'replace') || matches(verb, 'flush') || matches(verb, 'save') || matches(verb, 'restore') || verb === 'help') {
    return unsupported(`ip addr ${verb}`);
  }
  return fail(`Command "${verb}" is unknown, try "ip addr help".`, 255);
}
