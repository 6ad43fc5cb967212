// iproute2 6.1's `nstat -a` (absolute values) for the counters the simulated traffic moves, read from the place's
// /proc/net/snmp and /proc/net/netstat (sim/proc-net-snmp.ts): the Ip line (no fragments or reassembly), Icmp and
// IcmpMsg, Udp, and IpExt's octets, no-route and multicast counts, named exactly: `nstat -az IcmpOutTimeExcds
// IpOutNoRoutes`. Deltas (no -a: a history file), patterns and the other counters (Tcp, TcpExt, Ip6, ...) are not modelled,
// nor are the Ip counters of a place that saw TCP (only the handshake's packets are simulated).
import type { CommandResult } from '../../topology/trace.js';
import type { CommandContext } from './index.js';
import { ok, unsupported } from './output.js';
import { sawTcp } from '../ip-mib.js';
import { kernelCounters } from '../proc-net-snmp.js';

/** One counter as nstat prints it: `%-32s%-16llu%6.1f` (the rate is 0.0 without its daemon). */
export function nstatLine(name: string, value: number): string {
  return `${name.padEnd(32)}${String(value).padEnd(16)}${'0.0'.padStart(6)}\n`;
}

/** The counters the simulator keeps, by nstat name. */
const MODELLED = /^(?:Ip(?!Reasm|FragOKs|FragCreates|Ext)\w+|Icmp(?!Msg)\w+|IcmpMsg(?:In|Out)Type\d+|Udp(?!Lite)\w+|IpExt(?:InNoRoutes|InOctets|OutOctets|InNoECTPkts|OutMcastPkts|OutMcastOctets))$/;
const WHAT = 'the simulator counts the Ip, Icmp, IcmpMsg and Udp counters and IpExt octets, no-routes and multicasts, named exactly';

export function nstat(args: readonly string[], ctx: CommandContext): CommandResult {
  let absolute = false;
  let zeros = false;
  const names: string[] = [];
  for (const a of args) {
    if (/^-[asz]+$/.test(a)) {
      absolute ||= a.includes('a');
      zeros ||= a.includes('z');
    } else if (a.startsWith('-')) return unsupported(`nstat ${a}`);
    else if (MODELLED.test(a)) names.push(a);
    else return unsupported(`nstat ${a} (${WHAT})`);
  }
  if (!absolute) return unsupported('nstat without -a (deltas since its history file)');
  if (names.length === 0) return unsupported(`nstat without counter names (${WHAT})`);
  if (sawTcp(ctx.state) && names.some((n) => n.startsWith('Ip'))) return unsupported('nstat Ip counters at a place that saw TCP (only the handshake is simulated)');
  const wanted = new Set(names);
  let out = '#kernel\n';
  for (const [name, value] of kernelCounters(ctx.state)) {
    if (wanted.has(name) && (zeros || value !== 0)) out += nstatLine(name, value);
  }
  return ok(out);
}
