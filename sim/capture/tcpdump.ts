// tcpdump 4.99.3 on the simulator: its options, header and trailer lines (stderr), a live capture as a job that
// runs while other commands do and ends on Ctrl-C or -c N, `-w FILE` into the place's files and `-r FILE` back.
import type { Dataplane } from '../dataplane.js';
import { getopt } from '../tools/getopt.js';
import type { CommandResult } from '../../topology/trace.js';
import { decodeFrame } from './decode.js';
import { compileFilter, FilterError } from './filter.js';
import { LINKTYPE_LINUX_SLL2, readPcap } from './pcap.js';
import { printFrame, type PrintOptions, type TcpSeqState } from './print.js';
import { Capture, captureSession } from './session.js';
import { readPlaceFile, writePlaceFile } from './place-files.js';

export interface TcpdumpOptions {
  readonly iface?: string;
  readonly print: PrintOptions;
  readonly count?: number;
  readonly writeFile?: string;
  readonly readFile?: string;
  readonly filter: string;
}

const LINK_NAMES = (linktype: number) => (linktype === LINKTYPE_LINUX_SLL2 ? 'LINUX_SLL2 (Linux cooked v2)' : 'EN10MB (Ethernet)');
const USAGE_HINT = 'tcpdump: ';

/** tcpdump's options (what it accepts and the simulator models). */
export function parseTcpdump(args: readonly string[]): { ok: true; opts: TcpdumpOptions } | { ok: false; result: CommandResult } {
  const parsed = getopt(args, 'c:i:nevqtw:r:ls:AXx');
  if (!parsed.ok) return { ok: false, result: { stdout: '', stderr: `tcpdump: ${parsed.message}\n`, exitCode: 1 } };
  let numeric = false, ether = false, verbose = 0, quiet = false, tCount = 0;
  const dumps = { A: 0, X: 0, x: 0 };
  let iface: string | undefined, count: number | undefined, writeFile: string | undefined, readFile: string | undefined;
  for (const o of parsed.options) {
    if (o.key === 'n') numeric = true;
    else if (o.key === 'e') ether = true;
    else if (o.key === 'v') verbose++;
    else if (o.key === 'q') quiet = true;
    else if (o.key === 't') tCount++;
    else if (o.key === 'i') iface = o.value;
    else if (o.key === 'w') writeFile = o.value;
    else if (o.key === 'r') readFile = o.value;
    else if (o.key === 'c') {
      const n = Number(o.value);
      if (!Number.isInteger(n) || n <= 0) return { ok: false, result: { stdout: '', stderr: `tcpdump: invalid packet count ${o.value}\n`, exitCode: 1 } };
      count = n;
    } else if (o.key === 'A' || o.key === 'X' || o.key === 'x') dumps[o.key]++;
  }
  // -X wins over -x, -x over -A (print.c).
  const kind = (['X', 'x', 'A'] as const).find((k) => dumps[k] > 0);
  const dump = kind ? { dump: { kind, count: dumps[kind] } } : {};
  const time = tCount === 0 ? 'clock' : tCount >= 4 ? 'date' : 'none';
  const opts: TcpdumpOptions = { iface, count, writeFile, readFile, filter: parsed.operands.join(' '), print: { numeric, ether, verbose, quiet, time, ...dump } };
  return { ok: true, opts };
}

function filterError(e: unknown): CommandResult {
  if (e instanceof FilterError) return { stdout: '', stderr: `${USAGE_HINT}${e.message}\n`, exitCode: 1 };
  throw e;
}

