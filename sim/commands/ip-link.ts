// `ip link [show [dev] DEV] [up]` and `ip link set [dev] DEV up|down|mtu N`: interface lines as iproute2 6.1 prints
// them for a VM's NICs, bridges and veths (flags, qdisc, state, master, peer ifindex, link-netnsid), -br included.
import type { IfaceState } from '../dataplane.js';
import type { CommandResult } from '../../topology/trace.js';
import type { CommandContext } from './index.js';
import { garbage, incomplete, invalidArgument, extack, matches, noDevice, parseUnsigned } from './ip-common.js';
import { hasCarrier, ifindex, setLinkState, vethPeer, setMtu } from './links.js';
import { fail, lines, ok, unsupported } from './output.js';
import { linkStatsLines, linkStatsOf } from './ip-link-stats.js';

export interface IpOptions {
  /** `-4`: IPv4 only (ip addr leaves out inet6 lines and interfaces without IPv4). */
  readonly inet4: boolean;
  readonly inet6: boolean;
  /** `-br`: one line per interface. */
  readonly brief: boolean;
  /** busybox's ip applet: its own line formats (no state/group, `scope link  src`, no uid/cache). */
  readonly busybox: boolean;
  /** How many `-s`: the interfaces' statistics (sim/commands/ip-link-stats.ts), with error lines from two. */
  readonly stats?: number;
}

/** The name as ip prints it: `eth0@if5` for a veth end. */
export function displayName(ctx: CommandContext, i: IfaceState): string {
  const peer = vethPeer(ctx, i);
  return peer ? `${i.name}@if${peer.index}` : i.name;
}

/** `<BROADCAST,MULTICAST,UP,LOWER_UP>`: the flags ip and bridge print for an interface. */
export function linkFlags(ctx: CommandContext, i: IfaceState, busybox = false): string {
  const carrier = hasCarrier(ctx, i.name);
  const list: string[] = [];
  if (i.up && !carrier) list.push('NO-CARRIER');
  list.push(...(i.kind === 'loopback' ? ['LOOPBACK'] : ['BROADCAST', 'MULTICAST']));
  if (i.up) list.push('UP');
  if (i.up && carrier) list.push('LOWER_UP');
  // busybox cannot resolve a peer in another namespace and always says M-DOWN for it.
  if (busybox ? i.peer !== undefined : i.up && !carrier && i.kind === 'veth' && peerDown(ctx, i)) list.push('M-DOWN');
  return `<${list.join(',')}>`;
}

function peerDown(ctx: CommandContext, i: IfaceState): boolean {
  if (!i.peer || !ctx.sim.model.device(i.peer.device)) return false;
  return !ctx.sim.dp.state(i.peer.device).ifaces.get(i.peer.iface)?.up;
}

/** IF_OPER state: UNKNOWN for lo, UP with carrier, LOWERLAYERDOWN for a veth whose peer is down, else DOWN. */
export function operState(ctx: CommandContext, i: IfaceState): string {
  if (!i.up) return 'DOWN';
  if (i.kind === 'loopback') return 'UNKNOWN';
  if (hasCarrier(ctx, i.name)) return 'UP';
  return i.kind === 'veth' && peerDown(ctx, i) ? 'LOWERLAYERDOWN' : 'DOWN';
}

/** The first line of `ip link` / `ip addr` for one interface (`mode DEFAULT` only in ip link). */
export function headerLine(ctx: CommandContext, i: IfaceState, withMode: boolean, busybox = false): string {
  // A VM NIC gets the kernel's default qdisc: pfifo_fast on Debian 12 (net.core.default_qdisc); virtual links none.
  const qdisc = i.kind === 'ether' ? 'pfifo_fast' : 'noqueue';
  const master = i.master ? ` master ${i.master}` : '';
  // The CNI bridge plugin makes its veth pairs with txqueuelen 0, which ip and busybox leave out (docs/cni.md).
  const qlen = i.kind === 'veth' ? ' ' : ' qlen 1000';
  if (busybox) return `${ifindex(ctx, i.name)}: ${displayName(ctx, i)}: ${linkFlags(ctx, i, true)} mtu ${i.mtu} qdisc ${qdisc}${master}${qlen}`;
  const mode = withMode ? ' mode DEFAULT' : '';
  return `${ifindex(ctx, i.name)}: ${displayName(ctx, i)}: ${linkFlags(ctx, i)} mtu ${i.mtu} qdisc ${qdisc}${master} state ${operState(ctx, i)}${mode} group default${qlen}`;
}

export function linkLine(ctx: CommandContext, i: IfaceState, busybox = false): string {
  if (i.kind === 'loopback') return '    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00';
  const peer = busybox ? undefined : vethPeer(ctx, i);
  return `    link/ether ${i.mac} brd ff:ff:ff:ff:ff:ff${peer ? ` link-netnsid ${peer.netnsid}` : ''}`;
}

