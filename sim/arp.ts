// ARP as net/ipv4/arp.c answers it: which interface on a segment replies to a who-has (the owner of the address, on
// any of its interfaces, unless arp_ignore/arp_filter or source validation stop it; a forwarding router by proxy_arp
// or proxy_arp_pvlan), which sender address a request carries (arp_announce), and where a frame goes when the
// neighbour entry names a MAC (a proxy's, a static one). Consulted only when a request is sent or nobody holds the
// address on the link, so traffic to known neighbours never reads these sysctls.
import { formatIp, type IfAddr } from '../topology/address.js';
import type { Device } from '../topology/model.js';
import { NeighbourRecord, type Attachment, type Dataplane, type DeviceState, type Neighbour } from './dataplane.js';
import { addressingEpoch, type IfaceState } from './device-state.js';
import { acceptLocal, forwarding, rpFilterAccepts } from './input-checks.js';
import type { Journey } from './journey.js';
import type { NeighbourTable } from './neighbours.js';

/** neigh.default.proxy_delay: 80 jiffies at HZ=100 in the table's defaults, 0.8 s. */
const PROXY_DELAY_MS = 800;

/** IN_DEV_CONF_GET: the interface's own value (an interface never written follows conf.default). */
function devConf(s: DeviceState, dev: string, leaf: string): number {
  return Number(s.sysctl(`net.ipv4.conf.${dev}.${leaf}`, s.sysctl(`net.ipv4.conf.default.${leaf}`)));
}

function allConf(s: DeviceState, leaf: string): number {
  return Number(s.sysctl(`net.ipv4.conf.all.${leaf}`));
}

/** IN_DEV_MAXCONF: max(all, dev) (arp_ignore, arp_announce). */
function maxConf(s: DeviceState, dev: string, leaf: string): number {
  return Math.max(allConf(s, leaf), devConf(s, dev, leaf));
}

/** IN_DEV_ORCONF: all || dev (arp_filter, proxy_arp, proxy_arp_pvlan). */
function orConf(s: DeviceState, dev: string, leaf: string): boolean {
  return allConf(s, leaf) !== 0 || devConf(s, dev, leaf) !== 0;
}

const arpIgnoreLevel = (s: DeviceState, dev: string): number => maxConf(s, dev, 'arp_ignore');
const arpAnnounceLevel = (s: DeviceState, dev: string): number => maxConf(s, dev, 'arp_announce');
const arpFilterOn = (s: DeviceState, dev: string): number => Number(orConf(s, dev, 'arp_filter'));
const proxyArpOn = (s: DeviceState, dev: string): number => Number(orConf(s, dev, 'proxy_arp'));
const proxyPvlanOn = (s: DeviceState, dev: string): number => Number(orConf(s, dev, 'proxy_arp_pvlan'));
/** IN_DEV_MEDIUM_ID: the interface's own value only. */
const mediumId = (s: DeviceState, dev: string): number => devConf(s, dev, 'medium_id');

/** inet_ifa_match for each address of the interface: whether some subnet of it holds both A and B. */
function sharedSubnet(i: IfaceState, a: number, b: number): boolean {
  for (const x of i.addrs) {
    if (x.len === 0) return true;
    const shift = 32 - x.len;
    if (((x.ip ^ a) >>> shift) === 0 && ((x.ip ^ b) >>> shift) === 0) return true;
  }
  return false;
}

/**
 * arp_ignore(): whether the interface DEV of S keeps quiet about TIP asked by SIP. 1: TIP must be configured on DEV;
 * 2: and share a subnet of DEV with SIP (inet_confirm_addr); 3: not for scope-host addresses (127/8 here);
 * 8: never; 0, 4-7 and other values: reply.
 */
export function arpIgnores(s: DeviceState, dev: string, sip: number, tip: number): boolean {
  const level = s.derivedSysctl(arpIgnoreLevel, dev);
  if (level === 0) return false;
  const i = s.ifaces.get(dev);
  const held = i !== undefined && i.addrs.some((a) => a.ip === tip);
  switch (level) {
    case 1: return !held;
    case 2: return !held || !sharedSubnet(i!, tip, sip);
    case 3: return tip >>> 24 === 127;
    case 8: return true;
    default: return false;
  }
}

/** fib_validate_source() for a request from SIP on DEV: not one of S's own addresses, and rp_filter's test. */
function sourceValid(s: DeviceState, dev: string, sip: number): boolean {
  if (s.isLocal(sip) && acceptLocal(s, dev) === 0) return false;
  return rpFilterAccepts(s, sip, dev);
}

/** arp_filter(): the route back to SIP (from TIP) must leave by the interface the request came in by. */
function arpFilterPasses(s: DeviceState, dev: string, sip: number): boolean {
  if (s.derivedSysctl(arpFilterOn, dev) === 0) return true;
  const back = s.lookup(sip)?.route;
  return back?.type === 'unicast' && !s.isLocal(sip) && back.dev === dev;
}

