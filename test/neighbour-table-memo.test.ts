// NeighbourTable's kept last interface and entry (sim/neighbours.ts) answer as the table with them forgotten before
// every call does, over random sends, unanswered requests, learned, static and deleted entries as time goes on.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NeighbourTable } from '../sim/neighbours.js';

type Op = readonly [kind: number, dev: string, ip: number, mac: string, advanceMs: number];

const op: fc.Arbitrary<Op> = fc.tuple(
  fc.integer({ min: 0, max: 9 }), fc.constantFrom('eth0', 'eth1', 'cni0'), fc.constantFrom(1, 2, 3, 0xc0a83801, 0xffffffff, 0x80000000), fc.constantFrom('aa', 'bb'),
  fc.constantFrom(0, 0, 1, 1_000, 4_000, 6_000, 31_000),
);

/** Applies OP at NOW; the answer and the whole table with every entry's state afterwards. */
function apply(t: NeighbourTable, [kind, dev, ip, mac]: Op, now: number): unknown {
  let answer: unknown;
  if (kind <= 4) answer = t.send(dev, ip, mac, now);
  else if (kind === 5) t.unanswered(dev, ip, now + 3_000);
  else if (kind === 6) t.heardFrom(dev, ip, mac, now);
  else if (kind === 7) t.setEntry(dev, ip, mac, (['PERMANENT', 'REACHABLE', 'STALE'] as const)[(ip >>> 0) % 3]!, now);
  else if (kind === 8) answer = t.delete(dev, ip);
  else { const e = t.get(dev, ip); if (e !== undefined) e.probesFail = true; }
  return { answer, entries: t.entries().map((e) => ({ ...e, state: t.state(e, now) })) };
}

/** Forgets what the table kept from its last calls (the reference: every call looks its entry up afresh). */
function forget(t: NeighbourTable): void {
  const kept = t as unknown as { lastDev: string | undefined; prevDev: string | undefined; byDev: Map<string, { forget(): void }> };
  kept.lastDev = undefined;
  kept.prevDev = undefined;
  for (const d of kept.byDev.values()) d.forget();
}

describe("the neighbour table's kept entry", () => {
  it('changes no answer and no state', () => {
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 40 }), (ops) => {
        const kept = new NeighbourTable();
        const fresh = new NeighbourTable();
        let now = 0;
        for (const o of ops) {
          now += o[4];
          forget(fresh);
          expect(apply(kept, o, now)).toEqual(apply(fresh, o, now));
        }
      }),
      { numRuns: 2000 },
    );
  });
});
