// iproute2's ss (6.1) for TCP and UDP sockets (-s: ss-summary.ts): the place's listeners and its clients' connections
// in TIME-WAIT, laid out as ss lays out columns when stdout is not a terminal (misc/ss.c render_calc_width: each column
// as wide as its longest field, no screen-width spreading).
import { formatIp } from '../../topology/address.js';
import type { CommandResult } from '../../topology/trace.js';
import { unsupported } from '../commands/output.js';
import type { ToolContext } from '../tool-context.js';
import { getopt } from './getopt.js';
import { socketSummary, summaryText } from './ss-summary.js';
import { tcpServiceName, udpServiceName } from './tcp-services.js';

/** One socket row: the fields ss prints before the process column. */
interface SocketRow {
  readonly netid: 'tcp' | 'udp';
  readonly state: 'LISTEN' | 'UNCONN' | 'TIME-WAIT';
  readonly recvQ: number;
  readonly sendQ: number;
  readonly local: readonly [string, string];
  readonly peer: readonly [string, string];
  readonly process: string;
}

/** ss's columns (misc/ss.c `columns[]`): alignment, header and the delimiter printed before the field. */
const COLUMNS: readonly { readonly right: boolean; readonly header: string; readonly ldelim: string }[] = [
  { right: false, header: 'Netid', ldelim: '' },
  { right: false, header: 'State', ldelim: ' ' },
  { right: false, header: 'Recv-Q', ldelim: ' ' },
  { right: false, header: 'Send-Q', ldelim: ' ' },
  { right: true, header: 'Local Address:', ldelim: ' ' },
  { right: false, header: 'Port', ldelim: '' },
  { right: true, header: 'Peer Address:', ldelim: ' ' },
  { right: false, header: 'Port', ldelim: '' },
  { right: false, header: 'Process', ldelim: '' },
];

/** The backlog a listener's Send-Q shows: what the lab's servers pass to listen() (511, nginx's and httpd's default). */
const LISTEN_BACKLOG = 511;

interface SsOptions {
  readonly tcp: boolean;
  readonly udp: boolean;
  /** The states asked for: listening (-l), connected (default) or all (-a). */
  readonly states: 'listening' | 'connected' | 'all';
  readonly numeric: boolean;
  readonly processes: boolean;
  readonly header: boolean;
  /** -s: the summary first; alone (no table asked for) the summary only (misc/ss.c main: do_summary, do_default). */
  readonly summary: boolean;
}

const OPTSTRING = 'dhaletuwxnro460spbEf:mMiA:D:F:vVzZN:KHSO';
/** Options this model prints exactly; the others (details, timers, memory, other families) are refused as not modelled. */
const MODELLED = new Set(['t', 'u', 'l', 'a', 'n', 'p', '4', 'H', 's']);

function parseSs(args: readonly string[]): { ok: true; opts: SsOptions } | { ok: false; result: CommandResult } {
  const p = getopt(args, OPTSTRING, { numeric: null, listening: null, all: null, tcp: null, udp: null, processes: null, ipv4: null, 'no-header': null, summary: null },
    { numeric: 'n', listening: 'l', all: 'a', tcp: 't', udp: 'u', processes: 'p', ipv4: '4', 'no-header': 'H', summary: 's' });
  if (!p.ok) return { ok: false, result: { stdout: '', stderr: `ss: ${p.message}\n`, exitCode: 255 } };
  const other = p.options.find((o) => !MODELLED.has(o.key));
  if (other) return { ok: false, result: unsupported(`ss -${other.key}`) };
  if (p.operands.length > 0) return { ok: false, result: unsupported('ss state and address filters') };
  const has = (k: string): boolean => p.options.some((o) => o.key === k);
  const states = has('a') ? 'all' : has('l') ? 'listening' : 'connected';
  if (has('s') && !has('t') && !has('u')) return { ok: true, opts: { tcp: false, udp: false, states, numeric: true, processes: false, header: false, summary: true } };
  if (!has('t') && !has('u')) return { ok: false, result: unsupported('ss without -t or -u (netlink, unix and raw sockets)') };
  return { ok: true, opts: { tcp: has('t'), udp: has('u'), states, numeric: has('n'), processes: has('p'), header: !has('H'), summary: has('s') } };
}