/** arp_fwd_proxy() and arp_fwd_pvlan() for a routed TIP (the input route's type and device). */
function proxies(s: DeviceState, dev: string, sip: number, tip: number): boolean {
  if (!forwarding(s, dev)) return false;
  const route = s.lookup(tip)?.route;
  if (route?.type !== 'unicast' || route.dev === undefined) return false;
  if (route.dev !== dev) {
    if (s.derivedSysctl(proxyArpOn, dev) === 0) return false;
    const imi = s.derivedSysctl(mediumId, dev);
    if (imi === 0) return true;
    if (imi === -1) return false;
    const omi = s.derivedSysctl(mediumId, route.dev);
    return omi !== imi && omi !== -1;
  }
  return sip !== tip && s.derivedSysctl(proxyPvlanOn, dev) !== 0;
}

/** Why DEV of S, which holds TIP, does not answer SIP (for --explain), or undefined when it would. */
function silence(s: DeviceState, dev: string, sip: number, tip: number): string | undefined {
  if (!sourceValid(s, dev, sip)) return `the sender ${formatIp(sip)} fails source validation (own address or rp_filter)`;
  if (arpIgnores(s, dev, sip, tip)) return `arp_ignore=${s.derivedSysctl(arpIgnoreLevel, dev)} (the larger of all and ${dev})`;
  if (!arpFilterPasses(s, dev, sip)) return `arp_filter: the route back to ${formatIp(sip)} does not leave by ${dev}`;
  return undefined;
}

/** For --explain: which owner of TIP on SEGMENT kept quiet to SIP, and why. */
export function whyUnanswered(dp: Dataplane, segment: string, asker: Attachment, sip: number | undefined, tip: number): string {
  if (sip === undefined) return '';
  for (const r of segmentReceivers(dp, segment)) {
    if ((r.device === asker.device && r.iface === asker.iface) || !mayAnswer(dp, r, tip)) continue;
    const n = attached(dp, r);
    if (n === undefined || !n.state.isLocal(tip)) continue;
    const why = silence(n.state, n.iface, sip, tip);
    if (why !== undefined) return `: ${n.device} holds it but ignores "who-has ${formatIp(tip)} tell ${formatIp(sip)}" on ${n.iface}: ${why}`;
  }
  return '';
}

/** How DEV of S answers a request for TIP from SIP: as the owner, by proxy, or not at all (arp_process()). */
export function arpReply(s: DeviceState, dev: string, sip: number, tip: number): 'owner' | 'proxy' | undefined {
  if (tip >>> 24 === 127 || tip >>> 28 === 14) return undefined;
  if (!sourceValid(s, dev, sip)) return undefined;
  if (s.isLocal(tip)) return !arpIgnores(s, dev, sip, tip) && arpFilterPasses(s, dev, sip) ? 'owner' : undefined;
  return proxies(s, dev, sip, tip) ? 'proxy' : undefined;
}

/**
 * arp_solicit(): the sender address of a request for TARGET out of DEV, for a packet from SADDR. arp_announce 0 (and
 * values other than 1 and 2): SADDR when it is a local address; 1: only when it shares a subnet of DEV with TARGET;
 * 2: never. Otherwise inet_select_addr(): DEV's address on TARGET's subnet, else its primary (then any).
 */
export function arpSender(s: DeviceState, dev: string, target: number, saddr: number | undefined): number | undefined {
  const level = s.derivedSysctl(arpAnnounceLevel, dev);
  const i = s.ifaces.get(dev);
  if (saddr !== undefined && level !== 2 && s.isLocal(saddr) && (level !== 1 || (i !== undefined && sharedSubnet(i, target, saddr)))) return saddr;
  if (i) for (const a of i.addrs) if (a.len > 0 && ((a.ip ^ target) >>> (32 - a.len)) === 0) return a.ip;
  return s.primaryAddress(dev);
}

/** The interfaces that receive a segment's broadcasts (bridge ports hand frames to their bridge), by segment. */
const receiversBySegment = new WeakMap<Dataplane, Map<string, Attachment[]>>();

/** The interfaces that receive SEGMENT's broadcasts (not bridge ports: their bridge does). */
export function segmentReceivers(dp: Dataplane, segment: string): readonly Attachment[] {
  let all = receiversBySegment.get(dp);
  if (all === undefined) {
    all = new Map();
    for (const d of dp.model.devices) {
      for (const i of d.interfaces) {
        if (i.segment === undefined || i.master !== undefined) continue;
        const list = all.get(i.segment);
        if (list) list.push({ device: d.id, iface: i.name });
        else all.set(i.segment, [{ device: d.id, iface: i.name }]);
      }
    }
    receiversBySegment.set(dp, all);
  }
  return all.get(segment) ?? [];
}

