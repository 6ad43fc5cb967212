// The engine's hook entry on a pod's empty chains (sim/nat.ts runChain and natOutputHasRules: an empty chain noted on
// its hook record per netfilter edit count) against the uncached walk of the same chains, over random packets
// interleaved with the iptables commands that add and remove rules and chains, flush, set policies and zero counters.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadLab } from '../topology/compile.js';
import { Simulator } from '../sim/simulator.js';
import { natOutputHasRules, runChain } from '../sim/nat.js';
import { makePacket } from '../sim/packet.js';
import { evaluate, type MatchPacket } from '../sim/netfilter-eval.js';
import { HOOK_NAMES, newChain, type Chain, type HookSlot, type TableName, type Tables } from '../sim/netfilter.js';
import { verdictOf } from './helpers/netfilter-sides.js';

const POD = 'netshoot'; // a pod with iptables (its chains start empty)
const HOOKS: readonly [TableName, HookSlot][] = [['nat', 0], ['nat', 3], ['nat', 4], ['filter', 1], ['filter', 2], ['filter', 3]];
const COMMANDS = [
  'iptables -A INPUT -p udp --dport 33435 -j DROP',
  'iptables -A OUTPUT -p icmp -j ACCEPT',
  'iptables -I FORWARD -p tcp -j REJECT',
  'iptables -F INPUT',
  'iptables -F',
  'iptables -D OUTPUT 1',
  'iptables -P INPUT DROP',
  'iptables -P INPUT ACCEPT',
  'iptables -t nat -A OUTPUT -p udp -d 10.96.0.10 -j DNAT --to-destination 10.244.0.2',
  'iptables -t nat -A POSTROUTING -p udp --dport 33436 -j MASQUERADE',
  'iptables -t nat -F OUTPUT',
  'iptables -t nat -F',
  'iptables -N EXTRA',
  'iptables -A INPUT -j EXTRA',
  'iptables -A EXTRA -p udp -j DROP',
  'iptables -X EXTRA',
  'iptables -Z',
];
const ADDRS = [0x0a600014, 0x0af40102, 0x0af40202, 0x0a60000a];
const PORTS = [53, 33435, 33436];

const stepArb = fc.oneof(
  fc.record({ command: fc.nat(COMMANDS.length - 1) }),
  fc.record({ replace: fc.nat(HOOKS.length - 1), policy: fc.constantFrom('ACCEPT' as const, 'DROP' as const) }),
  fc.record({ hook: fc.nat(HOOKS.length - 1), dst: fc.nat(ADDRS.length - 1), proto: fc.nat(2), dport: fc.nat(PORTS.length - 1), length: fc.integer({ min: 28, max: 1500 }) }),
);

/** The same chain objects in plain Maps: evaluate() walks them without hook records, memo or empty-chain notes. */
function plain(t: Tables): Tables {
  return { filter: new Map<string, Chain>(t.filter), nat: new Map<string, Chain>(t.nat) };
}

describe('engine hook entry on empty chains (runChain, natOutputHasRules)', () => {
  it('gives the uncached walk\'s verdicts and counters as rules and chains come and go', () => {
    fc.assert(fc.property(fc.array(stepArb, { minLength: 20, maxLength: 120 }), (steps) => {
      const hooked = new Simulator(loadLab('three-node'));
      const uncached = new Simulator(loadLab('three-node'));
      const s = hooked.dp.state(POD);
      const u = uncached.dp.state(POD);
      for (const step of steps) {
        if ('command' in step) {
          for (const sim of [hooked, uncached]) expect(sim.run(POD, COMMANDS[step.command]!).stderr).not.toContain('not found');
          continue;
        }
        if ('replace' in step) { // a builtin chain replaced by a new object (ChainMap.set: no command does it today)
          const [table, slot] = HOOKS[step.replace]!;
          for (const state of [s, u]) state.tables[table].set(HOOK_NAMES[slot], newChain(HOOK_NAMES[slot], step.policy, [], 0, 0));
          continue;
        }
        const protocol = (['udp', 'tcp', 'icmp'] as const)[step.proto]!;
        const p = makePacket(0x0af40102, ADDRS[step.dst]!, protocol, 40000, PORTS[step.dport]!, 64, step.length, false, protocol === 'icmp' ? { type: 8, code: 0 } : undefined);
        const [table, slot] = HOOKS[step.hook]!;
        const m: MatchPacket = { src: p.src, dst: p.dst, protocol, sport: p.sport, dport: p.dport, in: slot === 3 ? undefined : 'eth0', out: slot === 0 || slot === 1 ? undefined : 'eth0', state: 'NEW', seed: uncached.dp.seed, mark: 0, local: u, length: p.length, icmpType: p.icmp?.type, icmpCode: p.icmp?.code };
        for (let k = 0; k < 2; k++) {
          const got = runChain(hooked.dp, s, table, slot, p, 'NEW', m.in, m.out);
          expect(verdictOf(got)).toBe(verdictOf(evaluate(plain(u.tables), table, HOOK_NAMES[slot], m, u.ruleCache)));
        }
        expect(natOutputHasRules(s)).toBe((u.tables.nat.get('OUTPUT')?.rules.length ?? 0) > 0);
      }
      for (const dump of ['iptables-save -c', 'iptables -t nat -L -v -n -x']) expect(hooked.run(POD, dump).stdout).toBe(uncached.run(POD, dump).stdout);
    }), { numRuns: 80, seed: 11 });
  });
});
