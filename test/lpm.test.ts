// PrefixTable (sim/lpm.ts) answers as a scan of its prefixes does: the longest prefix holding the address, the first
// of equal prefixes, over random prefix lists with repeats; an OverlayFib's route cache answers as a fresh FIB does.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { maskOf } from '../topology/address.js';
import { OverlayFib, PrefixTable, TOMBSTONE, type SharedFib } from '../sim/lpm.js';

/** The index of the longest prefix holding ADDR (the first of equal ones), or -1: the reference scan. */
function scan(prefixes: readonly { addr: number; len: number }[], addr: number): number {
  let best = -1;
  prefixes.forEach((p, i) => {
    const m = maskOf(p.len);
    if (((addr & m) >>> 0) === ((p.addr & m) >>> 0) && (best === -1 || p.len > prefixes[best]!.len)) best = i;
  });
  return best;
}

/** Addresses from a small space, so that prefixes repeat and nest. */
const addr = fc.tuple(fc.constantFrom(10, 192), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 3 })).map(([a, b, c]) => ((a << 24) | (b << 16) | (c << 8) | c) >>> 0);
const prefix = fc.tuple(addr, fc.constantFrom(0, 8, 16, 24, 32)).map(([a, len]) => ({ addr: (a & maskOf(len)) >>> 0, len }));

describe('PrefixTable', () => {
  it('finds the longest prefix, the first of repeated ones', () => {
    fc.assert(
      fc.property(fc.array(prefix, { maxLength: 12 }), fc.array(addr, { minLength: 1, maxLength: 8 }), (prefixes, addrs) => {
        const t = new PrefixTable(prefixes);
        for (const a of addrs) expect(t.lookup(a)).toBe(scan(prefixes, a));
      }),
      { numRuns: 2000 },
    );
  });
});

/** Addresses in the same networks with any last byte: hundreds of them, so the route cache's slots are shared. */
const anyHost = fc.tuple(addr, fc.integer({ min: 0, max: 255 })).map(([a, h]) => ((a & ~0xff) | h) >>> 0);

describe('OverlayFib', () => {
  it("answers from its route cache as a FIB that never answered before (over a shared table and without, with routes that end the lookup)", () => {
    const route = fc.tuple(prefix, fc.boolean()).map(([p, tomb]) => ({ p, tomb }));
    fc.assert(
      fc.property(fc.array(route, { maxLength: 8 }), fc.array(prefix, { maxLength: 8 }), fc.boolean(), fc.boolean(), fc.array(anyHost, { minLength: 1, maxLength: 300 }), (own, sharedPrefixes, withShared, withThrow, addrs) => {
        const entries = own.map((r, i) => (r.tomb ? TOMBSTONE : i));
        const shared: SharedFib<number> | undefined = withShared ? { table: new PrefixTable(sharedPrefixes), routes: sharedPrefixes.map((_, i) => 100 + i), hits: [] } : undefined;
        // Routes whose number is a multiple of 3 end the lookup with no answer (as throw routes do).
        const ends = withThrow ? (r: number) => r % 3 === 0 : undefined;
        const make = () => new OverlayFib<number>(entries, own.map((r) => r.p), shared, ends);
        const plain = () => new OverlayFib<number>(entries, own.map((r) => r.p), shared);
        const fib = make();
        for (const a of addrs) {
          const found = plain().lookup(a)?.route;
          expect(fib.lookup(a)?.route).toBe(found !== undefined && ends?.(found) ? undefined : found);
        }
      }),
      { numRuns: 500 },
    );
  });
});
