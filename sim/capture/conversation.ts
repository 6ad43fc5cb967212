// A TCP conversation after the handshake as a capture sees it (only while something taps): the client's ACK and
// request, the server's ACK and response segments, the client's ACKs, then the client's FIN, the server's FIN and the
// last ACK, with Linux's flags, relative sequence numbers, windows and timestamps. Each segment crosses the listened
// interfaces where the handshake's SYN (client to server) or SYN-ACK (server to client) crossed them, with their
// addresses there (DNAT on cni0, the ClusterIP on the pod's eth0), shifted in time from the handshake's crossing.
import type { FrameEvent } from './tap.js';

/** The TCP part of a segment after the handshake, in numbers relative to each side's ISN + 1. */
export interface TcpSegment {
  readonly fromClient: boolean;
  /** TH_* flags: 0x10 ACK, 0x18 PSH|ACK, 0x11 FIN|ACK. */
  readonly flags: number;
  readonly seq: number;
  readonly ack: number;
  readonly payload?: Uint8Array;
  /** The Nth segment its sender sends after the handshake (its IP id counts on). */
  readonly index: number;
}

/** The handshake's crossings of the listened interfaces, the latest connection's. */
export class Handshake {
  private syn: FrameEvent[] = [];
  private synack: FrameEvent[] = [];
  private answered = false;

  /** Notes a SYN or SYN-ACK crossing (a new SYN at an interface already seen starts a new handshake). */
  note(ev: FrameEvent): void {
    const tcp = ev.packet?.tcp;
    if (tcp === 'syn') {
      const again = this.syn.some((e) => e.device === ev.device && e.iface === ev.iface && e.dir === ev.dir);
      if (again || this.answered) this.reset();
      this.syn.push(ev);
    } else if (tcp === 'synack') {
      this.answered = true;
      this.synack.push(ev);
    }
  }

  private reset(): void {
    this.syn = [];
    this.synack = [];
    this.answered = false;
  }

  /** The conversation's frames at the interfaces the handshake crossed (then forgets the handshake). */
  conversation(timing: ConversationTiming, request: Uint8Array, response: Uint8Array, mss: number): FrameEvent[] {
    const plan = segments(timing, request, response, mss);
    const out: FrameEvent[] = [];
    for (const s of plan) {
      const crossings = s.segment.fromClient ? this.syn : this.synack;
      const sentAt = s.segment.fromClient ? timing.synSentMs : timing.synSentMs + timing.toServerMs;
      for (const e of crossings) out.push({ ...e, atMs: s.atMs + (e.atMs - sentAt), segment: s.segment });
    }
    this.reset();
    return out;
  }
}

/** When the handshake happened: the SYN's send time at the client and the one-way times each way (ms). */
export interface ConversationTiming {
  readonly synSentMs: number;
  readonly toServerMs: number;
  readonly toClientMs: number;
}

/** How long each end takes before its next segment (ms): Linux's ACK right after the SYN-ACK, the app's work. */
const CLIENT_ACK_MS = 0.013, CLIENT_REQUEST_MS = 0.06, SERVER_ACK_MS = 0.005, SERVER_APP_MS = 0.6;
const CLIENT_READ_MS = 0.03, CLIENT_CLOSE_MS = 0.3, SERVER_CLOSE_MS = 0.13, LAST_ACK_MS = 0.005;
const ACK = 0x10, PSH_ACK = 0x18, FIN_ACK = 0x11;

/** The segments of a request/response exchange and the client-first close, at their send times. */
function segments(t: ConversationTiming, request: Uint8Array, response: Uint8Array, mss: number): { atMs: number; segment: TcpSegment }[] {
  const out: { atMs: number; segment: TcpSegment }[] = [];
  let ci = 0, si = 0;
  const client = (atMs: number, flags: number, seq: number, ack: number, payload?: Uint8Array) => out.push({ atMs, segment: { fromClient: true, flags, seq, ack, index: ci++, ...(payload ? { payload } : {}) } });
  const server = (atMs: number, flags: number, seq: number, ack: number, payload?: Uint8Array) => out.push({ atMs, segment: { fromClient: false, flags, seq, ack, index: si++, ...(payload ? { payload } : {}) } });
  const rq = request.length, rs = response.length;
  let now = t.synSentMs + t.toServerMs + t.toClientMs + CLIENT_ACK_MS;
  client(now, ACK, 0, 0);
  now += CLIENT_REQUEST_MS;
  client(now, PSH_ACK, 0, 0, request);
  now += t.toServerMs + SERVER_ACK_MS;
  server(now, ACK, 0, rq);
  now += SERVER_APP_MS;
  for (let at = 0; at < rs; at += mss) {
    const end = Math.min(rs, at + mss);
    server(now, end === rs ? PSH_ACK : ACK, at, rq, response.subarray(at, end));
    client(now + t.toClientMs + CLIENT_READ_MS, ACK, rq, end);
    now += 0.01;
  }
  now += t.toClientMs + CLIENT_READ_MS + CLIENT_CLOSE_MS;
  client(now, FIN_ACK, rq, rs);
  now += t.toServerMs + SERVER_CLOSE_MS;
  server(now, FIN_ACK, rs, rq + 1);
  now += t.toClientMs + LAST_ACK_MS;
  client(now, ACK, rq + 1, rs + 1);
  return out.sort((a, b) => a.atMs - b.atMs);
}
