// Captures on a simulated lab: each listens on one place's interface (or `any`) with a filter, collects the tap's
// frames as pcap records, and renders them as tcpdump text or a pcap file. The dataplane's tap is set only while
// a capture runs.
import type { Dataplane } from '../dataplane.js';
import { decodeFrame } from './decode.js';
import { compileFilter, type FrameTest } from './filter.js';
import { frameBytes } from './frame.js';
import { LINKTYPE_ETHERNET, LINKTYPE_LINUX_SLL2, sll2Frame, writePcap, type PcapRecord } from './pcap.js';
import { printFrame, type AnyColumns, type PrintOptions, type TcpSeqState } from './print.js';
import type { FrameEvent, TapSink } from './tap.js';
import { Handshake, type ConversationTiming } from './conversation.js';

/** Simulated wall clock at lab start (sim/simulator.ts's EPOCH_MS), in µs. */
const EPOCH_US = Date.UTC(2024, 0, 1) * 1000;

/** A captured frame: the pcap record and, for `-i any`, its interface and packet type. */
export interface CapturedFrame extends PcapRecord {
  readonly any?: AnyColumns;
}

export class Capture {
  /** The frames the filter let through, up to the -c limit. */
  readonly frames: CapturedFrame[] = [];
  private readonly test: FrameTest;
  constructor(readonly device: string, readonly iface: string, readonly filter: string, readonly limit = Infinity) {
    this.test = compileFilter(filter);
  }

  get linktype(): number {
    return this.iface === 'any' ? LINKTYPE_LINUX_SLL2 : LINKTYPE_ETHERNET;
  }

  /** Whether this capture is complete (-c N reached). */
  get full(): boolean {
    return this.frames.length >= this.limit;
  }

  take(ev: FrameEvent, bytes: Uint8Array, dp: Dataplane): void {
    if (this.full) return;
    const data = this.iface === 'any' ? sll2Frame(bytes, ifindexOf(dp, ev.device, ev.iface), ev.dir === 'out') : bytes;
    if (!this.test(decodeFrame(data, this.linktype))) return;
    const tsUs = EPOCH_US + Math.round(ev.atMs * 1000);
    this.frames.push(this.iface === 'any' ? { tsUs, data, any: { ifname: ev.iface, pkttype: pkttype(dp, ev) } } : { tsUs, data });
  }

  /** The frames in time order (probes in flight at once interleave as on the wire). */
  sorted(): CapturedFrame[] {
    return [...this.frames].sort((a, b) => a.tsUs - b.tsUs);
  }

  /** tcpdump's lines for the frames. */
  text(o: PrintOptions): string {
    const seqs: TcpSeqState = new Map();
    return this.sorted().map((f) => `${printFrame(f.data, this.linktype, f.tsUs, o, seqs, f.any)}\n`).join('');
  }

  pcap(): Uint8Array {
    return writePcap(this.linktype, this.sorted());
  }
}

function ifindexOf(dp: Dataplane, device: string, iface: string): number {
  return [...dp.state(device).ifaces.keys()].indexOf(iface) + 1;
}

/** AF_PACKET's packet type: outgoing, to this interface's MAC, broadcast, or another host's frame seen on a bridge port. */
function pkttype(dp: Dataplane, ev: FrameEvent): AnyColumns['pkttype'] {
  if (ev.dir === 'out') return 'Out';
  if (ev.dstMac === 'ff:ff:ff:ff:ff:ff') return 'B';
  return dp.state(ev.device).ifaces.get(ev.iface)?.mac === ev.dstMac ? 'In' : 'P';
}

/** The dataplane's tap while captures run: it hands each frame to the captures on its interface. */
export class CaptureSession implements TapSink {
  private readonly captures: Capture[] = [];
  private readonly keys = new Set<string>();
  private readonly handshake = new Handshake();

  constructor(private readonly dp: Dataplane) {}

  /** Starts CAPTURE (a FilterError from its expression is thrown before anything listens). */
  add(capture: Capture): Capture {
    this.captures.push(capture);
    this.keys.add(`${capture.device}|${capture.iface === 'any' ? '*' : capture.iface}`);
    this.dp.tap = this;
    return capture;
  }

  /** Stops CAPTURE; the tap goes when the last capture does. */
  remove(capture: Capture): void {
    const k = this.captures.indexOf(capture);
    if (k >= 0) this.captures.splice(k, 1);
    this.keys.clear();
    for (const c of this.captures) this.keys.add(`${c.device}|${c.iface === 'any' ? '*' : c.iface}`);
    if (this.captures.length === 0 && this.dp.tap === this) this.dp.tap = null;
  }

  listens(device: string, iface: string): boolean {
    return this.keys.has(`${device}|${iface}`) || this.keys.has(`${device}|*`);
  }

  frame(ev: FrameEvent): void {
    if (ev.packet?.tcp === 'syn' || ev.packet?.tcp === 'synack') this.handshake.note(ev);
    let bytes: Uint8Array | undefined;
    for (const c of this.captures) {
      if (c.device !== ev.device || (c.iface !== 'any' && c.iface !== ev.iface)) continue;
      bytes ??= frameBytes(ev, this.dp.seed);
      c.take(ev, bytes, this.dp);
    }
  }

  conversation(timing: ConversationTiming, request: string, response: string, mss: number): void {
    const latin1 = (text: string) => Uint8Array.from(text, (c) => c.charCodeAt(0) & 0xff);
    for (const ev of this.handshake.conversation(timing, latin1(request), latin1(response), mss)) this.frame(ev);
  }
}

/** The one capture session of a dataplane (captures from the shell, --tap and the library share it). */
const sessions = new WeakMap<Dataplane, CaptureSession>();

export function captureSession(dp: Dataplane): CaptureSession {
  let s = sessions.get(dp);
  if (!s) sessions.set(dp, (s = new CaptureSession(dp)));
  return s;
}
