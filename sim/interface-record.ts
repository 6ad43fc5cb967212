// An interface's mutable state in the simulator (IfaceState, made as an InterfaceRecord by its device's state): its
// addresses, MTU, up/down and hairpin mode, and what the pipeline resolved about it once; its `up` moves the link state
// epoch that memos of carriers follow, its `addrs` tell the device (sim/device-state.ts).
import type { IfAddr } from '../topology/address.js';
import type { Interface } from '../topology/model.js';
import type { DeviceState } from './device-state.js';
import type { LinkCounters } from './link-stats.js';

/** How many times any interface went up or down: what a carrier (carrierOf) depends on besides the model. */
let linkStateChanges = 0;

/** The count of interfaces' up/down changes so far (memos of carriers are kept while it stays). */
export function linkStateEpoch(): number {
  return linkStateChanges;
}

export interface IfaceState {
  readonly name: string;
  readonly kind: Interface['kind'];
  readonly mac: string;
  readonly segment?: string;
  readonly master?: string;
  readonly peer?: Interface['peer'];
  /** A bridge port in hairpin mode: `bridge link set dev PORT hairpin on|off` changes it. */
  hairpin: boolean;
  /** Replaced whole when addresses change, never edited in place (a new state shares the model's list). */
  addrs: readonly IfAddr[];
  mtu: number;
  up: boolean;
  /** A bridge whose MTU was set to a new value by hand: it no longer follows its ports' smallest MTU. */
  mtuSetByUser?: boolean;
}

/** An interface's state; assigning its `addrs` (the only way they change) tells the device (its local address set). */
type InterfaceFields = { -readonly [K in Exclude<keyof IfaceState, 'addrs' | 'mac' | 'up'>]: IfaceState[K] };
export interface InterfaceRecord extends InterfaceFields {}
export class InterfaceRecord implements IfaceState {
  /** The model's list until the first assignment (lists are replaced, never edited: IfaceState.addrs is readonly). */
  private addrList: readonly IfAddr[];
  /** The bridge interface named by `master`, resolved on the first carrier check (null: none such). */
  masterIface?: IfaceState | null;
  /** The veth peer's device state and interface, resolved on the first carrier check (null: no such device or interface). */
  peerLink?: { readonly state: DeviceState; readonly iface: IfaceState } | null;
  /** What the Dataplane resolved about the link behind this interface on the first frame sent (Dataplane.linkOf). */
  link?: unknown;
  /** Its RX/TX counters (sim/link-stats.ts), from its first frame. */
  linkCounters?: LinkCounters;

  /** The model's interface: its MAC is read on first use (a large lab's pod MACs are derived when read). */
  private readonly model: Interface;
  private macText?: string;
  private isUp: boolean;

  constructor(i: Interface, private readonly owner: { readdressed(): void }) {
    this.model = i;
    this.name = i.name; this.kind = i.kind; this.segment = i.segment; this.master = i.master; this.peer = i.peer;
    this.hairpin = i.hairpin === true; this.mtu = i.mtu; this.isUp = true;
    this.addrList = i.addrs;
  }

  get up(): boolean {
    return this.isUp;
  }

  /** Every change of an interface's state goes through here: the link state epoch moves (carriers may change). */
  set up(v: boolean) {
    if (v !== this.isUp) linkStateChanges++;
    this.isUp = v;
  }

  get mac(): string {
    return (this.macText ??= this.model.mac);
  }

  get addrs(): readonly IfAddr[] {
    return this.addrList;
  }

  set addrs(v: readonly IfAddr[]) {
    this.addrList = v;
    this.owner.readdressed();
  }
}

/** Whether an interface holds `ip` among its addresses. */
export function holds(i: IfaceState, ip: number): boolean {
  const addrs = i.addrs;
  for (let k = 0; k < addrs.length; k++) if (addrs[k]!.ip === ip) return true;
  return false;
}
