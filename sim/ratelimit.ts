// The kernel's ICMP rate limits, per (device, peer): ip_error's route-error bucket (error_burst 5 s, error_cost
// 1 s, whatever icmp_ratelimit says) and icmp_send's bucket (icmp_ratelimit, burst 6x, types in icmp_ratemask).
// Both share the peer's token count, as inet_peer's rate_tokens does.
import type { DeviceState } from './dataplane.js';

const ERROR_COST_MS = 1000;
const ERROR_BURST_MS = 5000;
const XRLIM_BURST_FACTOR = 6;

interface PeerTokens {
  tokens: number;
  last: number;
}

export class RateLimiter {
  private readonly peers = new Map<string, PeerTokens>();

  private peer(device: string, peer: number, now: number): PeerTokens {
    const key = `${device}|${peer}`;
    let p = this.peers.get(key);
    // A new inet_peer starts as if last used 60 s ago: a full bucket.
    if (!p) this.peers.set(key, (p = { tokens: 0, last: now - 60000 }));
    return p;
  }

  allowRouteError(device: string, peer: number, now: number): boolean {
    const p = this.peer(device, peer, now);
    p.tokens = Math.min(p.tokens + (now - p.last), ERROR_BURST_MS);
    p.last = now;
    if (p.tokens >= ERROR_COST_MS) {
      p.tokens -= ERROR_COST_MS;
      return true;
    }
    return false;
  }

  allowIcmp(s: DeviceState, peer: number, type: number, now: number): boolean {
    const limit = Number(s.sysctl('net.ipv4.icmp_ratelimit', '1000'));
    const mask = Number(s.sysctl('net.ipv4.icmp_ratemask', '6168'));
    if (limit === 0 || type > 31 || ((mask >>> type) & 1) === 0) return true;
    const p = this.peer(s.device.id, peer, now);
    p.tokens = Math.min(p.tokens + (now - p.last), XRLIM_BURST_FACTOR * limit);
    p.last = now;
    if (p.tokens >= limit) {
      p.tokens -= limit;
      return true;
    }
    return false;
  }
}
