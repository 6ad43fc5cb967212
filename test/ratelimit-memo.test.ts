// The ICMP rate limiter's buckets kept on the device states (sim/ratelimit.ts: the first limiter to ask about a device
// keeps them there, any other in a map of its own) and its kept last (device, peer) bucket answer as a limiter without
// them: two limiters asked the same random route errors and ICMP errors from several devices to several peers in time,
// one keeping its buckets on the states, one in its map with its last bucket forgotten before every call.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RateLimiter } from '../sim/ratelimit.js';
import { Simulator } from '../sim/simulator.js';
import { compileLabObject } from '../topology/compile.js';
import { generateHostGwLab } from '../topology/generate.js';

const lab = compileLabObject('generated.yaml', generateHostGwLab(3, 1));
const nodes = lab.devices.filter((d) => d.kind === 'node').map((d) => d.id);

const call = fc.tuple(fc.boolean(), fc.constantFrom(...nodes), fc.integer({ min: 1, max: 3 }), fc.constantFrom(3, 11), fc.constantFrom(0, 1, 3, 250, 1_000));

/** Forgets the limiter's last device and bucket (every call looks its bucket up afresh). */
function forget(l: RateLimiter): void {
  (l as unknown as { lastState: unknown }).lastState = undefined;
}

describe("the rate limiter's buckets on the device states", () => {
  it('allow and refuse as the buckets in a map of their own', () => {
    fc.assert(
      fc.property(fc.array(call, { minLength: 1, maxLength: 60 }), fc.array(fc.constantFrom(...nodes)), (calls, claimedFirst) => {
        const dp = new Simulator(lab).dp;
        const onStates = new RateLimiter();
        const inMap = new RateLimiter();
        // The second limiter asks about some devices first (their buckets go on the states), the first about the rest.
        for (const d of claimedFirst) inMap.allowIcmp(dp.state(d), 0xc0000201, 11, 0, -1e9);
        for (const d of claimedFirst) onStates.allowIcmp(dp.state(d), 0xc0000201, 11, 0, -1e9);
        let now = 0;
        for (const [routeError, device, peer, type, advanceMs] of calls) {
          now += advanceMs;
          const s = dp.state(device);
          const ask = (l: RateLimiter) => (routeError ? l.allowRouteError(s, peer, now) : l.allowIcmp(s, peer, type, 0, now));
          forget(inMap);
          expect(ask(onStates)).toBe(ask(inMap));
          forget(inMap);
          expect(ask(inMap)).toBe(ask(onStates));
        }
      }),
      { numRuns: 500 },
    );
  });
});
