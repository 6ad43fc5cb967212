// net-tools 2.10's `netstat -s`: statistics.c's walk over /proc/net/snmp and /proc/net/netstat (sim/proc-net-snmp.ts
// lays them out), with its tables, its bsearch over them (some are not sorted, so a few titles print as `Name: value`),
// the histogram titles and the indentation it carries from one section to the next. Other netstat modes, and a place
// that saw TCP (whose Tcp counters the simulator does not keep), are not modelled.
import type { CommandResult } from '../../topology/trace.js';
import type { CommandContext } from './index.js';
import { ok, unsupported } from './output.js';
import { sawTcp } from '../ip-mib.js';
import { mibRows, procNetNetstat, procNetSnmp } from '../proc-net-snmp.js';
import { ICMP_TAB, IP_TAB, TCPEXT_TAB, TCP_TAB, UDP_TAB, type Entry, type EntryType } from './netstat-tables.js';

const TABLES: Readonly<Record<string, readonly Entry[]>> = { Ip: IP_TAB, Icmp: ICMP_TAB, Tcp: TCP_TAB, Udp: UDP_TAB, TcpExt: TCPEXT_TAB };
const INDENT: Readonly<Record<EntryType, number>> = { number: 4, opt_number: 4, i_forward: 4, i_inp_icmp: 8, i_outp_icmp: 8, i_rto_alg: 0 };
const HISTOGRAM: Partial<Record<EntryType, string>> = { i_inp_icmp: 'ICMP input histogram:', i_outp_icmp: 'ICMP output histogram:' };

/** glibc's bsearch with strcmp: on an unsorted table it can miss a title that is there. */
function bsearch(table: readonly Entry[], title: string): Entry | undefined {
  let lo = 0;
  let hi = table.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const t = table[mid]![0];
    if (title < t) hi = mid;
    else if (title > t) lo = mid + 1;
    else return table[mid];
  }
  return undefined;
}

const pad = (n: number): string => ' '.repeat(n);

/** statistics.c's printer: the current state (indentation and histogram) carries across sections it does not reset. */
class Printer {
  private state: EntryType = 'number';
  out = '';

  section(title: string): readonly Entry[] | undefined {
    this.out += `${title}:\n`;
    const table = TABLES[title];
    if (table) this.state = 'number';
    return table;
  }

  value(table: readonly Entry[] | undefined, title: string, val: bigint): void {
    const ent = table ? bsearch(table, title) : undefined;
    if (!ent) {
      if (val !== 0n) this.out += `${pad(INDENT[this.state])}${title}: ${val}\n`;
      return;
    }
    let [, format, type] = ent;
    if (ent[3]) return; // I_STATIC: only with netstat's static option, which the CLI does not set
    if (format === '') return;
    if (ent[4] && this.state !== type) this.out += `${pad(INDENT[this.state])}${HISTOGRAM[type]}\n`;
    let text = '';
    if (type === 'number' || (type === 'opt_number' && val !== 0n)) text = format.replace('%llu', String(val));
    else if ((type === 'i_inp_icmp' || type === 'i_outp_icmp') && val > 0n) text = format.replace('%llu', String(val));
    else if (type === 'i_forward') {
      type = 'number';
      text = format.replace('%s', val === 2n ? 'enabled' : 'disabled');
    }
    if (text !== '') this.out += `${pad(INDENT[type])}${text}\n`;
    this.state = type;
  }
}

/** strtoull: a negative value wraps around (MaxConn -1). */
const toU64 = (v: string): bigint => BigInt.asUintN(64, BigInt(v));

/** The text `netstat -s` prints for the /proc files' TEXTS, in order. */
export function netstatStatistics(texts: readonly string[]): string {
  const p = new Printer();
  for (const text of texts) {
    for (const row of mibRows(text)) {
      const table = p.section(row.title);
      row.names.forEach((n, i) => p.value(table, n, toU64(row.values[i] ?? '0')));
    }
  }
  return p.out;
}

export function netstat(args: readonly string[], ctx: CommandContext): CommandResult {
  if (ctx.state.device.kind === 'pod') return unsupported('netstat in a pod (the images have busybox\'s applet, not net-tools)');
  if (args.length !== 1 || !['-s', '--statistics'].includes(args[0]!)) return unsupported(`netstat ${args.join(' ')} (only netstat -s is)`);
  if (sawTcp(ctx.state)) return unsupported('netstat -s at a place that saw TCP (the Tcp counters are not kept)');
  return ok(netstatStatistics([procNetSnmp(ctx.state), procNetNetstat(ctx.state)]));
}
