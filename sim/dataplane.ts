// The simulator's mutable state over a readonly LabModel: the devices' states (sim/device-state.ts), created on first
// touch, the L2 segment index that answers ARP, the bridges, the simulated clock and the capture tap.
import type { Device, LabModel, Route } from '../topology/model.js';
import { PrefixTable, pairSlot, type SharedFib } from './lpm.js';
import { copyTables, parseSave, type Tables } from './netfilter.js';
import { RateLimiter } from './ratelimit.js';
import type { LinkKind } from '../topology/model.js';
import type { TapSink } from './capture/tap.js';
import { DeviceState, addressingEpoch, holds, linkStateEpoch, type IfaceState, type InterfaceRecord } from './device-state.js';

export { DeviceState, type IfaceState } from './device-state.js';

export interface Attachment {
  readonly device: string;
  readonly iface: string;
}

/** Who answered ARP, with its device state and receiving interface. */
export interface Neighbour extends Attachment {
  readonly state: DeviceState;
  readonly ifaceState: IfaceState;
}

/**
 * An entry of the segment index, with its device state and interface once looked up (both never change identity), and
 * every neighbour handed out: one object shape from creation, so the engine's reads of a neighbour stay monomorphic.
 */
export class NeighbourRecord implements Attachment {
  constructor(
    readonly device: string,
    readonly iface: string,
    public state: DeviceState | undefined = undefined,
    public ifaceState: IfaceState | null | undefined = undefined,
  ) {}
}

type IndexedAttachment = NeighbourRecord;

const NO_ATTACHMENTS: readonly IndexedAttachment[] = Object.freeze([]);

/** What a frame sent out of an interface needs about its link, resolved once per interface (Dataplane.linkOf). */
export interface LinkInfo {
  readonly kind: LinkKind;
  /** The bridge that switches frames between the ports of this segment (a node's cni0), if it is a bridge segment. */
  readonly bridge: Attachment | undefined;
  /** The segment index's addresses of the interface's segment. */
  readonly addrs: ReadonlyMap<number, IndexedAttachment[]> | undefined;
}

/**
 * Slots of a link's kept answers, direct-mapped by address: a node's cni0 and eth1 send to several next hops in turn.
 * A link starts with 2 (most of a large lab's links are asked about one or two addresses) and has 8 from its first eviction.
 */
const FIRST_MEMO_BITS = 1;
const MEMO_BITS = 3;

/**
 * A LinkInfo with neighbourOn's answers for the asking interface's link, by address: the holder found for an address,
 * or undefined when nobody holds it. Kept while what decided them stays: the addresses (addressingEpoch, which every
 * address change and sysctl write moves, and the readdressed set, which only grows) and the carriers (linkStateEpoch,
 * which every interface going up or down moves); all are forgotten when one of them moves. The answers sit in one
 * array, address then holder (one object to load per frame: the lookup is bound by memory, not arithmetic).
 */
class LinkRecord implements LinkInfo {
  /** [address as int32, holder] by slot; an empty slot holds undefined. Cleared in place when an epoch moves. */
  answers: unknown[] | undefined = undefined;
  /** 32 minus the answers' slot bits. */
  answerShift = 32 - FIRST_MEMO_BITS;
  epoch = -1;
  linkState = -1;
  readdressed = -1;
  segment = '';
  askingDevice = '';
  askingIface = '';
  /** The bridge's device state, found on the first frame bridged (a device's state is made once and kept). */
  bridgeState: DeviceState | undefined = undefined;
  constructor(readonly kind: LinkKind, readonly bridge: Attachment | undefined, readonly addrs: ReadonlyMap<number, IndexedAttachment[]> | undefined) {}
}

/** The bridge interface `i` (of `s`) is enslaved to, kept on the interface (a port's master never changes). */
function masterOf(s: DeviceState, i: IfaceState): IfaceState | undefined {
  const rec = i as InterfaceRecord;
  if (rec.masterIface === undefined) rec.masterIface = s.ifaces.get(i.master!) ?? null;
  return rec.masterIface ?? undefined;
}

