// runProbe's reused journeys (sim/probe.ts, Journey.start) and the dataplane's last answered device state
// (Dataplane.state): a probe gives the result, counters and clock it has with new journeys, whatever ran before, and state() the same
// object a first lookup gave.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadLab } from '../topology/compile.js';
import { Simulator } from '../sim/simulator.js';
import { runProbe, runProbeWith } from '../sim/probe.js';
import { Journey } from '../sim/journey.js';
import type { ProbeSpec } from '../sim/tool-context.js';

const lab = loadLab('three-node');
const DEVICES = ['netshoot', 'traceroute', 'nginx', 'node-1', 'node-2', 'controlplane'];
const TARGETS = [0x0af40102, 0x0af40103, 0x0af40002, 0x0a600014, 0x0a60000a, 0xc0a8380b, 0xcb00710a, 0x0af40909];
const probeArb = fc.record({
  from: fc.nat(DEVICES.length - 1), dst: fc.nat(TARGETS.length - 1), protocol: fc.constantFrom('udp' as const, 'tcp' as const, 'icmp' as const),
  ttl: fc.integer({ min: 1, max: 5 }), dport: fc.constantFrom(33434, 53, 80), recording: fc.boolean(), track: fc.boolean(),
});

function specOf(o: { dst: number; protocol: 'udp' | 'tcp' | 'icmp'; ttl: number; dport: number; track: boolean }, seq: number): ProbeSpec {
  return { protocol: o.protocol, dst: TARGETS[o.dst]!, dport: o.dport, sport: 40000 + (seq % 7), ttl: o.ttl, length: 60, df: false, seq, track: o.track };
}

describe('runProbe\'s reused journeys', () => {
  it('give each probe the result, counters and clock new journeys give it, with probes of another lab in between', () => {
    fc.assert(fc.property(fc.array(probeArb, { minLength: 5, maxLength: 40 }), fc.array(probeArb, { minLength: 1, maxLength: 3 }), (probes, between) => {
      const alone = new Simulator(lab);
      const interleaved = new Simulator(lab);
      const other = new Simulator(lab, { seed: 99 });
      other.dp.recordSteps = true;
      probes.forEach((o, seq) => {
        for (const b of between) runProbe(other.dp, DEVICES[b.from]!, specOf(b, seq * 3 + 1)); // leaves its fields on the spare journeys
        alone.dp.recordSteps = interleaved.dp.recordSteps = o.recording;
        const fresh = (direction: 'out' | 'back') => new Journey(alone.dp, direction, [], alone.dp.limiter, seq);
        const expected = JSON.stringify(runProbeWith(alone.dp, DEVICES[o.from]!, specOf(o, seq), fresh('out'), fresh('back')));
        for (const b of between) runProbe(other.dp, DEVICES[b.from]!, specOf(b, seq * 3 + 2));
        expect(JSON.stringify(runProbe(interleaved.dp, DEVICES[o.from]!, specOf(o, seq)))).toBe(expected);
      });
      for (const d of ['node-1', 'node-2']) for (const line of ['nstat -az', 'iptables-save -c', 'conntrack -L', 'ip -s link']) expect(interleaved.run(d, line).stdout).toBe(alone.run(d, line).stdout);
    }), { numRuns: 40, seed: 5 });
  });
});

describe('Dataplane.state', () => {
  it('answers the object its first lookup of each device made, in any order of lookups', () => {
    fc.assert(fc.property(fc.array(fc.constantFrom(...lab.devices.map((d) => d.id)), { minLength: 1, maxLength: 60 }), (ids) => {
      const sim = new Simulator(lab);
      const first = new Map<string, unknown>();
      for (const id of ids) {
        const s = sim.dp.state(id);
        if (!first.has(id)) first.set(id, s);
        expect(s).toBe(first.get(id));
        expect(s.id).toBe(id);
        expect(sim.dp.peekState(id)).toBe(s);
      }
    }), { numRuns: 100 });
  });
});
