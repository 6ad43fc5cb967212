// `ip neigh` (iproute2 6.1): show [dev D] [ADDR] [nud STATE], flush dev D|all|ADDR, add/replace ADDR lladdr MAC dev D
// (PERMANENT), del ADDR dev D; lines as print_neigh() writes them (`IP dev D lladdr MAC STATE `), IPv4 only.
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

function change(verb: 'add' | 'replace' | 'delete', args: readonly string[], ctx: CommandContext): CommandResult {
  let ip: number | undefined;
  let dev: string | undefined;
  let lladdr: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === 'dev' || a === 'lladdr' || a === 'nud' || a === 'to') {
      const v = args[++i];
      if (v === undefined) return incomplete();
      if (a === 'dev') dev = v;
      else if (a === 'lladdr') lladdr = v.toLowerCase();
      else if (a === 'nud' && v !== 'permanent') return unsupported(`ip neigh ${verb} nud ${v}`);
      else if (a === 'to') ip = parseIp(v);
    } else ip = parseIp(a);
  }
  if (dev === undefined) return fail('Device and destination are required arguments.', 255);
  if (!ctx.state.ifaces.has(dev)) return fail(`Cannot find device "${dev}"`, 1);
  if (ip === undefined) return fail('Device and destination are required arguments.', 255);
  const table = ctx.state.neighbours;
  if (verb === 'delete') return table.delete(dev, ip) ? ok() : rtnetlink('No such file or directory');
  if (lladdr === undefined || !/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/.test(lladdr)) return unsupported(`ip neigh ${verb} without a MAC lladdr`);
  if (verb === 'add' && table.get(dev, ip) !== undefined) return rtnetlink('File exists');
  table.setPermanent(dev, ip, lladdr);
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
