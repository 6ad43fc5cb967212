// procps-ng 4.0.2's `ps` on a node: `ps aux` (BSD), `ps -ef` (System V) and bare `ps`, with procps's column widths and
// the way a wider value borrows the padding of the columns after it; output is unlimited in width, as through a pipe.
import type { CommandResult } from '../../topology/trace.js';
import type { CommandContext } from './index.js';
import { nodeProcesses, startDate, type NodeProcess } from './node-processes.js';
import { ok, unsupported } from './output.js';
import { podPs } from './pod-processes.js';

/** A column: its width and side; the last column is never padded. */
interface Column {
  readonly width: number;
  readonly right: boolean;
}

const col = (width: number, right: boolean): Column => ({ width, right });

/** `ps aux`: USER PID %CPU %MEM VSZ RSS TTY STAT START TIME COMMAND. */
export const AUX_COLUMNS: readonly Column[] = [col(8, false), col(5, true), col(4, true), col(4, true), col(6, true), col(5, true), col(8, false), col(4, false), col(5, false), col(6, true), col(0, false)];
export const AUX_HEADER = ['USER', 'PID', '%CPU', '%MEM', 'VSZ', 'RSS', 'TTY', 'STAT', 'START', 'TIME', 'COMMAND'];
/** `ps -ef`: UID PID PPID C STIME TTY TIME CMD. */
export const EF_COLUMNS: readonly Column[] = [col(8, false), col(5, true), col(5, true), col(2, true), col(5, false), col(8, false), col(8, true), col(0, false)];
export const EF_HEADER = ['UID', 'PID', 'PPID', 'C', 'STIME', 'TTY', 'TIME', 'CMD'];
const BARE_COLUMNS: readonly Column[] = [col(5, true), col(8, false), col(8, true), col(0, false)];

/**
 * One line as procps prints it: columns one space apart; a value wider than its column pushes the rest right, and
 * the overflow is paid back from the padding of the columns that follow.
 */
export function psLine(columns: readonly Column[], cells: readonly string[]): string {
  let debt = 0;
  const parts = cells.map((text, i) => {
    const c = columns[i]!;
    if (i === cells.length - 1) return text;
    let pad = c.width - text.length;
    if (pad < 0) {
      debt -= pad;
      pad = 0;
    }
    const paid = Math.min(pad, debt);
    debt -= paid;
    pad -= paid;
    return c.right ? ' '.repeat(pad) + text : text + ' '.repeat(pad);
  });
  return `${parts.join(' ')}\n`;
}

/** procps shows a user name longer than 8 characters cut to 7 and `+`. */
function userName(name: string): string {
  return name.length > 8 ? `${name.slice(0, 7)}+` : name;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n: number) => String(n).padStart(2, '0');

/** START/STIME: the time of day within the last 24 hours, else month and day. */
function startText(startMs: number, nowMs: number): string {
  const d = startDate(startMs);
  if (nowMs - startMs < 24 * 3600_000) return `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}`;
  return `${MONTHS[d.getUTCMonth()]}${two(d.getUTCDate())}`;
}

/** %CPU as procps computes it: CPU time over the time since start, one decimal (whole above 99.9). */
function percent(part: number, whole: number): string {
  const p = whole > 0 ? (part * 100) / whole : 0;
  return p >= 99.95 ? String(Math.round(p)) : p.toFixed(1);
}

function auxCells(p: NodeProcess, nowMs: number, memKiB: number): string[] {
  const time = `${Math.trunc(p.cpuSeconds / 60)}:${two(p.cpuSeconds % 60)}`;
  return [userName(p.user), String(p.pid), percent(p.cpuSeconds * 1000, nowMs - p.startMs), percent(p.rssKiB, memKiB), String(p.vszKiB), String(p.rssKiB), p.tty, p.stat, startText(p.startMs, nowMs), time, p.command];
}

function efCells(p: NodeProcess, nowMs: number): string[] {
  const s = p.cpuSeconds;
  const c = Math.trunc((s * 100_000) / Math.max(1, nowMs - p.startMs));
  return [userName(p.user), String(p.pid), String(p.ppid), String(c), startText(p.startMs, nowMs), p.tty, `${two(Math.trunc(s / 3600))}:${two(Math.trunc(s / 60) % 60)}:${two(s % 60)}`, p.command];
}

type Style = 'aux' | 'ef' | 'bare';

/** The listing the arguments ask for; others are not modelled. */
function styleOf(args: readonly string[]): Style | undefined {
  const joined = args.join(' ');
  if (joined === '') return 'bare';
  if (/^-?(aux|axu)w{0,2}$/.test(joined)) return 'aux';
  if (/^(-ef|-e -f|-f -e|-fe)( ?-?ww?)?$/.test(joined) || joined === '-efww' || joined === '-efw') return 'ef';
  return undefined;
}

export function ps(args: readonly string[], ctx: CommandContext): CommandResult {
  const device = ctx.state.device;
  if (device.kind === 'pod') return podPs(args, device, ctx.sim.model.device(device.id) ?? device);
  if (device.kind !== 'node') return unsupported(`ps at a ${device.kind}`);
  const style = styleOf(args);
  if (style === undefined) return unsupported(`ps ${args.join(' ')}`);
  const model = ctx.sim.model;
  const nowMs = ctx.sim.dp.nowMs;
  const procs = nodeProcesses(model, device);
  if (style === 'bare') {
    const bash = procs.find((p) => p.command === '-bash')!;
    const last = procs.reduce((m, p) => Math.max(m, p.pid), 0);
    return ok(psLine(BARE_COLUMNS, ['PID', 'TTY', 'TIME', 'CMD']) + psLine(BARE_COLUMNS, [String(bash.pid), 'pts/0', '00:00:00', 'bash']) + psLine(BARE_COLUMNS, [String(last + 37), 'pts/0', '00:00:00', 'ps']));
  }
  if (style === 'ef') return ok(psLine(EF_COLUMNS, EF_HEADER) + procs.map((p) => psLine(EF_COLUMNS, efCells(p, nowMs))).join(''));
  const memKiB = model.vm.memoryMiB * 1024;
  return ok(psLine(AUX_COLUMNS, AUX_HEADER) + procs.map((p) => psLine(AUX_COLUMNS, auxCells(p, nowMs, memKiB))).join(''));
}