/**
 * Whether the device behind A could answer for TIP at all: a device nothing has touched yet is as the model says, so it
 * answers only for one of its model addresses or with proxy ARP set in its model sysctls (a large lab's thousands of
 * nodes on one link are not made into states by one unanswered request).
 */
function mayAnswer(dp: Dataplane, a: Attachment, tip: number): boolean {
  if (dp.peekState(a.device) !== undefined) return true;
  const d = dp.model.device(a.device);
  if (d === undefined) return false;
  return d.interfaces.some((i) => i.addrs.some((x) => x.ip === tip)) || modelMayProxy(d);
}

/** Whether the model sets proxy_arp or proxy_arp_pvlan anywhere on D (on some interface, `all` or `default`). */
function modelMayProxy(d: Device): boolean {
  // A key loop rather than entries and a regex: a large lab's link index asks this of thousands of devices.
  const sysctls = d.sysctls;
  for (const k in sysctls) if ((k.endsWith('.proxy_arp') || k.endsWith('.proxy_arp_pvlan')) && sysctls[k] !== '0') return true;
  return false;
}

/** A link's receivers that could answer a request: by address held (any interface), and those with proxy ARP possible. */
interface LinkCandidates {
  readonly epoch: number;
  readonly owners: Map<number, readonly number[]>;
  readonly proxies: readonly number[];
}

const candidatesByLink = new WeakMap<Dataplane, Map<string, LinkCandidates>>();

/**
 * Notes receiver K (R) among the link's owners of the addresses it holds and, when it may answer by proxy, among the
 * proxies: by its state when touched, else by the model (a new state starts as the model; one lookup of each per receiver).
 */
function noteReceiver(dp: Dataplane, r: Attachment, k: number, owners: Map<number, readonly number[]>, proxies: number[]): void {
  const s = dp.peekState(r.device);
  if (s !== undefined) {
    for (const i of s.ifaces.values()) noteOwner(owners, i.addrs, k);
    if (s.derivedSysctl(proxyArpOn, r.iface) !== 0 || s.derivedSysctl(proxyPvlanOn, r.iface) !== 0) proxies.push(k);
    return;
  }
  const d = dp.model.device(r.device);
  if (d === undefined) return;
  for (const i of d.interfaces) noteOwner(owners, i.addrs, k);
  if (modelMayProxy(d)) proxies.push(k);
}

const NO_OWNERS: readonly number[] = Object.freeze([]);
/**
 * One list per receiver index for addresses with one owner (most of them), shared by every link's index: never edited
 * (noteOwner replaces a one-entry list). Not frozen: a frozen array's elements kind would make the loops over candidate
 * lists polymorphic.
 */
const soleOwners: (readonly number[])[] = [];

function noteOwner(owners: Map<number, readonly number[]>, addrs: readonly IfAddr[], k: number): void {
  for (let x = 0; x < addrs.length; x++) {
    const ip = addrs[x]!.ip;
    const list = owners.get(ip);
    if (list === undefined) owners.set(ip, (soleOwners[k] ??= [k]));
    else if (list[list.length - 1] !== k) {
      if (list.length === 1) owners.set(ip, [list[0]!, k]);
      else (list as number[]).push(k);
    }
  }
}

/**
 * The indexes (in segmentReceivers' order) of SEGMENT's receivers that could answer for TIP: its holders and the
 * proxies, a superset of those arpReply() answers for. Made once per link and rebuilt after any sysctl write or address
 * change anywhere (addressingEpoch), so a request on a link of thousands of nodes looks at a few, in the same order.
 */
function candidatesFor(dp: Dataplane, segment: string, tip: number): readonly number[] {
  let byLink = candidatesByLink.get(dp);
  if (byLink === undefined) candidatesByLink.set(dp, (byLink = new Map()));
  const epoch = addressingEpoch();
  let c = byLink.get(segment);
  if (c === undefined || c.epoch !== epoch) {
    const owners = new Map<number, readonly number[]>();
    const proxies: number[] = [];
    const receivers = segmentReceivers(dp, segment);
    for (let k = 0; k < receivers.length; k++) noteReceiver(dp, receivers[k]!, k, owners, proxies);
    byLink.set(segment, (c = { epoch, owners, proxies }));
  }
  const held = c.owners.get(tip) ?? NO_OWNERS;
  return c.proxies.length === 0 ? held : [...new Set([...held, ...c.proxies])].sort((a, b) => a - b);
}

function attached(dp: Dataplane, a: Attachment): Neighbour | undefined {
  const state = dp.state(a.device);
  const ifaceState = state.ifaces.get(a.iface);
  return ifaceState && dp.carrierOf(state, ifaceState) ? new NeighbourRecord(a.device, a.iface, state, ifaceState) as Neighbour : undefined;
}

