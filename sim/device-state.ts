// One device's mutable state in the simulator: its interfaces, routes (own and shared, as one FIB), sysctls and the
// numbers derived from them, netfilter tables, ARP table and path MTU cache, created by the Dataplane on first touch.
import { broadcastOf, sameCidr, subnetOf, type Cidr } from '../topology/address.js';
import type { Device, Interface, Listener, Route } from '../topology/model.js';
import { OverlayFib, TOMBSTONE, type FibHit, type SharedFib } from './lpm.js';
import type { RuleCache } from './netfilter-eval.js';
import { NeighbourTable } from './neighbours.js';
import type { Tables } from './netfilter.js';
import { inIpset, parseIpsets, type IpSets } from './ipset.js';
import type { IpMib } from './ip-mib.js';
import type { IcmpCounters } from './snmp.js';
import type { EgressPlans } from './egress-plan.js';
import type { PeerTokens, RateLimiter } from './ratelimit.js';
import { InterfaceRecord, type IfaceState } from './interface-record.js';

export { InterfaceRecord, holds, linkStateEpoch, type IfaceState } from './interface-record.js';

type SysctlFunction = (s: DeviceState, arg: string) => number;

/** The sysctls the input route decision reads for packets that come in by one interface (sim/input-checks.ts). */
export interface InputSysctls {
  /** net.ipv4.conf.DEV.forwarding (else ip_forward): non-zero forwards. */
  readonly forwarding: number;
  readonly rpFilter: number;
  readonly acceptLocal: number;
}

/** How many sysctl writes and address changes any device has had: sim/arp.ts rebuilds its per-link index on a change. */
let addressingChanges = 0;

/** The count of sysctl writes and address changes of every device so far (a new device's own values do not count). */
export function addressingEpoch(): number {
  return addressingChanges;
}

/** A device's sysctls: a Map that forgets the numbers derived from it whenever a key is written or removed. */
class SysctlMap extends Map<string, string> {
  /**
   * Numbers computed from sysctls (rp_filter mode, forwarding per input device, ICMP limits): function, argument and
   * number by entry, in one array scanned in order (a device keeps 2-12; Maps per function cost a large lab's devices
   * about 1 KB each); made on the first such number, dropped on every write.
   */
  derived: unknown[] | undefined = undefined;
  /** The same for numbers without an argument (arg ''), function and number by entry: the ICMP limits, asked per error, found in 1-2 steps. */
  derivedPlain: unknown[] | undefined = undefined;
  /** The input route decision's sysctls: input interface then its entry, in one array (a device has 1-2 inputs). */
  inputs: unknown[] | undefined = undefined;
  /** The last interface looked up in `inputs` and its entry (a routed packet asks three times for one interface). */
  lastInput: string | undefined = undefined;
  lastInputSysctls: InputSysctls | undefined = undefined;
  /** Whether the constructor has run: Map's constructor calls set() for the initial entries, which are no change. */
  private made = false;

  /** The model's sysctls, set one by one (no list of entries made first: a large lab makes thousands of these). */
  constructor(initial: Readonly<Record<string, string>>) {
    super();
    for (const key in initial) super.set(key, initial[key]!);
    this.made = true;
  }

  override set(key: string, value: string): this {
    if (this.made) this.forget();
    return super.set(key, value);
  }
  override delete(key: string): boolean {
    this.forget();
    return super.delete(key);
  }
  override clear(): void {
    this.forget();
    super.clear();
  }

  /** A write: every derived number goes, and the addressing epoch moves. */
  private forget(): void {
    addressingChanges++;
    this.derived = undefined;
    this.derivedPlain = undefined;
    this.inputs = undefined;
    this.lastInput = undefined;
  }
}

const isThrow = (r: Route): boolean => r.type === 'throw';

/** The deleted shared routes of a device that has none (shared: handed out only as a new list, deletedShared). */
const NO_DELETIONS = Object.freeze([]) as unknown as Cidr[];

