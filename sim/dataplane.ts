// The simulator's mutable state over a readonly LabModel: per-device interfaces, routes, sysctls and netfilter
// tables, created on first touch, plus the L2 segment index and the simulated clock.
import { broadcastOf, sameCidr, subnetOf, type Cidr, type IfAddr } from '../topology/address.js';
import type { Device, Interface, LabModel, Route } from '../topology/model.js';
import { OverlayFib, PrefixTable, TOMBSTONE, type FibHit, type SharedFib } from './lpm.js';
import type { RuleCache } from './netfilter-eval.js';
import { NeighbourTable } from './neighbours.js';
import { copyTables, parseSave, type Tables } from './netfilter.js';
import { RateLimiter } from './ratelimit.js';
import type { LinkKind } from '../topology/model.js';
import { inIpset, parseIpsets, type IpSets } from './ipset.js';
import type { TapSink } from './capture/tap.js';

export interface IfaceState {
  readonly name: string;
  readonly kind: Interface['kind'];
  readonly mac: string;
  readonly segment?: string;
  readonly master?: string;
  readonly peer?: Interface['peer'];
  /** A bridge port in hairpin mode: `bridge link set dev PORT hairpin on|off` changes it. */
  hairpin: boolean;
  addrs: IfAddr[];
  mtu: number;
  up: boolean;
  /** A bridge whose MTU was set to a new value by hand: it no longer follows its ports' smallest MTU. */
  mtuSetByUser?: boolean;
}

/** An interface's state; assigning its `addrs` (the only way they change) tells the device (its local address set). */
type InterfaceFields = { -readonly [K in Exclude<keyof IfaceState, 'addrs'>]: IfaceState[K] };
interface InterfaceRecord extends InterfaceFields {}
class InterfaceRecord implements IfaceState {
  private addrList: IfAddr[];
  /** The veth peer's device state and interface, resolved on the first carrier check (null: no such device or interface). */
  peerLink?: { readonly state: DeviceState; readonly iface: IfaceState } | null;

  constructor(i: Interface, private readonly readdressed: () => void) {
    this.name = i.name; this.kind = i.kind; this.mac = i.mac; this.segment = i.segment; this.master = i.master; this.peer = i.peer;
    this.hairpin = i.hairpin === true; this.mtu = i.mtu; this.up = true;
    this.addrList = [...i.addrs];
  }

  get addrs(): IfAddr[] {
    return this.addrList;
  }

  set addrs(v: IfAddr[]) {
    this.addrList = v;
    this.readdressed();
  }
}

/** A device's sysctls: a Map that forgets the numbers derived from it whenever a key is written or removed. */
/** Whether an interface holds `ip` among its addresses. */
function holds(i: IfaceState, ip: number): boolean {
  const addrs = i.addrs;
  for (let k = 0; k < addrs.length; k++) if (addrs[k]!.ip === ip) return true;
  return false;
}

type SysctlFunction = (s: DeviceState, arg: string) => number;

class SysctlMap extends Map<string, string> {
  /** Numbers computed from sysctls (rp_filter mode, forwarding per input device, ICMP limits), by function and argument. */
  readonly derived = new Map<SysctlFunction, Map<string, number>>();
  override set(key: string, value: string): this {
    this.derived?.clear(); // Map's constructor calls set() before the field exists
    return super.set(key, value);
  }
  override delete(key: string): boolean {
    this.derived.clear();
    return super.delete(key);
  }
  override clear(): void {
    this.derived.clear();
    super.clear();
  }
}

export class DeviceState {
  readonly ifaces: Map<string, IfaceState>;
  /** Own main-table routes, in insertion order. */
  ownRoutes: Route[];
  /** Shared routes deleted on this device (by prefix); see `deletedShared`. */
  private deleted: Cidr[] = [];
  readonly sysctls: SysctlMap;
  /** The evaluator's compiled form of the netfilter chains (kept in step with `tables` rule by rule). */
  readonly ruleCache: RuleCache = new WeakMap();
  /** Path MTUs learned from frag-needed errors (the route cache's exceptions): destination -> MTU and when learned. */
  readonly pmtu = new Map<number, { readonly mtu: number; readonly atMs: number }>();
  /** The IPv4 neighbour (ARP) table the simulated traffic fills (`ip neigh`). */
  readonly neighbours = new NeighbourTable();
  /** Whether flanneld runs here (reconciles host-gw routes). */
  flannelRunning: boolean;
  /** Simulated time (ms) at which a missing host-gw route was first noticed, by prefix text. */
  readonly flannelMissingSince = new Map<string, number>();
  private fibCache?: OverlayFib<Route>;
  /** The interfaces in order (the set never changes after creation; their addresses do). */
  private readonly ifaceList: readonly IfaceState[];
  /** Every address of every interface (isLocal), rebuilt after an interface's addresses are replaced. */
  private localCache?: Int32Array;
  /** Broadcast addresses of every non-loopback interface's subnets shorter than /31, with their interfaces (whose `up` is read per call); rebuilt like localCache. */
  private broadcastCache?: { readonly addrs: Int32Array; readonly ifaces: readonly IfaceState[] };

