// iproute2 6.1's `nstat -a` (absolute values) for the counters the simulated traffic moves (sim/snmp.ts: the ICMP MIB
// and IpForwDatagrams), named exactly: `nstat -az IcmpOutTimeExcds IpForwDatagrams ...`. Deltas (no -a: a history
// file), patterns and the other counters (Ip*, Tcp, Udp, TcpExt, ...) are not modelled.
import type { CommandResult } from '../../topology/trace.js';
import type { CommandContext } from './index.js';
import { ok, unsupported } from './output.js';
import { ICMP_COLUMNS, icmpCounters } from '../snmp.js';

/** One counter as nstat prints it: `%-32s%-16llu%6.1f` (the rate is 0.0 without its daemon). */
export function nstatLine(name: string, value: number): string {
  return `${name.padEnd(32)}${String(value).padEnd(16)}${'0.0'.padStart(6)}\n`;
}

const MSG = /^IcmpMsg(In|Out)Type(\d+)$/;

export function nstat(args: readonly string[], ctx: CommandContext): CommandResult {
  let absolute = false;
  let zeros = false;
  const names: string[] = [];
  for (const a of args) {
    if (/^-[asz]+$/.test(a)) {
      absolute ||= a.includes('a');
      zeros ||= a.includes('z');
    } else if (a.startsWith('-')) return unsupported(`nstat ${a}`);
    else if ((ICMP_COLUMNS.includes(a.replace(/^Icmp/, '')) && a.startsWith('Icmp')) || MSG.test(a) || a === 'IpForwDatagrams') names.push(a);
    else return unsupported(`nstat ${a} (the simulator counts IpForwDatagrams and the Icmp and IcmpMsg counters only, named exactly)`);
  }
  if (!absolute) return unsupported('nstat without -a (deltas since its history file)');
  if (names.length === 0) return unsupported('nstat without counter names (the simulator counts IpForwDatagrams and the Icmp and IcmpMsg counters only)');
  const c = icmpCounters(ctx.state);
  const wanted = new Set(names);
  let out = '#kernel\n';
  const show = (name: string, value: number) => {
    if (wanted.has(name) && (zeros || value !== 0)) out += nstatLine(name, value);
  };
  show('IpForwDatagrams', c.forwarded);
  for (const col of ICMP_COLUMNS) show(`Icmp${col}`, c.icmp.get(col) ?? 0);
  // The IcmpMsg line lists only the types seen, inbound first, each by type number.
  for (const [dir, m] of [['In', c.msgIn], ['Out', c.msgOut]] as const) {
    for (const type of [...m.keys()].sort((x, y) => x - y)) show(`IcmpMsg${dir}Type${type}`, m.get(type)!);
  }
  return ok(out);
}
