// The neighbour entries interfaces keep outside their tables (sendFrame, sim/neighbours.ts: the sender's last entries,
// the receiver's entry from its last sender) and send()'s common-case paths answer as main's send() did, over random frames between
// two devices' interfaces, with entries learned, unanswered, static, deleted, edited in place (arp.ts) and new tables
// made, as time goes on.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KeptNeighbour, NeighbourTable, sendFrame } from '../sim/neighbours.js';

type Op = readonly [kind: number, from: number, to: number, ip: number, advanceMs: number];

const IPS = [1, 0xc0a83801, 0xffffffff] as const;
/** Interfaces by index: device (index >> 1), name, MAC; each sends and receives. */
const ENDS = [['eth0', 'aa'], ['eth1', 'bb'], ['eth0', 'aa'], ['eth1', 'cc']] as const;
const op: fc.Arbitrary<Op> = fc.tuple(
  fc.integer({ min: 0, max: 11 }), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 2 }),
  fc.constantFrom(0, 0, 1, 1_000, 4_000, 6_000, 31_000),
);

/** send() as main had it before its common-case paths (sim/neighbours.ts, 3568987), through the table's public calls: the reference. */
function referenceSend(t: NeighbourTable, dev: string, ip: number, mac: string, now: number): string {
  const e = t.get(dev, ip);
  if (e === undefined || e.failsAtMs !== undefined || (e.probesFail && t.state(e, now) === 'FAILED')) {
    t.setEntry(dev, ip, mac, 'REACHABLE', now);
    return 'asked';
  }
  if (e.permanent) return e.lladdr === mac ? 'known' : 'lost';
  if (e.lladdr !== mac) return 'other';
  if (t.state(e, now) !== 'STALE') return 'known';
  e.delayFromMs = now;
  return 'probing';
}

/** Two devices' tables and their interfaces' kept entries. */
function world(): { tables: NeighbourTable[]; kept: KeptNeighbour[] } {
  return { tables: [new NeighbourTable(), new NeighbourTable()], kept: ENDS.map(() => new KeptNeighbour()) };
}

/** Applies OP at NOW (frames by sendFrame or send when KEPT, else by the reference); the answer and every entry with its state after. */
function apply(w: ReturnType<typeof world>, [kind, from, to, k]: Op, now: number, kept: boolean): unknown {
  const t = w.tables[from >> 1]!;
  const dev = ENDS[from]![0];
  const ip = IPS[k]!;
  const mac = ENDS[to]![1];
  let answer: unknown;
  if (kind <= 4) answer = kept ? sendFrame(t, dev, w.kept[from]!, ip, mac, w.kept[to]!, now) : referenceSend(t, dev, ip, mac, now);
  else if (kind === 5) answer = kept ? t.send(dev, ip, mac, now) : referenceSend(t, dev, ip, mac, now);
  else if (kind === 6) t.unanswered(dev, ip, now + 3_000);
  else if (kind === 7) t.heardFrom(dev, ip, mac, now);
  else if (kind === 8) t.setEntry(dev, ip, mac, (['PERMANENT', 'REACHABLE', 'STALE'] as const)[to % 3]!, now);
  else if (kind === 9) answer = t.delete(dev, ip);
  else if (kind === 10) { const e = t.get(dev, ip); if (e !== undefined) { e.probesFail = true; e.lladdr = to === 3 ? 'dd' : e.lladdr; } }
  else w.tables[from >> 1] = new NeighbourTable();
  return { answer, entries: w.tables.map((x) => x.entries().map((e) => ({ ...e, state: x.state(e, now) }))) };
}

describe('the neighbour entries interfaces keep', () => {
  it('change no answer and no state', () => {
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 60 }), (ops) => {
        // Each world runs its whole sequence in turn: the reference's writes must not move the count between the kept world's frames.
        const run = (kept: boolean): unknown[] => {
          const w = world();
          let now = 0;
          return ops.map((o) => apply(w, o, (now += o[4]), kept));
        };
        expect(run(true)).toEqual(run(false));
      }),
      { numRuns: 3000 },
    );
  });
});