/**
 * Who answers a broadcast who-has TIP from SIP sent by ASKER out of its interface on SEGMENT: the owners reply at
 * once, proxies after a delay (pneigh_enqueue), and the first reply is kept, so an owner beats a proxy. Only the link's
 * candidates for TIP are asked: every other receiver neither holds TIP nor may proxy, so arpReply() is undefined there.
 */
export function arpAnswerer(dp: Dataplane, segment: string, asker: Attachment, sip: number, tip: number): Neighbour | undefined {
  let proxy: Neighbour | undefined;
  const receivers = segmentReceivers(dp, segment);
  for (const k of candidatesFor(dp, segment, tip)) {
    const r = receivers[k]!;
    if (r.device === asker.device && r.iface === asker.iface) continue;
    const n = attached(dp, r);
    if (n === undefined) continue;
    const how = arpReply(n.state, n.iface, sip, tip);
    if (how === 'owner') return n;
    if (how === 'proxy') proxy ??= n;
  }
  return proxy;
}

/** The interface on SEGMENT whose MAC is MAC (where a frame for a neighbour entry's address goes), if it can receive. */
export function holderOfMac(dp: Dataplane, segment: string, mac: string): Neighbour | undefined {
  for (const r of segmentReceivers(dp, segment)) {
    // MACs never change: the model's tells, without making every device on the link a state.
    const i = dp.model.device(r.device)?.interfaces.find((x) => x.name === r.iface);
    if (i?.mac === mac) return attached(dp, r);
  }
  return undefined;
}

/** What the neighbour layer did for one frame: the interface it reaches, and whether a request went out first. */
export interface Resolution {
  readonly neighbour: Neighbour | undefined;
  readonly arp: 'asked' | 'known' | 'lost' | undefined;
}

/**
 * The neighbour a frame to NEXTHOP out of S's interface OUT reaches, when the fast path (the address's holder on the
 * link, GUESS, and what the entry said of its MAC, ARP) is not the whole answer: a request was just sent (the holder may keep
 * quiet and a proxy answer), nobody holds the address on the link, or the entry names another MAC.
 */
export function resolveNeighbour(j: Journey, s: DeviceState, out: IfaceState, nexthop: number, saddr: number | undefined, now: number, guess: Neighbour | undefined, arp: ReturnType<NeighbourTable['send']> | undefined): Resolution {
  const dp = j.dp;
  const segment = out.segment!;
  const entry = s.neighbours.get(out.name, nexthop);
  if (arp === 'probing') {
    // The unicast probe after DELAY carries the interface's own address (no packet is queued on the entry).
    const sip = arpSender(s, out.name, nexthop, undefined);
    if (guess === undefined || sip === undefined || arpReply(guess.state, guess.iface, sip, nexthop) === undefined) entry!.probesFail = true;
    return { neighbour: guess, arp: 'known' };
  }
  if (arp !== 'asked' && entry?.lladdr !== undefined && entry.failsAtMs === undefined && s.neighbours.state(entry, now) !== 'FAILED') {
    if (guess !== undefined && entry.lladdr === guess.ifaceState.mac) return { neighbour: guess, arp: 'known' };
    const holder = holderOfMac(dp, segment, entry.lladdr);
    if (holder === undefined) return { neighbour: undefined, arp: 'lost' };
    if (!entry.permanent && s.neighbours.send(out.name, nexthop, holder.ifaceState.mac, now) === 'probing') return resolveNeighbour(j, s, out, nexthop, saddr, now, holder, 'probing');
    return { neighbour: holder, arp: 'known' };
  }
  const sip = arpSender(s, out.name, nexthop, saddr);
  const answerer = sip === undefined ? undefined : arpAnswerer(dp, segment, { device: s.id, iface: out.name }, sip, nexthop);
  if (answerer === undefined) {
    if (arp === 'asked') s.neighbours.delete(out.name, nexthop);
    return { neighbour: undefined, arp: undefined };
  }
  if (arp !== 'asked') s.neighbours.send(out.name, nexthop, answerer.ifaceState.mac, now);
  else if (answerer !== guess) s.neighbours.get(out.name, nexthop)!.lladdr = answerer.ifaceState.mac;
  // A proxy answers a broadcast request after a random wait below proxy_delay (pneigh_enqueue): the mean is taken.
  if (!answerer.state.isLocal(nexthop)) {
    j.elapsedMs += PROXY_DELAY_MS / 2;
    if (j.recording) j.note(answerer.device, `answers ARP for ${formatIp(nexthop)} with its own MAC (proxy ARP on ${answerer.iface}): ${s.id} sends it there`, { in: answerer.iface });
  }
  return { neighbour: answerer, arp: 'asked' };
}