/** `tcpdump -r FILE`: the file's frames as lines; stderr names the file and its link type (no trailer). */
export function readCapture(dp: Dataplane, device: string, opts: TcpdumpOptions): CommandResult {
  const path = opts.readFile!;
  const bytes = readPlaceFile(dp, device, path);
  if (!bytes) return { stdout: '', stderr: `tcpdump: ${path}: No such file or directory\n`, exitCode: 1 };
  const file = readPcap(bytes);
  if (!file.ok) return { stdout: '', stderr: `tcpdump: ${file.error}\n`, exitCode: 1 };
  const { linktype, records } = file.file;
  const reading = `reading from file ${path}, link-type ${LINK_NAMES(linktype)}, snapshot length ${file.file.snaplen}\n`;
  let test;
  try { test = compileFilter(opts.filter); } catch (e) { const r = filterError(e); return { ...r, stderr: `${reading}${r.stderr}` }; }
  const seqs: TcpSeqState = new Map();
  const out: string[] = [];
  for (const r of records) {
    if (opts.count !== undefined && out.length >= opts.count) break;
    if (test(decodeFrame(r.data, linktype))) out.push(`${printFrame(r.data, linktype, r.tsUs, opts.print, seqs)}\n`);
  }
  if (file.truncated) return { stdout: out.join(''), stderr: `${reading}tcpdump: pcap_loop: ${file.truncated}\n`, exitCode: 1 };
  return { stdout: out.join(''), stderr: reading, exitCode: 0 };
}

/** A live capture started by `tcpdump ...` at a place, until it is stopped. */
export interface TcpdumpJob {
  readonly capture: Capture;
  /** The header lines tcpdump printed when it started (stderr). */
  readonly header: string;
  /** Whether -c N has been reached (the job ended by itself). */
  done(): boolean;
  /** The packets' lines captured so far and not yet shown. */
  flush(): string;
  /** Ends the capture (`interrupt`: Ctrl-C or kill, as opposed to -c N ending it): the rest of the lines and the trailer. */
  stop(interrupt: boolean): CommandResult;
}

/** The interface tcpdump listens on without -i: the place's first up interface other than lo. */
function defaultIface(dp: Dataplane, device: string): string | undefined {
  for (const i of dp.state(device).ifaces.values()) if (i.kind !== 'loopback' && i.name !== 'lo' && i.up) return i.name;
  return undefined;
}

/** Starts a live capture: the job, or tcpdump's error (no such interface, a filter it cannot parse). */
export function startTcpdump(dp: Dataplane, device: string, opts: TcpdumpOptions): { ok: true; job: TcpdumpJob } | { ok: false; result: CommandResult } {
  const iface = opts.iface ?? defaultIface(dp, device) ?? 'lo';
  if (iface !== 'any' && !dp.state(device).ifaces.has(iface)) {
    return { ok: false, result: { stdout: '', stderr: `tcpdump: ${iface}: No such device exists\n(No such device exists)\n`, exitCode: 1 } };
  }
  let capture: Capture;
  try { capture = new Capture(device, iface, opts.filter, opts.count); } catch (e) { return { ok: false, result: filterError(e) }; }
  captureSession(dp).add(capture);
  const link = `listening on ${iface}, link-type ${LINK_NAMES(capture.linktype)}, snapshot length 262144 bytes\n`;
  const quietHeader = opts.print.verbose > 0 || opts.writeFile !== undefined;
  const header = `${iface === 'any' ? 'tcpdump: data link type LINUX_SLL2\n' : ''}${quietHeader ? `tcpdump: ${link}` : `tcpdump: verbose output suppressed, use -v[v]... for full protocol decode\n${link}`}`;
  let shown = 0;
  const seqs: TcpSeqState = new Map();
  const flush = (): string => {
    if (opts.writeFile !== undefined) return '';
    const frames = capture.sorted().slice(shown);
    shown += frames.length;
    return frames.map((f) => `${printFrame(f.data, capture.linktype, f.tsUs, opts.print, seqs, f.any)}\n`).join('');
  };
  const stop = (interrupt: boolean): CommandResult => {
    captureSession(dp).remove(capture);
    const n = capture.frames.length;
    if (opts.writeFile !== undefined) writePlaceFile(dp, device, opts.writeFile, capture.pcap());
    const lines = flush();
    const trailer = `${n} packet${n === 1 ? '' : 's'} captured\n${n} packet${n === 1 ? '' : 's'} received by filter\n0 packets dropped by kernel\n`;
    const blank = interrupt && !capture.full && opts.writeFile === undefined ? '\n' : '';
    return { stdout: `${lines}${blank}`, stderr: trailer, exitCode: 0 };
  };
  return { ok: true, job: { capture, header, done: () => capture.full, flush, stop } };
}