  constructor(
    readonly device: Device, readonly tables: Tables, private readonly shared?: SharedFib<Route>, flannelRunning = true,
    /** Told whenever the deleted shared routes are handed out (they may be edited in place) or replaced. */
    private readonly deletionsTouched?: (s: DeviceState) => void,
  ) {
    this.ifaces = new Map(device.interfaces.map((i) => [i.name, this.ifaceState(i)]));
    this.ifaceList = [...this.ifaces.values()];
    this.ownRoutes = [...device.routes];
    this.sysctls = new SysctlMap(Object.entries(device.sysctls));
    this.flannelRunning = flannelRunning && device.flannel !== undefined;
  }

  private ifaceState(i: Interface): IfaceState {
    return new InterfaceRecord(i, () => { this.localCache = undefined; this.broadcastCache = undefined; });
  }

  /** Shared routes deleted on this device (by prefix). */
  get deletedShared(): Cidr[] {
    this.deletionsTouched?.(this);
    return this.deleted;
  }

  set deletedShared(v: Cidr[]) {
    this.deleted = v;
    this.deletionsTouched?.(this);
  }

  /** Whether any shared route is deleted here (without handing the list out). */
  hasDeletedShared(): boolean {
    return this.deleted.length > 0;
  }

  get sharedRoutes(): readonly Route[] {
    return this.shared?.routes ?? [];
  }

  /** Shared routes this device still holds (not deleted, not shadowed by an own route of the same prefix). */
  visibleSharedRoutes(): Route[] {
    const own = this.device.podSubnet;
    const shadow = (r: Route) => this.ownRoutes.some((o) => sameCidr(o.dst, r.dst)) || this.deleted.some((d) => sameCidr(d, r.dst)) || (own !== undefined && sameCidr(own, r.dst));
    return this.sharedRoutes.filter((r) => !shadow(r));
  }

  /** Every main-table route as `ip route` would list them (own and shared). */
  allRoutes(): Route[] {
    return [...this.ownRoutes, ...this.visibleSharedRoutes()];
  }

  routesChanged(): void {
    this.fibCache = undefined;
  }

  fib(): OverlayFib<Route> {
    if (!this.fibCache) {
      const own: (Route | typeof TOMBSTONE)[] = [];
      const prefixes: Cidr[] = [];
      // Lowest metric first so the table keeps the preferred route for each prefix.
      const sorted = [...this.ownRoutes].sort((a, b) => (a.metric ?? 0) - (b.metric ?? 0));
      for (const r of sorted) { own.push(r); prefixes.push(r.dst); }
      for (const d of this.deleted) { own.push(TOMBSTONE); prefixes.push(d); }
      // The host-gw set holds every node's pod subnet: a node never routes its own through it (after `ip link set
      // cni0 down` the subnet follows the default route, as on the kernel). Own routes of that prefix come first.
      if (this.device.podSubnet) { own.push(TOMBSTONE); prefixes.push(this.device.podSubnet); }
      this.fibCache = new OverlayFib<Route>(own, prefixes, this.shared);
    }
    return this.fibCache;
  }

  /**
   * The main table's answer for ADDR. A throw route ends the lookup there (-EAGAIN); the rules go on to the empty
   * default table and fib_lookup turns -ESRCH into ENETUNREACH: the same as no route at all (kernel-checked).
   */
  lookup(addr: number): FibHit<Route> | undefined {
    const hit = this.fib().lookup(addr);
    return hit?.route.type === 'throw' ? undefined : hit;
  }

  sysctl(name: string, fallback = '0'): string {
    return this.sysctls.get(name) ?? fallback;
  }

  /** A number derived from sysctls, computed once and kept until any sysctl of this device changes. */
  derivedSysctl(compute: SysctlFunction, arg: string): number {
    const all = this.sysctls.derived;
    let cache = all.get(compute);
    if (cache === undefined) all.set(compute, (cache = new Map()));
    let v = cache.get(arg);
    if (v === undefined) cache.set(arg, (v = compute(this, arg)));
    return v;
  }

  /** Whether `ip` is in the device's ipset NAME (undefined: no such set); the model's sets, parsed on first use. */
  inSet(name: string, ip: number): boolean | undefined {
    this.ipsetCache ??= parseIpsets(this.ipsetLines());
    return inIpset(this.ipsetCache, name, ip);
  }

  /** The ipsets now (`ipset save` lines): the model's, until software on the device rewrites them (setIpsets). */
  ipsetLines(): readonly string[] {
    return this.ipsetOverride ?? this.device.ipsets ?? [];
  }

  /** Replaces every ipset (kube-router's resync after a policy change). */
  setIpsets(lines: readonly string[]): void {
    this.ipsetOverride = lines;
    this.ipsetCache = undefined;
  }

  private ipsetCache?: IpSets;
  private ipsetOverride?: readonly string[];

