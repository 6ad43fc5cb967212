// One journey's bookkeeping (the steps it records, its simulated time, the devices it entered) and how a journey
// ends (Outcome): shared by the forwarding pipeline (engine.ts), its ICMP errors and the probe that sends it.
import type { Interface } from '../topology/model.js';
import type { Dataplane } from './dataplane.js';
import { DEVICE_MS, linkDelayMs, type CtEntry, type Packet } from './packet.js';
import type { RateLimiter } from './ratelimit.js';
import type { Disposition, Step } from '../topology/trace.js';

/** How a journey through the network ended. */
export type Outcome =
  | { readonly kind: 'delivered'; readonly device: string; readonly packet: Packet }
  | {
    readonly kind: 'icmp'; readonly device: string; readonly error: Packet; readonly disposition: Disposition;
    /** Sent straight out of the bridge port the offending frame came in by, bypassing NAT (a reset for bridged traffic). */
    readonly natBypass?: boolean;
  }
  | { readonly kind: 'dropped'; readonly device: string; readonly disposition: Disposition }
  | {
    readonly kind: 'local-error'; readonly device: string; readonly errno: LocalErrno; readonly disposition: Disposition; readonly from?: number; readonly mtu?: number;
    /** A REJECT in the prober's own OUTPUT chain: the ICMP error it delivers locally besides failing the send. */
    readonly rejectIcmp?: { readonly type: number; readonly code: number };
  };

export type LocalErrno = 'ENETUNREACH' | 'EHOSTUNREACH' | 'EACCES' | 'EINVAL' | 'EPERM' | 'EMSGSIZE';

/** Mutable bookkeeping of one journey (a probe's way out, or the answer's way back). */
export class Journey {
  readonly steps: Step[] = [];
  elapsedMs = 0;
  /** Lab time (ms after nowMs) at which this journey starts: an answer leaves when the probe arrived (tap timestamps). */
  baseMs = 0;
  private hops = 0;
  /** The devices the packet entered, in order (a device entered twice means a routing loop). */
  readonly visited: string[] = [];
  /** Whether decisions are recorded as steps; call sites test it so that no step text or closure is built otherwise. */
  readonly recording: boolean;
  /** The far end of the veth the current frame was sent through: the bridge port it came in by, when it reached a bridge. */
  cameThrough?: Interface['peer'];
  /** Set by a bridged DNAT for the egress it leads to: the frame is switched, so it may not leave by its own port. */
  bridgedBackFrom?: Interface['peer'];
  constructor(
    readonly dp: Dataplane,
    readonly direction: 'out' | 'back',
    /** NAT mappings of the whole probe (shared by both directions). */
    readonly conntrack: CtEntry[],
    readonly limiter: RateLimiter,
    readonly probeSeq: number,
  ) {
    this.recording = dp.recordSteps;
  }

  /** Records a decision; the text is only built when the dataplane records steps (explain, tests). */
  step(device: string, decision: () => string, iface?: { in?: string; out?: string }): void {
    if (this.recording) this.note(device, decision(), iface);
  }

  /**
   * Records a decision already put into words: the hot path tests `recording` itself and calls this, so its functions
   * hold no closure (a closure over a function's locals costs a context allocation on every call, recording or not).
   */
  note(device: string, decision: string, iface?: { in?: string; out?: string }): void {
    this.steps.push({ direction: this.direction, device, in: iface?.in, out: iface?.out, decision });
  }

  cross(kind: Parameters<typeof linkDelayMs>[0]): void {
    this.elapsedMs += linkDelayMs(kind, this.dp.seed, this.probeSeq, this.hops++ + (this.direction === 'back' ? 1000 : 0)) + DEVICE_MS;
  }
}