export class Dataplane {
  private readonly states = new Map<string, DeviceState>();
  private readonly sharedTables = new Map<string, SharedFib<Route>>();
  /** segment id -> address -> interfaces holding it in the model (built on the first neighbour lookup). */
  private segmentIndexCache?: Map<string, Map<number, IndexedAttachment[]>>;
  /** Devices whose addresses were changed at run time (scanned on neighbour lookups). */
  private readonly readdressed = new Set<string>();
  private readonly linkKinds: ReadonlyMap<string, LinkKind>;
  /** Bridge segments (a node's cni0) -> the bridge interface that switches frames between their ports. */
  private readonly bridges = new Map<string, Attachment>();
  /** Parsed netfilter tables of rule lists seen on two devices (never handed out: devices get copies). */
  private readonly parsedTables = new WeakMap<readonly string[], Tables>();
  private readonly parsedOnce = new WeakSet<readonly string[]>();
  /** Devices whose deleted shared routes were handed out or replaced (see withDeletedShared). */
  private readonly deletionWatch = new Set<DeviceState>();
  private readonly watchDeletions = (s: DeviceState): void => { this.deletionWatch.add(s); };
  /** ICMP and route-error token buckets, per device and peer. */
  readonly limiter = new RateLimiter();
  /** Whether probes record their decisions as steps (for --explain and pictures); off for raw speed. */
  recordSteps = true;
  /** Simulated time in milliseconds since the lab came up. */
  nowMs = 0;
  /** The capture listening to frames (sim/capture/tap.ts), or null: the engine's one check per crossing. */
  tap: TapSink | null = null;
  /** Neighbour resolutions that will fail: `device|iface|ip` -> when the current ARP attempt gives up (ms). */
  readonly arpFailsAt = new Map<string, number>();

  constructor(readonly model: LabModel, readonly seed = 1) {
    this.linkKinds = new Map(model.segments.map((g) => [g.id, g.linkKind]));
    const bridgeSegments = new Set(model.segments.filter((g) => g.kind === 'bridge').map((g) => g.id));
    for (const d of model.devices) {
      for (const i of d.interfaces) if (i.kind === 'bridge' && i.segment && bridgeSegments.has(i.segment)) this.bridges.set(i.segment, { device: d.id, iface: i.name });
    }
    for (const set of model.routeSets) this.sharedTables.set(set.id, { table: new PrefixTable(set.routes.map((r) => r.dst)), routes: set.routes, hits: [] });
  }

  private get segmentIndex(): Map<string, Map<number, IndexedAttachment[]>> {
    if (this.segmentIndexCache) return this.segmentIndexCache;
    const index = new Map<string, Map<number, IndexedAttachment[]>>();
    for (const d of this.model.devices) {
      for (const i of d.interfaces) {
        if (!i.segment || i.addrs.length === 0) continue;
        let bySeg = index.get(i.segment);
        if (!bySeg) index.set(i.segment, (bySeg = new Map()));
        for (const a of i.addrs) {
          const list = bySeg.get(a.ip);
          if (list) list.push(new NeighbourRecord(d.id, i.name));
          else bySeg.set(a.ip, [new NeighbourRecord(d.id, i.name)]);
        }
      }
    }
    return (this.segmentIndexCache = index);
  }

  linkKind(segment: string): LinkKind {
    return this.linkKinds.get(segment) ?? 'veth';
  }

  /** The bridge interface (and its device) that frames between two ports of a bridge segment pass through. */
  bridgeOf(segment: string): Attachment | undefined {
    return this.bridges.get(segment);
  }