/** The place's sockets as rows, in the order ss walks them: UDP, then TCP (listeners, then connections). */
function socketRows(ctx: ToolContext, o: SsOptions): SocketRow[] {
  const service = (port: number, proto: 'tcp' | 'udp'): string =>
    (o.numeric ? undefined : proto === 'tcp' ? tcpServiceName(port) : udpServiceName(port)) ?? String(port);
  const byPort = [...ctx.sockets.listeners()].sort((a, b) => a.port - b.port);
  const rows: SocketRow[] = [];
  const listening = o.states !== 'connected';
  for (const proto of ['udp', 'tcp'] as const) {
    if (!(proto === 'tcp' ? o.tcp : o.udp) || !listening) continue;
    for (const [fd, l] of byPort.entries()) {
      if (l.protocol !== proto) continue;
      rows.push({
        netid: proto, state: proto === 'tcp' ? 'LISTEN' : 'UNCONN', recvQ: 0, sendQ: proto === 'tcp' ? LISTEN_BACKLOG : 0,
        local: ['0.0.0.0:', service(l.port, proto)], peer: ['0.0.0.0:', '*'], process: o.processes ? processField(fd) : '',
      });
    }
  }
  // TIME-WAIT sockets belong to no process; the default (connected) states leave them out, -a shows them.
  if (o.tcp && o.states === 'all') {
    for (const c of ctx.sockets.log.timeWait(ctx.device, ctx.nowMs())) {
      rows.push({
        netid: 'tcp', state: 'TIME-WAIT', recvQ: 0, sendQ: 0,
        local: [`${formatIp(c.src)}:`, service(c.sport, 'tcp')], peer: [`${formatIp(c.dst)}:`, service(c.dport, 'tcp')], process: '',
      });
    }
  }
  return rows;
}

/**
 * `users:(("NAME",pid=N,fd=M))` as ss -p finds a socket's owner in /proc. [ASSUMED] The lab models no processes: one
 * server, the container's first process, with the listeners' sockets from fd 3 up. The namespace lab's servers are
 * node processes; compared outputs mask this field (sim/tools/mask.ts).
 */
function processField(index: number): string {
  return ` users:(("server",pid=1,fd=${3 + index}))`;
}

/** ss's compact layout: each column as wide as its longest field (plus its delimiter), right- or left-aligned. */
function render(lines: readonly (readonly string[])[], visible: readonly number[]): string {
  const widths = visible.map((col, k) => {
    const max = Math.max(...lines.map((l) => l[k]!.length));
    return k > 0 && max > 0 ? max + COLUMNS[col]!.ldelim.length : max;
  });
  return lines.map((fields) => {
    let out = '';
    for (const [k, col] of visible.entries()) {
      const c = COLUMNS[col]!;
      const delim = k > 0 ? c.ldelim : '';
      const field = fields[k]!;
      const pad = Math.max(0, widths[k]! - delim.length - field.length);
      out += c.right ? delim + ' '.repeat(pad) + field : delim + field + ' '.repeat(pad);
    }
    return `${out}\n`;
  }).join('');
}

/** `ss -tlnp`, `-uln`, `-tan`, `-tuln`...: the place's TCP/UDP sockets. */
export function ss(args: readonly string[], ctx: ToolContext): CommandResult {
  const parsed = parseSs(args);
  if (!parsed.ok) return parsed.result;
  const o = parsed.opts;
  const summary = o.summary ? summaryText(socketSummary(ctx)) : '';
  if (!o.tcp && !o.udp) return { stdout: summary, stderr: '', exitCode: 0 };
  // The Netid column shows when more than one socket table is listed; State always does here (-l asks for two states).
  const visible = COLUMNS.map((_, i) => i).filter((i) => i !== 0 || (o.tcp && o.udp));
  const rows = socketRows(ctx, o).map((r) => [r.netid, r.state, String(r.recvQ).padEnd(6), String(r.sendQ).padEnd(6), ...r.local, ...r.peer, r.process]);
  const lines = [...(o.header ? [COLUMNS.map((c) => c.header)] : []), ...rows].map((l) => visible.map((i) => l[i]!));
  return { stdout: summary + (lines.length > 0 ? render(lines, visible) : ''), stderr: '', exitCode: 0 };
}