export class DeviceState {
  /** The device's id, kept here: `device` may be a debug container's view (another object shape), so the pipeline reads this. */
  readonly id: string;
  /** The device's listeners, kept here for the same reason (a debug view shares the pod's list: it is a spread of the pod). */
  readonly listeners: readonly Listener[];
  readonly ifaces: Map<string, IfaceState>;
  /** Own main-table routes, in insertion order. */
  ownRoutes: Route[];
  /** Shared routes deleted on this device (by prefix); see `deletedShared`. */
  private deleted: Cidr[] = NO_DELETIONS;
  readonly sysctls: SysctlMap;
  /** The evaluator's compiled form of the netfilter chains (kept in step with `tables` rule by rule). */
  readonly ruleCache: RuleCache = new WeakMap();
  /** Whether flanneld runs here (reconciles host-gw routes). */
  flannelRunning: boolean;
  /** Made on first use (a large lab touches thousands of devices that never need them). */
  private pmtuMap?: Map<number, { readonly mtu: number; readonly atMs: number }>;
  private neighbourTable?: NeighbourTable;
  private flannelMissing?: Map<string, number>;
  private fibCache?: OverlayFib<Route>;
  /** Every address of every interface (isLocal), rebuilt after an interface's addresses are replaced. */
  private localCache?: Int32Array;
  /** Broadcast addresses of every non-loopback interface's subnets shorter than /31, with their interfaces (whose `up` is read per call); rebuilt like localCache. */
  private broadcastCache?: { readonly addrs: Int32Array; readonly ifaces: readonly IfaceState[]; readonly hostBits: number };
  /** The Ip, Udp and IpExt MIB counters (sim/ip-mib.ts), made on first use. */
  ipMib?: IpMib;
  /** The Icmp and IcmpMsg counters and IpForwDatagrams (sim/snmp.ts), made on first use. */
  icmpMib?: IcmpCounters;
  /** What its last few routes' packets need on the way out (sim/egress-plan.ts), made on first use. */
  egressPlans?: EgressPlans;
  /** Its ICMP rate limiter's tokens (sim/ratelimit.ts): its first peer's, then the others' by peer, made by that limiter. */
  rateFirstPeer?: PeerTokens;
  ratePeers?: Map<number, PeerTokens>;
  ratePeersOwner?: RateLimiter;

  constructor(
    readonly device: Device, readonly tables: Tables, private readonly shared?: SharedFib<Route>, flannelRunning = true,
    /** Told whenever the deleted shared routes are handed out (they may be edited in place) or replaced. */
    private readonly deletionsTouched?: (s: DeviceState) => void,
  ) {
    this.id = device.id;
    this.listeners = device.listeners;
    this.ifaces = new Map();
    for (const i of device.interfaces) this.ifaces.set(i.name, this.ifaceState(i));
    this.ownRoutes = device.routes.slice();
    this.sysctls = new SysctlMap(device.sysctls);
    this.flannelRunning = flannelRunning && device.flannel !== undefined;
  }

  private ifaceState(i: Interface): IfaceState {
    return new InterfaceRecord(i, this);
  }

  /** Told by an interface whose addresses were replaced: the local and broadcast address sets are made again. */
  readdressed(): void {
    this.localCache = undefined;
    this.broadcastCache = undefined;
    addressingChanges++;
  }

  /** Path MTUs learned from frag-needed errors (the route cache's exceptions): destination -> MTU and when learned. */
  get pmtu(): Map<number, { readonly mtu: number; readonly atMs: number }> {
    return (this.pmtuMap ??= new Map());
  }

  /** Whether any path MTU was learned (without making the map). */
  hasPmtu(): boolean {
    return this.pmtuMap !== undefined && this.pmtuMap.size > 0;
  }

  /** The IPv4 neighbour (ARP) table the simulated traffic fills (`ip neigh`). */
  get neighbours(): NeighbourTable {
    return (this.neighbourTable ??= new NeighbourTable());
  }

  /** Simulated time (ms) at which a missing host-gw route was first noticed, by prefix text. */
  get flannelMissingSince(): Map<string, number> {
    return (this.flannelMissing ??= new Map());
  }

