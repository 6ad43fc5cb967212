// The ICMP rate limiter's kept last (device, peer) bucket (sim/ratelimit.ts) answers as the limiter with it forgotten
// before every call does, over random route errors and ICMP errors from several devices to several peers in time.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RateLimiter } from '../sim/ratelimit.js';
import { Simulator } from '../sim/simulator.js';
import { compileLabObject } from '../topology/compile.js';
import { generateHostGwLab } from '../topology/generate.js';

const lab = compileLabObject('generated.yaml', generateHostGwLab(3, 1));
const nodes = lab.devices.filter((d) => d.kind === 'node').map((d) => d.id);

const call = fc.tuple(fc.boolean(), fc.constantFrom(...nodes), fc.integer({ min: 1, max: 3 }), fc.constantFrom(3, 11), fc.constantFrom(0, 1, 3, 250, 1_000));

/** Forgets the limiter's last device and bucket (the reference: every call looks its bucket up afresh). */
function forget(l: RateLimiter): void {
  const kept = l as unknown as { lastDevice: string | undefined; lastPeer: number };
  kept.lastDevice = undefined;
  kept.lastPeer = -1;
}

describe("the rate limiter's kept bucket", () => {
  it('allows and refuses as the limiter without it', () => {
    const dp = new Simulator(lab).dp;
    fc.assert(
      fc.property(fc.array(call, { minLength: 1, maxLength: 60 }), (calls) => {
        const kept = new RateLimiter();
        const fresh = new RateLimiter();
        let now = 0;
        for (const [routeError, device, peer, type, advanceMs] of calls) {
          now += advanceMs;
          forget(fresh);
          const s = dp.state(device);
          const ask = (l: RateLimiter) => (routeError ? l.allowRouteError(device, peer, now) : l.allowIcmp(s, peer, type, 0, now));
          expect(ask(kept)).toBe(ask(fresh));
        }
      }),
      { numRuns: 2000 },
    );
  });
});
