// `arp` reading the neighbour table as /proc/net/arp shows it: net-tools 2.10's table (`arp -n`) and BSD lines
// (`arp -a`), busybox's applet (always BSD lines, two spaces before `on`). Changing entries is not modelled.
import { formatIp, parseIp } from '../../topology/address.js';
import type { CommandResult } from '../../topology/trace.js';
import type { CommandContext } from './index.js';
import { ok, unsupported } from './output.js';

/** An ARP cache line as /proc/net/arp gives it: complete (ATF_COM) with its MAC, permanent (ATF_PERM) or neither. */
export interface ArpEntry {
  readonly ip: string;
  /** The MAC of a complete entry; undefined: `(incomplete)` (INCOMPLETE and FAILED entries). */
  readonly mac?: string;
  readonly permanent: boolean;
  readonly dev: string;
}

export const ARP_TABLE_HEADER = 'Address                  HWtype  HWaddress           Flags Mask            Iface\n';

/** net-tools' arp_disp(): `%-23.23s  `, then `%-8.8s%-20.20s` type and address, `%-6.6s%-15.15s %s` flags, mask, dev. */
export function arpTableLine(e: ArpEntry): string {
  const cut = (s: string, n: number) => s.slice(0, n).padEnd(n);
  const flags = e.mac === undefined ? '' : `C${e.permanent ? 'M' : ''}`;
  return `${cut(e.ip, 23)}  ${cut(e.mac === undefined ? '' : 'ether', 8)}${cut(e.mac ?? '(incomplete)', 20)}${cut(flags, 6)}${cut('', 15)} ${e.dev}\n`;
}

/** arp_disp_2() (net-tools -a) and busybox's arp_disp(): `? (IP) at MAC [ether] on DEV`. */
export function arpBsdLine(e: ArpEntry, busybox: boolean): string {
  const at = e.mac === undefined ? '<incomplete> ' : `${e.mac} [ether] `;
  return `? (${e.ip}) at ${at}${e.permanent ? 'PERM ' : ''}${busybox ? ' ' : ''}on ${e.dev}\n`;
}

interface ArpOptions {
  readonly bsd: boolean;
  readonly dev?: string;
  readonly host?: string;
}

function parse(args: readonly string[]): ArpOptions | CommandResult {
  let bsd = false;
  let dev: string | undefined;
  let host: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '-i' || a === '--device') {
      dev = args[++i];
      if (dev === undefined) return unsupported('arp -i without a device');
    } else if (/^-[anv]+$/.test(a)) bsd ||= a.includes('a');
    else if (a.startsWith('-')) return unsupported(`arp ${a}`);
    else if (host === undefined) host = a;
    else return unsupported(`arp ${args.join(' ')}`);
  }
  return { bsd, ...(dev !== undefined ? { dev } : {}), ...(host !== undefined ? { host } : {}) };
}

export function arp(args: readonly string[], ctx: CommandContext): CommandResult {
  const o = parse(args);
  if (!('bsd' in o)) return o;
  const busybox = ctx.state.device.toolset === 'busybox' || ctx.state.device.kind === 'pod';
  const host = o.host === undefined ? undefined : parseIp(o.host);
  if (o.host !== undefined && host === undefined) return unsupported('arp with a host name');
  const table = ctx.state.neighbours;
  const now = ctx.sim.dp.nowMs;
  const all = table.entries().map((e) => ({ e, state: table.state(e, now) }));
  const shown: ArpEntry[] = all
    .filter(({ e }) => (o.dev === undefined || e.dev === o.dev) && (host === undefined || e.ip === host))
    .map(({ e, state }) => ({
      ip: formatIp(e.ip), dev: e.dev, permanent: state === 'PERMANENT',
      ...(state !== 'INCOMPLETE' && state !== 'FAILED' && e.lladdr !== undefined ? { mac: e.lladdr } : {}),
    }));
  if (shown.length === 0) return noMatch(o, busybox, all.length);
  if (busybox || o.bsd) return ok(shown.map((e) => arpBsdLine(e, busybox)).join(''));
  return ok(ARP_TABLE_HEADER + shown.map(arpTableLine).join(''));
}

/** What arp says when nothing is shown (exit 0): nothing for a whole empty cache, else its "no match" line. */
function noMatch(o: ArpOptions, busybox: boolean, entries: number): CommandResult {
  if (o.host !== undefined && !busybox) return ok(`${o.host} (${o.host}) -- no entry\n`);
  if (o.host === undefined && o.dev === undefined) return ok();
  return ok(busybox ? `No match found in ${entries} entries\n` : `arp: in ${entries} entries no match found.\n`);
}
