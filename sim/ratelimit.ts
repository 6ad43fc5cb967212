// The kernel's ICMP rate limits, per (device, peer): ip_error's route-error bucket (error_burst 5 s, error_cost
// 1 s, whatever icmp_ratelimit says) and icmp_send's bucket (icmp_ratelimit, burst 6x, types in icmp_ratemask).
// Both share the peer's token count, as inet_peer's rate_tokens does: with icmp_ratelimit=0 a limited ICMP (a time
// exceeded) still zeroes the tokens, so a router that just sent time-exceededs answers a net-unreachable only after
// a second (the `!N * *` of a traceroute); the !N that ip_error() paid for in the same jiffy does not zero them.
// Time counts in jiffies (Debian: HZ=250, 4 ms).
import type { DeviceState } from './dataplane.js';

const JIFFY_MS = 4;
const HZ = 1000 / JIFFY_MS;
const ERROR_COST = HZ;
const ERROR_BURST = 5 * HZ;
const XRLIM_BURST_FACTOR = 6;
const ICMP_DEST_UNREACH = 3;
const ICMP_FRAG_NEEDED = 4;
const NR_ICMP_TYPES = 18;

export interface PeerTokens {
  /** The peer's address as an int32. */
  readonly peer: number;
  tokens: number;
  last: number;
}

const icmpRatemask = (s: DeviceState) => Number(s.sysctl('net.ipv4.icmp_ratemask', '6168'));
const icmpRatelimit = (s: DeviceState) => Number(s.sysctl('net.ipv4.icmp_ratelimit', '1000'));

const jiffies = (ms: number) => Math.floor(ms / JIFFY_MS);

export class RateLimiter {
  /** Per device: peer address as an int32 -> tokens. Kept on the device's state by the first limiter that asks about it. */
  private readonly others = new Map<DeviceState, Map<number, PeerTokens>>();

  /**
   * The tokens of KEY at S, undefined when it has none yet. On the state: its first peer's bucket alone (most of a
   * large lab's devices answer one peer), a map from the second peer on.
   */
  private find(s: DeviceState, key: number): PeerTokens | undefined {
    if (s.ratePeersOwner === this) return s.rateFirstPeer!.peer === key ? s.rateFirstPeer : s.ratePeers?.get(key);
    return s.ratePeersOwner === undefined ? undefined : this.others.get(s)?.get(key);
  }

  private add(s: DeviceState, p: PeerTokens): void {
    if (s.ratePeersOwner === undefined) {
      s.ratePeersOwner = this;
      s.rateFirstPeer = p;
    } else if (s.ratePeersOwner === this) (s.ratePeers ??= new Map()).set(p.peer, p);
    else {
      let byPeer = this.others.get(s);
      if (byPeer === undefined) this.others.set(s, (byPeer = new Map()));
      byPeer.set(p.peer, p);
    }
  }

  /** The (device, peer) asked about last and its tokens (a traceroute's three probes per hop ask the same pair; entries are never removed). */
  private lastState: DeviceState | undefined = undefined;
  private lastPeer = 0;
  private lastTokens: PeerTokens | undefined = undefined;

  private peer(s: DeviceState, peer: number, now: number): PeerTokens {
    const key = peer | 0;
    if (s === this.lastState && key === this.lastPeer) return this.lastTokens!;
    let p = this.find(s, key);
    // A new inet_peer starts as if last used 60 s ago: a full bucket.
    if (!p) this.add(s, (p = { peer: key, tokens: 0, last: now - 60 * HZ }));
    this.lastState = s;
    this.lastPeer = key;
    this.lastTokens = p;
    return p;
  }

  /** ip_error(): may a route lookup failure be answered now? */
  allowRouteError(s: DeviceState, peer: number, nowMs: number): boolean {
    const now = jiffies(nowMs);
    const p = this.peer(s, peer, now);
    p.tokens = Math.min(p.tokens + (now - p.last), ERROR_BURST);
    p.last = now;
    if (p.tokens >= ERROR_COST) {
      p.tokens -= ERROR_COST;
      return true;
    }
    return false;
  }

  /** icmpv4_xrlim_allow(): may this ICMP error go to `peer` now? */
  allowIcmp(s: DeviceState, peer: number, type: number, code: number, nowMs: number): boolean {
    const mask = s.derivedSysctl(icmpRatemask, '');
    if (type > NR_ICMP_TYPES) return true;
    if (type === ICMP_DEST_UNREACH && code === ICMP_FRAG_NEEDED) return true; // PMTU discovery is never limited
    if (((mask >>> type) & 1) === 0) return true;
    const limitMs = s.derivedSysctl(icmpRatelimit, '');
    const timeout = jiffies(limitMs);
    const now = jiffies(nowMs);
    const p = this.peer(s, peer, now);
    // inet_peer_xrlim_allow() (6.x) refills and caps only when a jiffy has passed: the ICMP that ip_error() just
    // paid for in the same jiffy keeps the route-error tokens, so pings 200 ms apart all get their !N (kernel-checked).
    if (now !== p.last) {
      p.tokens = Math.min(p.tokens + (now - p.last), XRLIM_BURST_FACTOR * timeout);
      p.last = now;
    }
    if (p.tokens >= timeout) {
      p.tokens -= timeout;
      return true;
    }
    return false;
  }
}