  /**
   * The link behind an interface of a device (its segment's link kind, bridge and addresses), kept on the interface:
   * segments, bridges and the model's addresses never change (run-time readdressing is looked at by `neighbourOn`).
   */
  linkOf(iface: IfaceState): LinkInfo {
    const rec = iface as InterfaceRecord;
    if (rec.link === undefined) {
      const segment = iface.segment;
      rec.link = segment === undefined
        ? new LinkRecord('veth', undefined, undefined)
        : new LinkRecord(this.linkKind(segment), this.bridgeOf(segment), this.segmentIndex.get(segment));
    }
    return rec.link as LinkInfo;
  }

  /** The device state of LINK's bridge (LINK must have one), kept on the link record: no lookup by name per bridged frame. */
  bridgeStateOf(link: LinkInfo): DeviceState {
    const rec = link as LinkRecord;
    return rec.bridgeState ?? (rec.bridgeState = this.state(link.bridge!.device));
  }

  /** The device state state() answered last (a tool's probes come from one device: no Map lookup for each). */
  private lastState: DeviceState | undefined = undefined;

  /** Mutable state of a device, created on first use. */
  state(id: string): DeviceState {
    const last = this.lastState;
    if (last !== undefined && last.id === id) return last;
    let s = this.states.get(id);
    if (!s) {
      const device = this.model.device(id);
      if (!device) throw new Error(`unknown device ${id}`);
      const shared = device.sharedRoutes ? this.sharedTables.get(device.sharedRoutes) : undefined;
      const stopped = this.model.cluster.flannelStopped.includes(id);
      s = new DeviceState(device, this.tablesOf(device), shared, !stopped, this.watchDeletions);
      this.states.set(id, s);
    }
    this.lastState = s;
    return s;
  }

  /** A device's own netfilter tables; rules shared by many devices (every pod's) are parsed twice, then copied. */
  private tablesOf(device: Device): Tables {
    const lines = device.netfilter;
    let template = this.parsedTables.get(lines);
    if (template === undefined) {
      const first = !this.parsedOnce.has(lines);
      this.parsedOnce.add(lines);
      const parsed = parseSave(lines);
      if (!parsed.ok) throw new Error(`${device.id}: ${parsed.error}`);
      if (first) return parsed.value;
      this.parsedTables.set(lines, (template = parsed.value));
    }
    return copyTables(template);
  }

  /** A device's state if something made it already (undefined: the device is still as the model says). */
  peekState(id: string): DeviceState | undefined {
    return this.states.get(id);
  }

  touched(): IterableIterator<DeviceState> {
    return this.states.values();
  }

  /** Devices that may have deleted shared routes: every one whose list was handed out, until it is seen empty. */
  *withDeletedShared(): IterableIterator<DeviceState> {
    for (const s of this.deletionWatch) {
      if (s.hasDeletedShared()) yield s;
      else this.deletionWatch.delete(s);
    }
  }

  markReaddressed(id: string): void {
    this.readdressed.add(id);
  }

  /** Whether an interface can carry frames: it is up and, for a veth, its peer (and the peer's bridge) is up too. */
  carrier(device: string, iface: string): boolean {
    const s = this.state(device);
    const i = s.ifaces.get(iface);
    return i !== undefined && this.carrierOf(s, i);
  }

  /** carrier() for an interface state already in hand (`i` belongs to `s`). */
  carrierOf(s: DeviceState, i: IfaceState): boolean {
    if (!i.up) return false;
    if (i.master && !masterOf(s, i)?.up) return false;
    if (i.peer) {
      const link = this.peerLink(i);
      if (!link || !link.iface.up) return false;
      const p = link.iface;
      if (p.master && !masterOf(link.state, p)?.up) return false;
    }
    return true;
  }

  /** The state and interface at the other end of a veth (null: none), as carrierOf found them. */
  peerEnd(i: IfaceState): { readonly state: DeviceState; readonly iface: IfaceState } | null {
    return i.peer ? this.peerLink(i) : null;
  }

