// The evaluator's per-table caches (sim/chain-map.ts hook records: a builtin chain, its policy verdict and compiled
// list; a jump's target list; jumps to empty chains skipped) against the uncached walk of the same tables held in plain
// Maps, over random rule edits, chain additions and removals and policy changes: same verdicts, marks and counters.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { MatchPacket } from '../sim/netfilter-eval.js';
import { ChainMap, flushRules, newChain, parseRule, setPolicy, type Chain, type Rule } from '../sim/netfilter.js';
import { counters, editRule, runSide, verdictOf, type Side } from './helpers/netfilter-sides.js';

const BUILTIN = ['PREROUTING', 'FORWARD', 'POSTROUTING'] as const;
const USER = ['A', 'B', 'C'] as const;
const RULE_WORDS = [
  '-j ACCEPT', '-j DROP', '-j RETURN', '-j A', '-j B', '-j C', '-s 10.0.0.0/8 -j RETURN', '-p udp -j A', '-d 10.1.0.0/16 -j B',
  '-m conntrack --ctstate NEW -j C', '-m conntrack --ctstate ESTABLISHED -j ACCEPT', '-j MARK --set-xmark 0x1/0x1',
  '-m mark --mark 0x1/0x1 -j DROP', '-p icmp -j ACCEPT', '-j LOG',
];
const RULES: readonly Rule[] = RULE_WORDS.map((w) => {
  const r = parseRule(w.split(' '));
  if (!r.ok) throw new Error(r.error);
  return r.value;
});

type Op =
  | { kind: 'packet'; chain: number; src: number; dst: number; udp: boolean; state: 'NEW' | 'ESTABLISHED' }
  | { kind: 'push' | 'insert' | 'replace' | 'delete'; chain: number; rule: number; at: number }
  | { kind: 'flush'; chain: number }
  | { kind: 'policy'; chain: number; drop: boolean }
  | { kind: 'drop-user' | 'add-user'; user: number };

const CHAIN_NAMES = [...BUILTIN, ...USER];
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('packet' as const), chain: fc.nat(2), src: fc.nat(3), dst: fc.nat(3), udp: fc.boolean(), state: fc.constantFrom('NEW' as const, 'ESTABLISHED' as const) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constantFrom('push' as const, 'insert' as const, 'replace' as const, 'delete' as const), chain: fc.nat(5), rule: fc.nat(RULES.length - 1), at: fc.nat(6) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('flush' as const), chain: fc.nat(5) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('policy' as const), chain: fc.nat(2), drop: fc.boolean() }) },
  // Chains A and B come and go (C stays): a jump's cached target and list must follow.
  { weight: 2, arbitrary: fc.record({ kind: fc.constantFrom('drop-user' as const, 'add-user' as const), user: fc.nat(1) }) },
);

const ADDRS = [0x0a000001, 0x0a010002, 0xc0000207, 0x0a0100ff];

function side(hooked: boolean): Side {
  const chains = hooked ? new ChainMap() : new Map<string, Chain>();
  // The hooked side's chains are made as the simulator makes them (newChain: one shape).
  for (const n of BUILTIN) chains.set(n, hooked ? newChain(n, 'ACCEPT', [], 0, 0) : { name: n, policy: 'ACCEPT', rules: [], policyPackets: 0, policyBytes: 0 });
  for (const n of USER) chains.set(n, hooked ? newChain(n) : { name: n, rules: [] });
  return { chains, cache: new WeakMap(), hooked };
}

/** Applies an edit the way sim/commands/iptables.ts does (in place, or a new array for a flush). */
function edit(s: Side, o: Exclude<Op, { kind: 'packet' }>): void {
  if ('user' in o) {
    const name = USER[o.user]!;
    if (o.kind === 'drop-user') s.chains.delete(name);
    else if (!s.chains.has(name)) s.chains.set(name, s.hooked ? newChain(name) : { name, rules: [] });
    return;
  }
  const c = s.chains.get(CHAIN_NAMES[o.chain]!);
  if (c === undefined) return;
  if (o.kind === 'flush') flushRules(c);
  else if (o.kind === 'policy') setPolicy(c, o.drop ? 'DROP' : 'ACCEPT');
  else editRule(c, o, RULES[o.rule]!);
}

describe('hook records and jump caches', () => {
  it('evaluate as the uncached walk does, through any edits', () => {
    fc.assert(fc.property(fc.array(op, { minLength: 20, maxLength: 80, size: 'max' }), (ops) => {
      const hooked = side(true);
      const plain = side(false);
      for (const o of ops) {
        if (o.kind !== 'packet') {
          edit(hooked, o);
          edit(plain, o);
          continue;
        }
        const p: MatchPacket = { src: ADDRS[o.src]!, dst: ADDRS[o.dst]!, protocol: o.udp ? 'udp' : 'icmp', sport: 40000, dport: 33434, state: o.state, seed: 1, mark: 0, length: 60 + o.src };
        const name = BUILTIN[o.chain]!;
        expect(verdictOf(runSide(hooked, name, p))).toBe(verdictOf(runSide(plain, name, p)));
        if (o.src === 0) expect(counters(hooked)).toBe(counters(plain));
      }
      expect(counters(hooked)).toBe(counters(plain));
    }), { numRuns: 500, seed: 15 });
  });
});