/** `-br` columns: name in 16, state in 14, each followed by a space. */
export function briefColumns(ctx: CommandContext, i: IfaceState): string {
  return `${displayName(ctx, i).padEnd(16)} ${operState(ctx, i).padEnd(14)} `;
}

/** Parses `[dev] DEV [up]` of `ip link show` / `ip addr show`; undefined device means all. */
export function parseShowArgs(args: readonly string[], ctx: CommandContext): { dev?: string; upOnly: boolean } | CommandResult {
  let dev: string | undefined;
  let upOnly = false;
  for (let i = 0; i < args.length; i++) {
    const w = args[i]!;
    if (w === 'up') { upOnly = true; continue; }
    if (['type', 'master', 'vrf', 'group', 'label', 'scope', 'to', 'primary', 'secondary', 'permanent', 'dynamic'].includes(w)) {
      return unsupported(`ip show ${w}`);
    }
    let name: string | undefined = w;
    if (w === 'dev') {
      name = args[++i];
      if (name === undefined) return incomplete();
    }
    if (dev !== undefined) return garbage('dev', name);
    dev = name;
  }
  if (dev !== undefined && !ctx.state.ifaces.has(dev)) return fail(`Device "${dev}" does not exist.`, 1);
  return { dev, upOnly };
}

export function shownInterfaces(ctx: CommandContext, sel: { dev?: string; upOnly: boolean }): IfaceState[] {
  return [...ctx.state.ifaces.values()].filter((i) => (sel.dev === undefined || i.name === sel.dev) && (!sel.upOnly || i.up));
}

function showLinks(args: readonly string[], ctx: CommandContext, opts: IpOptions): CommandResult {
  const sel = parseShowArgs(args, ctx);
  if ('exitCode' in sel) return sel;
  const out: string[] = [];
  for (const i of shownInterfaces(ctx, sel)) {
    if (opts.brief) {
      const mac = i.kind === 'loopback' ? '00:00:00:00:00:00' : i.mac;
      out.push(`${briefColumns(ctx, i)}${mac} ${linkFlags(ctx, i)} `);
    } else {
      out.push(headerLine(ctx, i, true, opts.busybox), linkLine(ctx, i, opts.busybox));
      if (opts.stats) out.push(...linkStatsLines(linkStatsOf(ctx.sim.dp, ctx.state, i), opts.stats));
    }
  }
  return ok(lines(out));
}

/** `ip link set [dev] DEV [up|down] [mtu N]...`: iproute2's parse, then the kernel's MTU bounds. */
function setLink(args: readonly string[], ctx: CommandContext): CommandResult {
  let dev: string | undefined;
  let state: boolean | undefined;
  let mtu: number | undefined;
  for (let i = 0; i < args.length; i++) {
    const w = args[i]!;
    if (w === 'up' || w === 'down') state = w === 'up';
    else if (w === 'mtu') {
      const v = args[++i];
      if (v === undefined) return incomplete();
      mtu = parseUnsigned(v);
      if (mtu === undefined) return invalidArgument(v, 'Invalid "mtu" value');
    } else if (['address', 'name', 'master', 'nomaster', 'promisc', 'arp', 'multicast', 'allmulticast', 'txqueuelen', 'qlen', 'netns', 'alias', 'type', 'group', 'carrier'].includes(w)) {
      return unsupported(`ip link set ${w}`);
    } else {
      const name = w === 'dev' ? args[++i] : w;
      if (name === undefined) return incomplete();
      if (dev !== undefined) return garbage('dev', name);
      dev = name;
    }
  }
  if (dev === undefined) return fail('Not enough information: "dev" argument is required.', 255);
  const iface = ctx.state.ifaces.get(dev);
  if (!iface) return noDevice(dev);
  if (mtu !== undefined) {
    const max = iface.kind === 'loopback' ? 65536 : 65535;
    if (mtu < 68) return extack('mtu less than device minimum.');
    if (mtu > max) return extack('mtu greater than device maximum.');
    setMtu(ctx, iface, mtu);
  }
  if (state !== undefined) setLinkState(ctx, dev, state);
  return ok();
}

/** `ip link ...` (the words after `link`). */
export function ipLink(args: readonly string[], ctx: CommandContext, opts: IpOptions): CommandResult {
  const [verb, ...rest] = args;
  if (verb === undefined) return showLinks([], ctx, opts);
  // iproute2 tries `set` before `show`: `ip l s eth1` sets nothing.
  if (matches(verb, 'set')) return setLink(rest, ctx);
  if (matches(verb, 'show') || matches(verb, 'list') || verb === 'lst') return showLinks(rest, ctx, opts);
  if (matches(verb, 'add') || matches(verb, 'delete') || matches(verb, 'change') || matches(verb, 'property') || verb === 'help') {
    return unsupported(`ip link ${verb}`);
  }
  return fail(`Command "${verb}" is unknown, try "ip link help".`, 255);
}