  /** Whether `addr` is one of this device's addresses (any interface: Linux's weak host model), or loopback. */
  isLocal(addr: number): boolean {
    if (addr >>> 24 === 127) return true;
    let local = this.localCache;
    if (local === undefined) {
      const all: number[] = [];
      for (const i of this.ifaceList) for (const a of i.addrs) all.push(a.ip);
      this.localCache = local = Int32Array.from(all);
    }
    const key = addr | 0;
    for (let k = 0; k < local.length; k++) if (local[k] === key) return true;
    return false;
  }

  /**
   * Whether `addr` is a broadcast route of the local table: 255.255.255.255, or the broadcast address of a subnet of
   * an up interface's address (shorter than /31). connect() to one fails with EACCES without SO_BROADCAST.
   */
  isLocalBroadcast(addr: number): boolean {
    if (addr === 0xffffffff) return true;
    let cache = this.broadcastCache;
    if (cache === undefined) {
      const addrs: number[] = [];
      const ifaces: IfaceState[] = [];
      for (const i of this.ifaceList) {
        if (i.kind === 'loopback') continue;
        for (const a of i.addrs) if (a.len < 31) { addrs.push(broadcastOf(subnetOf(a))); ifaces.push(i); }
      }
      this.broadcastCache = cache = { addrs: Int32Array.from(addrs), ifaces };
    }
    const key = addr | 0;
    for (let k = 0; k < cache.addrs.length; k++) if (cache.addrs[k] === key && cache.ifaces[k]!.up) return true;
    return false;
  }

  /** The source address the kernel picks for traffic out of `dev` (its primary address, else any global one). */
  primaryAddress(dev: string | undefined): number | undefined {
    const i = dev === undefined ? undefined : this.ifaces.get(dev);
    if (i && i.addrs.length > 0) return i.addrs[0]!.ip;
    for (const other of this.ifaces.values()) if (other.kind !== 'loopback' && other.addrs.length > 0) return other.addrs[0]!.ip;
    return undefined;
  }

  /** Removes the routes through `dev` (the kernel does this when an interface goes down). */
  dropRoutesVia(dev: string): void {
    this.ownRoutes = this.ownRoutes.filter((r) => r.dev !== dev);
    for (const r of this.sharedRoutes) if (r.dev === dev && !this.deletedShared.some((d) => sameCidr(d, r.dst))) this.deletedShared.push(r.dst);
    this.routesChanged();
  }

  /** Adds the connected routes of `dev`'s addresses (the kernel does this when an interface comes up). */
  addConnectedRoutes(dev: string): void {
    const i = this.ifaces.get(dev);
    if (!i) return;
    for (const a of i.addrs) {
      const dst = subnetOf(a);
      // fib_add_ifaddr(): a prefix route for each primary address shorter than /32 (a secondary shares its primary's).
      if (a.len < 32 && !this.ownRoutes.some((r) => r.dev === dev && sameCidr(r.dst, dst))) {
        this.ownRoutes.push({ dst, type: 'unicast', dev, proto: 'kernel', scope: 'link', src: a.ip });
      }
    }
    this.routesChanged();
  }
}

export interface Attachment {
  readonly device: string;
  readonly iface: string;
}

/** Who answered ARP, with its device state and receiving interface. */
export interface Neighbour extends Attachment {
  readonly state: DeviceState;
  readonly ifaceState: IfaceState;
}

/** An entry of the segment index, with its device state and interface once looked up (both never change identity). */
interface IndexedAttachment extends Attachment {
  state?: DeviceState;
  ifaceState?: IfaceState | null;
}

const NO_ATTACHMENTS: readonly IndexedAttachment[] = Object.freeze([]);

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
          if (list) list.push({ device: d.id, iface: i.name });
          else bySeg.set(a.ip, [{ device: d.id, iface: i.name }]);
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

  /** Mutable state of a device, created on first use. */
  state(id: string): DeviceState {
    let s = this.states.get(id);
    if (!s) {
      const device = this.model.device(id);
      if (!device) throw new Error(`unknown device ${id}`);
      const shared = device.sharedRoutes ? this.sharedTables.get(device.sharedRoutes) : undefined;
      const stopped = this.model.cluster.flannelStopped.includes(id);
      s = new DeviceState(device, this.tablesOf(device), shared, !stopped, this.watchDeletions);
      this.states.set(id, s);
    }
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
    if (i.master) {
      const bridge = s.ifaces.get(i.master);
      if (!bridge || !bridge.up) return false;
    }
    if (i.peer) {
      const link = this.peerLink(i);
      if (!link || !link.iface.up) return false;
      const p = link.iface;
      if (p.master && !link.state.ifaces.get(p.master)?.up) return false;
    }
    return true;
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
        if (i.segment === segment && holds(i, ip)) candidates.push({ device: id, iface: i.name });
      }
    }
    return candidates;
  }

  /** Who answers ARP for `ip` on `segment` (not counting the asking interface), if anyone can. */
  neighbour(segment: string, ip: number, askingDevice: string, askingIface: string): Neighbour | undefined {
    const indexed = this.segmentIndex.get(segment)?.get(ip) ?? NO_ATTACHMENTS;
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
