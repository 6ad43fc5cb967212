// The neighbour entry a receiving interface keeps (NeighbourTable.sendFrom, sim/neighbours.ts) answers as send() on
// the sender's table does, over random frames from two devices' interfaces to shared receivers, with entries
// learned, unanswered, static, deleted, edited in place (arp.ts) and new tables made, as time goes on.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KeptNeighbour, NeighbourTable } from '../sim/neighbours.js';

type Op = readonly [kind: number, device: number, dev: number, ip: number, to: number, advanceMs: number];

const IPS = [1, 0xc0a83801, 0xffffffff, 0xc0a83801] as const;
const op: fc.Arbitrary<Op> = fc.tuple(
  fc.integer({ min: 0, max: 11 }), fc.integer({ min: 0, max: 1 }), fc.integer({ min: 0, max: 1 }), fc.integer({ min: 0, max: 3 }),
  fc.integer({ min: 0, max: 2 }), fc.constantFrom(0, 0, 1, 1_000, 4_000, 6_000, 31_000),
);

/** A receiving interface: its MAC and the entry it keeps. */
class Receiver extends KeptNeighbour {
  constructor(readonly mac: string) {
    super();
  }
}

/** Two devices' tables and their interfaces (eth0, eth1), and the receivers frames go to. */
function world(): { tables: NeighbourTable[]; ifaces: { name: string }[][]; receivers: Receiver[] } {
  return { tables: [new NeighbourTable(), new NeighbourTable()], ifaces: [0, 1].map(() => [{ name: 'eth0' }, { name: 'eth1' }]), receivers: ['aa', 'bb', 'aa'].map((m) => new Receiver(m)) };
}

/** Applies OP at NOW (frames by sendFrom when KEPT, else by send); the answer and every entry with its state after. */
function apply(w: ReturnType<typeof world>, [kind, device, dev, k, to, ]: Op, now: number, kept: boolean): unknown {
  const t = w.tables[device]!;
  const from = w.ifaces[device]![dev]!;
  const ip = IPS[k]!;
  const mac = w.receivers[to]!.mac;
  let answer: unknown;
  if (kind <= 5) answer = kept ? t.sendFrom(from, ip, mac, w.receivers[to]!, now) : t.send(from.name, ip, mac, now);
  else if (kind === 6) t.unanswered(from.name, ip, now + 3_000);
  else if (kind === 7) t.heardFrom(from.name, ip, mac, now);
  else if (kind === 8) t.setEntry(from.name, ip, mac, (['PERMANENT', 'REACHABLE', 'STALE'] as const)[to]!, now);
  else if (kind === 9) answer = t.delete(from.name, ip);
  else if (kind === 10) { const e = t.get(from.name, ip); if (e !== undefined) { e.probesFail = true; e.lladdr = to === 2 ? 'cc' : e.lladdr; } }
  else w.tables[device] = new NeighbourTable();
  return { answer, entries: w.tables.map((x) => x.entries().map((e) => ({ ...e, state: x.state(e, now) }))) };
}

describe('the neighbour entry a receiver keeps', () => {
  it('changes no answer and no state', () => {
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 60 }), (ops) => {
        // Each world runs its whole sequence in turn: the reference's writes must not move the count between the kept world's frames.
        const run = (kept: boolean): unknown[] => {
          const w = world();
          let now = 0;
          return ops.map((o) => apply(w, o, (now += o[5]), kept));
        };
        expect(run(true)).toEqual(run(false));
      }),
      { numRuns: 3000 },
    );
  });
});
