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

interface PeerTokens {
  tokens: number;
  last: number;
}

const icmpRatemask = (s: DeviceState) => Number(s.sysctl('net.ipv4.icmp_ratemask', '6168'));
const icmpRatelimit = (s: DeviceState) => Number(s.sysctl('net.ipv4.icmp_ratelimit', '1000'));

const jiffies = (ms: number) => Math.floor(ms / JIFFY_MS);

export class RateLimiter {
  /** device -> peer address -> tokens. */
  private readonly peers = new Map<string, Map<number, PeerTokens>>();

  /** The device asked about last and its peers (errors come in runs from one router). */
  private lastDevice: string | undefined;
  private lastPeers: Map<number, PeerTokens> | undefined;

  /** The (device, peer) asked about last and its tokens (a traceroute's three probes per hop ask the same pair; entries are never removed). */
  private lastPeer = -1;
  private lastTokens: PeerTokens | undefined;

  private peer(device: string, peer: number, now: number): PeerTokens {
    if (device === this.lastDevice && peer === this.lastPeer) return this.lastTokens!;
    let byPeer = device === this.lastDevice ? this.lastPeers : this.peers.get(device);
    if (!byPeer) this.peers.set(device, (byPeer = new Map()));
    this.lastDevice = device;
    this.lastPeers = byPeer;
    let p = byPeer.get(peer);
    // A new inet_peer starts as if last used 60 s ago: a full bucket.
    if (!p) byPeer.set(peer, (p = { tokens: 0, last: now - 60 * HZ }));
    this.lastPeer = peer;
    this.lastTokens = p;
    return p;
  }

  /** ip_error(): may a route lookup failure be answered now? */
  allowRouteError(device: string, peer: number, nowMs: number): boolean {
    const now = jiffies(nowMs);
    const p = this.peer(device, peer, now);
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
    const p = this.peer(s.id, peer, now);
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
