// The engine's hook entry (sim/nat.ts runChain: the hook memo asked with the engine's own packet, before any
// MatchPacket is filled) against the uncached walk of the same rules, on a lab node's real tables plus rules that test
// the interfaces, mark, ICMP type and conntrack state, over random packets.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadLab } from '../topology/compile.js';
import { Simulator } from '../sim/simulator.js';
import { runChain } from '../sim/nat.js';
import { makePacket, type Packet } from '../sim/packet.js';
import { evaluate, ruleCounters, zeroCounters, type MatchPacket, type RuleCache } from '../sim/netfilter-eval.js';
import { appendRule, HOOK_NAMES, newChain, parseRule, type Chain, type TableName, type Tables } from '../sim/netfilter.js';
import { verdictOf } from './helpers/netfilter-sides.js';

const ADDED: readonly [TableName, string, string][] = [
  ['filter', 'FORWARD', '-i cni0 -o eth0 -p udp --dport 33436 -j DROP'],
  ['filter', 'FORWARD', '-m mark --mark 0x4000/0x4000 -j ACCEPT'],
  ['filter', 'INPUT', '-p icmp --icmp-type echo-request -j ACCEPT'],
  ['filter', 'FORWARD', '-p icmp --icmp-type port-unreachable -j DROP'],
  ['filter', 'INPUT', '-m conntrack --ctstate RELATED -j DROP'],
  ['filter', 'OUTPUT', '-o flannel.1 -p tcp --sport 40001 -j REJECT'],
  ['nat', 'PREROUTING', '-i eth0 -p udp --dport 33435 -j MARK --set-xmark 0x4000/0x4000'],
  ['nat', 'POSTROUTING', '-o cni0 -m mark --mark 0x4000/0x4000 -j MASQUERADE'],
];
const HOOKS: readonly [TableName, string][] = [['nat', 'PREROUTING'], ['nat', 'OUTPUT'], ['nat', 'POSTROUTING'], ['filter', 'FORWARD'], ['filter', 'INPUT'], ['filter', 'OUTPUT']];
// Few values each, so packets repeat and a lookup that read a field wrongly would find another packet's walk.
const ADDRS = [0x0a600014, 0x0a60000a, 0x0af40102, 0xc0a8380b];
const PORTS = [53, 33435, 33436, 40001];
const IFACES = [undefined, 'eth0', 'cni0'];
const MARKS = [undefined, 0, 0x4000];
const STATES = ['NEW', 'ESTABLISHED', 'RELATED'] as const;

const packetArb = fc.record({
  hook: fc.nat(HOOKS.length - 1), src: fc.nat(ADDRS.length - 1), dst: fc.nat(ADDRS.length - 1), proto: fc.nat(2), sport: fc.nat(PORTS.length - 1),
  dport: fc.nat(PORTS.length - 1), in: fc.nat(IFACES.length - 1), out: fc.nat(IFACES.length - 1), state: fc.nat(2), mark: fc.nat(MARKS.length - 1),
  icmp: fc.nat(2), length: fc.integer({ min: 28, max: 1500 }),
});

/** The same chains in plain Maps (no hook records, so no memo), sharing the rules, with counters of their own from zero. */
function plainCopy(t: Tables): Tables {
  const copy = (m: Map<string, Chain>) => new Map([...m].map(([n, c]) => [n, newChain(n, c.policy, c.rules, c.policy === undefined ? undefined : 0, c.policy === undefined ? undefined : 0)]));
  return { filter: copy(t.filter), nat: copy(t.nat) };
}

function counters(t: Tables, cache: RuleCache): string {
  return (['filter', 'nat'] as const).map((name) => [...t[name].values()].map((c) => `${c.name}:${c.policyPackets ?? 0}/${c.policyBytes ?? 0}:${ruleCounters(cache, c).map((r) => `${r.packets}/${r.bytes}`).join(',')}`).join(' ')).join(' | ');
}

describe('engine hook entry (runChain)', () => {
  it('gives the uncached walk\'s verdicts, marks and counters for any packet', () => {
    fc.assert(fc.property(fc.array(packetArb, { minLength: 50, maxLength: 200 }), (packets) => {
      const sim = new Simulator(loadLab('three-node'));
      const s = sim.dp.state('node-1');
      for (const [table, chain, words] of ADDED) {
        const r = parseRule(words.split(' '));
        if (!r.ok) throw new Error(r.error);
        appendRule(s.tables[table].get(chain)!, r.value);
      }
      for (const name of ['filter', 'nat'] as const) for (const c of s.tables[name].values()) zeroCounters(s.ruleCache, c);
      const plain = plainCopy(s.tables);
      const plainCache: RuleCache = new WeakMap();
      for (const o of packets) {
        const protocol = (['udp', 'tcp', 'icmp'] as const)[o.proto]!;
        const icmp = protocol === 'icmp' ? [{ type: 8, code: 0 }, { type: 3, code: 3 }, { type: 3, code: 0 }][o.icmp] : undefined;
        const p: Packet = makePacket(ADDRS[o.src]!, ADDRS[o.dst]!, protocol, PORTS[o.sport]!, PORTS[o.dport]!, 64, o.length, false, icmp, undefined, MARKS[o.mark]);
        const [table, chain] = HOOKS[o.hook]!;
        const m: MatchPacket = {
          src: p.src, dst: p.dst, protocol, sport: p.sport, dport: p.dport, in: IFACES[o.in], out: IFACES[o.out], state: STATES[o.state]!,
          seed: sim.dp.seed, mark: p.mark ?? 0, local: s, length: p.length, icmpType: icmp?.type, icmpCode: icmp?.code,
        };
        // Three runs each: the first walks, the second is remembered, the third replays.
        for (let k = 0; k < 3; k++) {
          const got = runChain(sim.dp, s, table, HOOK_NAMES.indexOf(chain as typeof HOOK_NAMES[number]) as 0 | 1 | 2 | 3 | 4, p, STATES[o.state]!, IFACES[o.in], IFACES[o.out]);
          expect(verdictOf(got)).toBe(verdictOf(evaluate(plain, table, chain, m, plainCache)));
        }
      }
      expect(counters(s.tables, s.ruleCache)).toBe(counters(plain, plainCache));
    }), { numRuns: 60, seed: 7 });
  });
});