  /** Shared routes deleted on this device (by prefix). */
  get deletedShared(): Cidr[] {
    this.deletionsTouched?.(this);
    if (this.deleted === NO_DELETIONS) this.deleted = [];
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
      // Lowest metric first so the table keeps the preferred route for each prefix (a stable insertion sort: a few routes).
      for (const r of this.ownRoutes) {
        const metric = r.metric ?? 0;
        let at = own.length;
        while (at > 0 && ((own[at - 1] as Route).metric ?? 0) > metric) at--;
        if (at === own.length) own.push(r);
        else own.splice(at, 0, r);
      }
      for (const r of own) prefixes.push((r as Route).dst);
      for (const d of this.deleted) { own.push(TOMBSTONE); prefixes.push(d); }
      // The host-gw set holds every node's pod subnet: a node never routes its own through it (after `ip link set
      // cni0 down` the subnet follows the default route, as on the kernel). Own routes of that prefix come first.
      if (this.device.podSubnet) { own.push(TOMBSTONE); prefixes.push(this.device.podSubnet); }
      this.fibCache = new OverlayFib<Route>(own, prefixes, this.shared, isThrow);
    }
    return this.fibCache;
  }

  /**
   * The main table's answer for ADDR. A throw route ends the lookup there (-EAGAIN); the rules go on to the empty
   * default table and fib_lookup turns -ESRCH into ENETUNREACH: the same as no route at all (kernel-checked); the FIB
   * answers none for it (isThrow).
   */
  lookup(addr: number): FibHit<Route> | undefined {
    return this.fib().lookup(addr);
  }

  sysctl(name: string, fallback = '0'): string {
    return this.sysctls.get(name) ?? fallback;
  }

  /** A number derived from sysctls, computed once and kept until any sysctl of this device changes. */
  derivedSysctl(compute: SysctlFunction, arg: string): number {
    const map = this.sysctls;
    if (arg === '') {
      const plain = map.derivedPlain;
      if (plain !== undefined) for (let k = 0; k < plain.length; k += 2) if (plain[k] === compute) return plain[k + 1] as number;
    } else {
      const derived = map.derived;
      if (derived !== undefined) {
        for (let k = 0; k < derived.length; k += 3) if (derived[k] === compute && derived[k + 1] === arg) return derived[k + 2] as number;
      }
    }
    const epoch = addressingChanges;
    const v = compute(this, arg);
    // Kept only when COMPUTE wrote no sysctl (none does; a write drops what is kept).
    if (addressingChanges !== epoch) return v;
    if (arg === '') {
      if (map.derivedPlain === undefined) map.derivedPlain = [compute, v];
      else map.derivedPlain.push(compute, v);
    } else if (map.derived === undefined) map.derived = [compute, arg, v];
    else map.derived.push(compute, arg, v);
    return v;
  }

  /** The input route decision's sysctls for packets coming in by DEV, computed once until any sysctl changes. */
  inputSysctls(dev: string, compute: (s: DeviceState, dev: string) => InputSysctls): InputSysctls {
    const map = this.sysctls;
    if (map.lastInput === dev) return map.lastInputSysctls!;
    const inputs = map.inputs;
    let v: InputSysctls | undefined;
    if (inputs !== undefined) {
      for (let k = 0; k < inputs.length; k += 2) {
        if (inputs[k] === dev) {
          v = inputs[k + 1] as InputSysctls;
          break;
        }
      }
    }
    if (v === undefined) {
      const epoch = addressingChanges;
      v = compute(this, dev);
      // Made with its first entry (no room reserved: most devices take packets in by one interface); kept as derivedSysctl keeps.
      if (addressingChanges === epoch) {
        if (map.inputs === undefined) map.inputs = [dev, v];
        else map.inputs.push(dev, v);
      }
    }
    map.lastInput = dev;
    map.lastInputSysctls = v;
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
      // Counted first, then filled in place (no list made first). An Int32Array: plain arrays hold about 230 B less per
      // device but the touched 5,000-node pass measured 3-5% slower with them in three series (equal with this in two).
      let n = 0;
      for (const i of this.ifaces.values()) n += i.addrs.length;
      const all = new Int32Array(n);
      n = 0;
      for (const i of this.ifaces.values()) {
        const addrs = i.addrs;
        for (let x = 0; x < addrs.length; x++) all[n++] = addrs[x]!.ip | 0;
      }
      this.localCache = local = all;
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
      let longest = 0;
      for (const i of this.ifaces.values()) {
        if (i.kind === 'loopback') continue;
        for (const a of i.addrs) if (a.len < 31) { addrs.push(broadcastOf(subnetOf(a)) | 0); ifaces.push(i); longest = Math.max(longest, a.len); }
      }
      // The interfaces copied at their length (the list pushed to reserves room for 17).
      this.broadcastCache = cache = { addrs: Int32Array.from(addrs), ifaces: ifaces.slice(), hostBits: (2 ** (32 - longest) - 1) | 0 };
    }
    // Every broadcast address has at least the longest prefix's host bits set: most addresses are ruled out by one test.
    if ((addr & cache.hostBits) !== cache.hostBits) return false;
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
