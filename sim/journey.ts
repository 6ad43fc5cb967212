// One journey's bookkeeping (the steps it records, its simulated time, the devices it entered) and how a journey
// ends (Outcome): shared by the forwarding pipeline (engine.ts), its ICMP errors and the probe that sends it.
import type { Interface, LinkKind } from '../topology/model.js';
import type { Dataplane, DeviceState } from './dataplane.js';
import { DEVICE_MS, linkDelayKey, linkDelayMs, type CtEntry, type Packet } from './packet.js';
import type { RateLimiter } from './ratelimit.js';
import type { Disposition, Step } from '../topology/trace.js';

/** Slots a journey's visited list is made with (a probe of the three-node lab enters 1-4 devices per journey). */
const VISITED_SLOTS = 4;

/** What a released journey holds instead of a lab's objects (Journey.release). */
const NO_DATAPLANE = undefined as unknown as Dataplane;
const NO_LIMITER = undefined as unknown as RateLimiter;
const NO_CONNTRACK: CtEntry[] = [];
const NO_STEPS: Step[] = [];

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

/**
 * Mutable bookkeeping of one journey (a probe's way out, or the answer's way back). Fields are declared, not
 * initialised in the class body: with ES2022 class fields each one was defined as undefined and then assigned again
 * in the constructor (two stores and a map transition per field, for two journeys per probe).
 */
export class Journey {
  declare dp: Dataplane;
  declare direction: 'out' | 'back';
  /** NAT mappings of the whole probe (shared by both directions). */
  declare conntrack: CtEntry[];
  declare limiter: RateLimiter;
  declare probeSeq: number;
  declare steps: Step[];
  declare elapsedMs: number;
  /** Lab time (ms after nowMs) at which this journey starts: an answer leaves when the probe arrived (tap timestamps). */
  declare baseMs: number;
  /**
   * The devices the packet entered, in order, in slots 0 to visitedCount - 1 (a device entered twice means a routing
   * loop). Made with VISITED_SLOTS slots: an empty list's first push would allocate a 17-slot backing store per journey.
   */
  private declare readonly visited: string[];
  declare visitedCount: number;
  /** The state of the device entered last (probe.ts: the answering device's, without a lookup by name). */
  declare lastEntered: DeviceState | undefined;
  /** Whether decisions are recorded as steps; call sites test it so that no step text or closure is built otherwise. */
  declare recording: boolean;
  /** The far end of the veth the current frame was sent through: the bridge port it came in by, when it reached a bridge. */
  declare cameThrough: Interface['peer'] | undefined;
  /** Set by a bridged DNAT for the egress it leads to: the frame is switched, so it may not leave by its own port. */
  declare bridgedBackFrom: Interface['peer'] | undefined;
  /** The number of the next link crossing in the seeded delays (the way back counts from 1000). */
  private declare hop: number;
  /** The seeded hash of (seed, probe), the first half of every crossing's delay hash (packet.ts linkDelayMs). */
  private declare delayKey: number;

  constructor(dp: Dataplane, direction: 'out' | 'back', conntrack: CtEntry[], limiter: RateLimiter, probeSeq: number) {
    this.visited = new Array<string>(VISITED_SLOTS);
    this.start(dp, direction, conntrack, limiter, probeSeq);
  }

  /**
   * Sets every field but `visited` as a new journey has it (the constructor's, and a reused journey's start: probe.ts
   * reuses two per probe instead of making them). `visited` keeps its slots: only those below visitedCount are read.
   */
  start(dp: Dataplane, direction: 'out' | 'back', conntrack: CtEntry[], limiter: RateLimiter, probeSeq: number): void {
    this.dp = dp;
    this.direction = direction;
    this.conntrack = conntrack;
    this.limiter = limiter;
    this.probeSeq = probeSeq;
    this.steps = [];
    this.elapsedMs = 0;
    this.baseMs = 0;
    this.visitedCount = 0;
    this.lastEntered = undefined;
    this.recording = dp.recordSteps;
    this.cameThrough = undefined;
    this.bridgedBackFrom = undefined;
    this.hop = direction === 'back' ? 1000 : 0;
    this.delayKey = linkDelayKey(dp.seed, probeSeq);
  }

  /** A reused journey between probes keeps nothing of the lab alive (its next start sets every field again). */
  release(): void {
    this.dp = NO_DATAPLANE;
    this.conntrack = NO_CONNTRACK;
    this.limiter = NO_LIMITER;
    this.steps = NO_STEPS;
    this.lastEntered = undefined;
    this.cameThrough = undefined;
    this.bridgedBackFrom = undefined;
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

  /** The packet entered DEVICE, whose state is S. */
  enter(device: string, s: DeviceState): void {
    this.lastEntered = s;
    const n = this.visitedCount++;
    if (n < this.visited.length) this.visited[n] = device;
    else this.visited.push(device);
  }

  /** Whether the journey entered DEVICE more than once (a routing loop). */
  enteredTwice(device: string): boolean {
    let seen = 0;
    for (let k = 0; k < this.visitedCount; k++) if (this.visited[k] === device && ++seen === 2) return true;
    return false;
  }

  /** The devices the packet entered, in order (a new list). */
  visitedDevices(): string[] {
    return this.visited.slice(0, this.visitedCount);
  }

  cross(kind: LinkKind): void {
    this.elapsedMs += linkDelayMs(kind, this.delayKey, this.hop++) + DEVICE_MS;
  }
}
