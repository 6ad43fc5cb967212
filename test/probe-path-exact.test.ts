// The probe path's cheaper computations give what the plain ones give: the hop loop against its previous version
// (same probes, clock moves and record), `%.3f` without toFixed, plain command lines split by slicing, and each
// link crossing's delay from a journey's (seed, probe) hash half.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ProbeResult, Reply } from '../topology/trace.js';
import type { ProbeSpec, ToolContext } from '../sim/tool-context.js';
import { traceHops, type HopLoopOptions } from '../sim/tools/hop-loop.js';
import { toFixed3 } from '../sim/tools/traceroute-args.js';
import { splitWords } from '../sim/words.js';
import { linkDelayKey, linkDelayMs, unit } from '../sim/packet.js';
import { referenceTraceHops } from './helpers/hop-loop-reference.js';

const TARGET = 0x0af40103;

/** What one probe meets, drawn per probe number: lost, an answer from the hop or the target, frag needed. */
const answer = fc.record({
  lost: fc.boolean(),
  rttMs: fc.oneof(fc.double({ min: 0.001, max: 8000, noNaN: true }), fc.constantFrom(0.5, 1, 2, 3000, 5000)),
  twist: fc.constantFrom('none', 'none', 'frag', 'other-echo', 'unreachable', 'prohibited'),
  mtu: fc.constantFrom(576, 1000, 1400, 1480),
});

const world = fc.record({ reachTtl: fc.integer({ min: 1, max: 7 }), answers: fc.array(answer, { minLength: 1, maxLength: 40 }) });
type World = { reachTtl: number; answers: { lost: boolean; rttMs: number; twist: string; mtu: number }[] };

const options = fc.record({
  protocol: fc.constantFrom('udp' as const, 'icmp' as const, 'tcp' as const),
  firstHop: fc.integer({ min: 1, max: 3 }),
  maxHops: fc.integer({ min: 3, max: 9 }),
  probesPerHop: fc.integer({ min: 1, max: 4 }),
  packetLength: fc.constantFrom(60, 1500, 65000),
  df: fc.boolean(),
  waitMs: fc.constantFrom(1, 100, 3000, 5000),
  adaptiveWait: fc.option(fc.record({ here: fc.constantFrom(0, 0.5, 1, 3), near: fc.constantFrom(0, 1, 10) }), { nil: undefined }),
  inFlight: fc.constantFrom(1, 2, 16),
  sendGapMs: fc.option(fc.constantFrom(0, 50, 500), { nil: undefined }),
  discoverMtu: fc.boolean(),
  echoFromTargetOnly: fc.boolean(),
  busyboxStop: fc.boolean(),
});

function probeOf(w: World, spec: ProbeSpec): ProbeResult {
  const a = w.answers[spec.seq % w.answers.length]!;
  if (a.lost) return { ttl: spec.ttl, reply: undefined, disposition: 'no-answer', at: 'x', steps: [] };
  const atTarget = spec.ttl >= w.reachTtl;
  let reply: Reply = { from: atTarget ? TARGET : 0x0a000000 + spec.ttl, kind: atTarget ? 'unreachable' : 'time-exceeded', code: atTarget ? 3 : undefined, mtu: undefined, ttl: 64 - spec.ttl, rttMs: a.rttMs };
  if (a.twist === 'frag') reply = { ...reply, kind: 'unreachable', code: 4, mtu: a.mtu };
  if (a.twist === 'other-echo' || (atTarget && spec.protocol === 'icmp')) reply = { ...reply, kind: 'echo-reply', code: undefined, from: a.twist === 'other-echo' ? 0x0a0000ff : TARGET };
  if (a.twist === 'unreachable') reply = { ...reply, kind: 'unreachable', code: 1 };
  if (a.twist === 'prohibited') reply = { ...reply, kind: 'unreachable', code: 13 };
  return { ttl: spec.ttl, reply, disposition: atTarget ? 'reached' : 'time-exceeded', at: 'x', steps: [] };
}

