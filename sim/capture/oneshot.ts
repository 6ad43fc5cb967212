// A command run while taps listen (`tracelab exec PLACE --tap PLACE:IFACE -- CMD`, lab.capture): each tap is a
// `tcpdump -n -i IFACE FILTER` at its place, started before the command and stopped after it; all frames in one pcap.
import type { Simulator } from '../simulator.js';
import type { CommandResult } from '../../topology/trace.js';
import { decodeFrame, type Decoded } from './decode.js';
import { LINKTYPE_ETHERNET, writePcap } from './pcap.js';
import { printFrame, type PrintOptions } from './print.js';
import { startTcpdump, type TcpdumpJob } from './tcpdump.js';

/** A tap: a device (already resolved from a place) and one of its interfaces, or `any`. */
export interface TapPoint {
  readonly device: string;
  readonly iface: string;
}

/** What one tap saw: tcpdump's stdout (packet lines) and stderr (header and trailer). */
export interface TapText {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number;
}

export interface TappedRun {
  readonly result: CommandResult;
  readonly taps: readonly TapText[];
  /** Every tapped frame in time order, as one Ethernet pcap file (tcpdump -w's format). */
  readonly pcap: Uint8Array;
}

const NUMERIC: PrintOptions = { numeric: true, ether: false, verbose: 0, quiet: false, time: 'clock' };

/** Starts a `tcpdump -n` job per tap (an error ends the run before the command: tcpdump's own words). */
function startTaps(sim: Simulator, taps: readonly TapPoint[], filter: string): { jobs: TcpdumpJob[] } | { failed: TapText; jobs: TcpdumpJob[] } {
  const jobs: TcpdumpJob[] = [];
  for (const t of taps) {
    const started = startTcpdump(sim.dp, t.device, { iface: t.iface, filter, print: NUMERIC });
    if (!started.ok) return { failed: started.result, jobs };
    jobs.push(started.job);
  }
  return { jobs };
}

export function runTapped(sim: Simulator, device: string, command: string, taps: readonly TapPoint[], filter = ''): TappedRun {
  const started = startTaps(sim, taps, filter);
  if ('failed' in started) {
    for (const j of started.jobs) j.stop(false);
    const before = started.jobs.map(() => ({ stdout: '', stderr: '', exitCode: 0 }));
    return { result: { stdout: '', stderr: '', exitCode: started.failed.exitCode }, taps: [...before, started.failed], pcap: writePcap(LINKTYPE_ETHERNET, []) };
  }
  const result = sim.run(device, command);
  const texts = started.jobs.map((j) => {
    const end = j.stop(true);
    return { stdout: end.stdout, stderr: `${j.header}${end.stderr}`, exitCode: 0 };
  });
  const frames = started.jobs.filter((j) => j.capture.iface !== 'any').flatMap((j) => j.capture.frames);
  return { result, taps: texts, pcap: writePcap(LINKTYPE_ETHERNET, [...frames].sort((a, b) => a.tsUs - b.tsUs)) };
}

/** One captured frame as data: its time (µs since the epoch), bytes, decoded fields and tcpdump -n line. */
export interface CapturedPacket {
  readonly tsUs: number;
  readonly bytes: Uint8Array;
  readonly decoded: Decoded;
  readonly line: string;
}

/** A capture a library user holds open while running commands (lab.capture). */
export interface LabCapture {
  /** The frames so far, as data and as tcpdump -n lines. */
  packets(): CapturedPacket[];
  /** tcpdump -n's text for the frames so far. */
  text(): string;
  /** The frames so far as a pcap file. */
  pcap(): Uint8Array;
  /** Stops listening (the tap goes when no capture is left). */
  stop(): void;
}

/** Opens a capture at DEVICE:IFACE with FILTER (throws tcpdump's error text for a bad interface or filter). */
export function openCapture(sim: Simulator, device: string, iface: string, filter = ''): LabCapture {
  const started = startTcpdump(sim.dp, device, { iface, filter, print: NUMERIC });
  if (!started.ok) throw new Error(started.result.stderr.trimEnd());
  const c = started.job.capture;
  const packets = (): CapturedPacket[] => {
    const seqs = new Map();
    return c.sorted().map((f) => ({ tsUs: f.tsUs, bytes: f.data, decoded: decodeFrame(f.data, c.linktype), line: printFrame(f.data, c.linktype, f.tsUs, NUMERIC, seqs, f.any) }));
  };
  return {
    packets,
    text: () => c.text(NUMERIC),
    pcap: () => c.pcap(),
    stop: () => { started.job.stop(false); },
  };
}
