// `ip neigh` (iproute2 6.1): show [dev D] [ADDR] [nud STATE], flush dev D|all|ADDR, add/replace ADDR lladdr MAC dev D
// [nud permanent|reachable|stale], del ADDR dev D; lines as print_neigh() writes them (`IP dev D lladdr MAC STATE `),
// IPv4 only.
import { formatIp, parseIp } from '../../topology/address.js';
import type { CommandResult } from '../../topology/trace.js';
import type { CommandContext } from './index.js';
import { incomplete, matches, rtnetlink } from './ip-common.js';
import { fail, ok, unsupported } from './output.js';
import type { NeighEntry, NudState } from '../neighbours.js';

interface Filter {
  dev?: string;
  ip?: number;
  nud?: string;
}

/** Reads `dev D`, `nud S`, `to ADDR`/ADDR, `all`; an error result for what is wrong. */
function parseFilter(args: readonly string[], ctx: CommandContext): Filter | CommandResult {
  const f: Filter = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === 'dev' || a === 'nud' || a === 'to') {
      const v = args[++i];
      if (v === undefined) return incomplete();
      if (a === 'dev') {
        if (!ctx.state.ifaces.has(v)) return fail(`Cannot find device "${v}"`, 1);
        f.dev = v;
      } else if (a === 'nud') f.nud = v.toUpperCase();
      else f.ip = parseIp(v.replace(/\/32$/, ''));
    } else if (a === 'all') continue;
    else {
      const ip = parseIp(a.replace(/\/32$/, ''));
      if (ip === undefined) return unsupported(`ip neigh ${a}`);
      f.ip = ip;
    }
  }
  return f;
}

function line(e: NeighEntry, state: NudState, f: Filter): string {
  const dev = f.dev === undefined ? ` dev ${e.dev}` : '';
  const lladdr = e.lladdr !== undefined && state !== 'INCOMPLETE' && state !== 'FAILED' ? ` lladdr ${e.lladdr}` : '';
  return `${formatIp(e.ip)}${dev}${lladdr} ${state} \n`;
}

function selected(ctx: CommandContext, f: Filter, now: number): { e: NeighEntry; state: NudState }[] {
  return ctx.state.neighbours.entries()
    .map((e) => ({ e, state: ctx.state.neighbours.state(e, now) }))
    .filter(({ e, state }) => (f.dev === undefined || e.dev === f.dev) && (f.ip === undefined || e.ip === f.ip) && (f.nud === undefined || f.nud === 'ALL' || f.nud === state));
}

/**
 * iproute2's ll_addr_a2n(): colon-separated parts, each read as sscanf("%x") reads it (leading hex digits: `0g` is 0),
 * at most 255; the text of its error for a part that is not; undefined for what is not six parts (not modelled).
 */
function parseLladdr(text: string): string | CommandResult | undefined {
  const parts = text.split(':');
  const bytes: string[] = [];
  for (const part of parts) {
    const digits = /^[0-9a-fA-F]+/.exec(part.trim())?.[0];
    const n = digits === undefined ? NaN : parseInt(digits, 16);
    if (!(n <= 255)) return fail(`"${part}" is invalid lladdr.\n`, 1);
    bytes.push(n.toString(16).padStart(2, '0'));
  }
  return bytes.length === 6 ? bytes.join(':') : undefined;
}

/** The NUD states `ip neigh add|replace ... nud S` sets that the table models (static, or learned and aging). */
const SETTABLE_NUD: ReadonlySet<string> = new Set(['permanent', 'reachable', 'stale']);

function change(verb: 'add' | 'replace' | 'delete', args: readonly string[], ctx: CommandContext): CommandResult {
  let ip: number | undefined;
  let dev: string | undefined;
  let lladdr: string | undefined;
  let nud = 'permanent';
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === 'dev' || a === 'lladdr' || a === 'nud' || a === 'to') {
      const v = args[++i];
      if (v === undefined) return incomplete();
      if (a === 'dev') dev = v;
      else if (a === 'lladdr') lladdr = v;
      else if (a === 'nud' && !SETTABLE_NUD.has(v)) return unsupported(`ip neigh ${verb} nud ${v}`);
      else if (a === 'nud') nud = v;
      else if (a === 'to') ip = parseIp(v);
    } else ip = parseIp(a);
  }
  if (dev === undefined) return fail('Device and destination are required arguments.', 255);
  if (!ctx.state.ifaces.has(dev)) return fail(`Cannot find device "${dev}"`, 1);
  if (ip === undefined) return fail('Device and destination are required arguments.', 255);
  const table = ctx.state.neighbours;
  if (verb === 'delete') return table.delete(dev, ip) ? ok() : rtnetlink('No such file or directory');
  const existing = table.get(dev, ip);
  const mac = lladdr === undefined ? existing?.lladdr : parseLladdr(lladdr);
  if (typeof mac === 'object') return mac;
  // Without a MAC the kernel keeps the entry's own; an entry without one is not modelled.
  if (mac === undefined) return unsupported(`ip neigh ${verb} without a MAC lladdr`);
  if (verb === 'add' && existing !== undefined) return rtnetlink('File exists');
  table.setEntry(dev, ip, mac, nud === 'permanent' ? 'PERMANENT' : nud === 'stale' ? 'STALE' : 'REACHABLE', ctx.sim.dp.nowMs);
  return ok();
}

export function ipNeigh(args: readonly string[], ctx: CommandContext): CommandResult {
  const [verb = 'show', ...rest] = args;
  const now = ctx.sim.dp.nowMs;
  if (matches(verb, 'show') || matches(verb, 'list')) {
    const f = parseFilter(rest, ctx);
    if ('exitCode' in f) return f;
    return ok(selected(ctx, f, now).map(({ e, state }) => line(e, state, f)).join(''));
  }
  if (matches(verb, 'flush')) {
    if (rest.length === 0) return fail('Flush requires arguments.', 1);
    const f = parseFilter(rest, ctx);
    if ('exitCode' in f) return f;
    // Flushing leaves static (PERMANENT) entries, as iproute2's default state filter does.
    for (const { e, state } of selected(ctx, f, now)) if (state !== 'PERMANENT') ctx.state.neighbours.delete(e.dev, e.ip);
    return ok();
  }
  if (verb === 'add' || verb === 'a') return change('add', rest, ctx);
  if (matches(verb, 'replace')) return change('replace', rest, ctx);
  if (verb === 'del' || matches(verb, 'delete')) return change('delete', rest, ctx);
  return unsupported(`ip neigh ${verb}`);
}