  /** The state and interface at the other end of a veth (cached on the interface: interfaces are never added or removed). */
  private peerLink(i: IfaceState): { readonly state: DeviceState; readonly iface: IfaceState } | null {
    const rec = i as InterfaceRecord;
    if (rec.peerLink === undefined) {
      const ps = i.peer && this.model.device(i.peer.device) ? this.state(i.peer.device) : undefined;
      const p = ps?.ifaces.get(i.peer!.iface);
      rec.peerLink = p ? { state: ps!, iface: p } : null;
    }
    return rec.peerLink;
  }

  /** The index's entries for `ip` on `segment` and the interfaces of readdressed devices that now hold it. */
  private withReaddressed(indexed: readonly IndexedAttachment[], segment: string, ip: number): IndexedAttachment[] {
    const candidates = [...indexed];
    for (const id of this.readdressed) {
      for (const i of this.state(id).ifaces.values()) {
        if (i.segment === segment && holds(i, ip)) candidates.push(new NeighbourRecord(id, i.name));
      }
    }
    return candidates;
  }

  /** Who answers ARP for `ip` on `segment` (not counting the asking interface), if anyone can. */
  neighbour(segment: string, ip: number, askingDevice: string, askingIface: string): Neighbour | undefined {
    return this.neighbourAmong(this.segmentIndex.get(segment), segment, ip, askingDevice, askingIface);
  }

  /** neighbour() for the asking interface's own segment, whose index entries its LinkInfo holds (and its kept answers). */
  neighbourOn(link: LinkInfo, segment: string, ip: number, askingDevice: string, askingIface: string): Neighbour | undefined {
    const rec = link as LinkRecord;
    const epoch = addressingEpoch();
    const linkState = linkStateEpoch();
    let answers = rec.answers;
    if (answers === undefined) answers = rec.answers = new Array<unknown>(2 << FIRST_MEMO_BITS).fill(undefined);
    if (rec.epoch !== epoch || rec.linkState !== linkState || rec.readdressed !== this.readdressed.size
      || rec.segment !== segment || rec.askingDevice !== askingDevice || rec.askingIface !== askingIface) {
      answers.fill(undefined);
      rec.epoch = epoch; rec.linkState = linkState; rec.readdressed = this.readdressed.size;
      rec.segment = segment; rec.askingDevice = askingDevice; rec.askingIface = askingIface;
    }
    const key = ip | 0;
    let slot = pairSlot(key, rec.answerShift);
    if (answers[slot] === key) return answers[slot + 1] as Neighbour | undefined;
    const found = this.neighbourAmong(link.addrs, segment, ip, askingDevice, askingIface);
    if (answers[slot] !== undefined && rec.answerShift !== 32 - MEMO_BITS) {
      // The first eviction: the answers grow to their full size, empty.
      answers = rec.answers = new Array<unknown>(2 << MEMO_BITS).fill(undefined);
      rec.answerShift = 32 - MEMO_BITS;
      slot = pairSlot(key, rec.answerShift);
    }
    answers[slot] = key;
    answers[slot + 1] = found;
    return found;
  }

  private neighbourAmong(addrs: ReadonlyMap<number, IndexedAttachment[]> | undefined, segment: string, ip: number, askingDevice: string, askingIface: string): Neighbour | undefined {
    const indexed = addrs?.get(ip) ?? NO_ATTACHMENTS;
    const candidates = this.readdressed.size === 0 ? indexed : this.withReaddressed(indexed, segment, ip);
    for (let k = 0; k < candidates.length; k++) {
      const c: IndexedAttachment = candidates[k]!;
      if (c.device === askingDevice && c.iface === askingIface) continue;
      const cs = c.state ?? (c.state = this.state(c.device));
      const st = c.ifaceState !== undefined ? c.ifaceState : (c.ifaceState = cs.ifaces.get(c.iface) ?? null);
      if (!st || st.segment !== segment || !holds(st, ip)) continue;
      if (!this.carrierOf(cs, st)) continue;
      return c as Neighbour;
    }
    return undefined;
  }
}