/** A tool context that answers from W and logs every probe sent and every wait. */
function context(w: World, log: unknown[]): ToolContext {
  return {
    probe: (spec: ProbeSpec) => {
      log.push(['probe', { ...spec }]);
      return probeOf(w, spec);
    },
    wait: (ms: number) => log.push(['wait', ms]),
    sourceRoute: () => ({ ok: true, src: 1, dev: 'eth0', mtu: 1500 }),
  } as unknown as ToolContext;
}

describe('traceHops', () => {
  it('sends, waits and records as the previous hop loop did', () => {
    fc.assert(
      fc.property(world, options, (w, o) => {
        const opts: HopLoopOptions = {
          ...o,
          tool: 'traceroute',
          target: { name: 't', ip: TARGET },
          maxHops: Math.max(o.maxHops, o.firstHop),
          ports: (n) => (o.protocol === 'icmp' ? { sport: 7, dport: 0, icmpSeq: n + 1 } : { sport: 40000, dport: 33434 + n }),
          lastHop: o.busyboxStop
            ? (probes) => probes.some((p) => p.reply?.kind === 'unreachable' && p.reply.code !== 3) || probes.some((p) => p.reply?.from === TARGET)
            : (probes) => probes.some((p) => p.reply !== undefined && p.reply.kind !== 'time-exceeded'),
        };
        const mine: unknown[] = [];
        const reference: unknown[] = [];
        const got = traceHops(context(w, mine), opts);
        const want = referenceTraceHops(context(w, reference), opts);
        expect(got).toStrictEqual(want);
        expect(JSON.stringify(got)).toBe(JSON.stringify(want));
        expect(mine).toStrictEqual(reference);
      }),
      { numRuns: 3000 },
    );
  });
});

/** Doubles next to X (ULPS steps up or down): the values a rounding rule gets wrong first. */
function nextTo(x: number, ulps: number): number {
  const f = new Float64Array([x]);
  const u = new BigInt64Array(f.buffer);
  u[0] = u[0]! + BigInt(ulps);
  return f[0]!;
}

describe('toFixed3', () => {
  it('prints as toFixed(3) does, next to the ties too', () => {
    const ties = fc.tuple(fc.integer({ min: 0, max: 999_999_999 }), fc.integer({ min: -3, max: 3 })).map(([k, d]) => nextTo((k + 0.5) / 1000, d));
    fc.assert(
      fc.property(fc.oneof(ties, fc.double({ min: 0, max: 2e6, noNaN: true }), fc.double({ min: 0, max: 10, noNaN: true }), fc.constantFrom(0, -0, Infinity, NaN, -1.5, 1e6, 5e-324)), (x) => {
        expect(toFixed3(x)).toBe(x.toFixed(3));
      }),
      { numRuns: 100_000 },
    );
  });
});

describe('splitWords', () => {
  it('splits a line without quotes or backslashes at runs of blanks', () => {
    const line = fc.array(fc.constantFrom('a', 'b', '-', '1', '.', ' ', ' ', '\t', '\n', '|', ';', '$', '\r'), { maxLength: 30 }).map((cs) => cs.join(''));
    fc.assert(
      fc.property(line, (l) => {
        expect(splitWords(l)).toStrictEqual({ ok: true, words: l.split(/[ \t\n]+/).filter((w) => w !== '') });
      }),
      { numRuns: 5000 },
    );
  });
});

describe('linkDelayMs', () => {
  it('is base * (0.7 + 0.6 * unit(seed, probe, step, 17)) from the (seed, probe) half', () => {
    const base = { veth: 0.0025, 'host-only': 0.19, nat: 0.12, wan: 0.35 } as const;
    const word = fc.integer({ min: 0, max: 2 ** 32 - 1 });
    fc.assert(
      fc.property(fc.constantFrom('veth' as const, 'host-only' as const, 'nat' as const, 'wan' as const), word, fc.oneof(word, fc.integer({ min: 0, max: 2 ** 40 })), fc.integer({ min: 0, max: 1100 }), (kind, seed, probe, step) => {
        expect(linkDelayMs(kind, linkDelayKey(seed, probe), step)).toBe(base[kind] * (0.7 + 0.6 * unit(seed, probe, step, 17)));
      }),
      { numRuns: 20_000 },
    );
  });
});
