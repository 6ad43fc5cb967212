// The evaluator checks a short chain's compiled rules against the chain's rules as its walk reaches them (and the
// rest once a rule decided) instead of all of them first. This compares it, over random edits that put the same rule
// object in a chain twice, replace, insert and delete rules, with a plain model that brings every walked chain's
// entries up to date before walking it (an entry per rule kept while the rule stays, with its counters): same
// verdicts, marks and counters.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { contains } from '../topology/address.js';
import { evaluate, ruleCounters, type MatchPacket, type RuleCache } from '../sim/netfilter-eval.js';
import { appendRule, parseRule, ruleText, spliceRules, type Chain, type Rule } from '../sim/netfilter.js';

const CHAINS = ['FORWARD', 'A', 'B'] as const;
const RULE_WORDS = [
  '-j ACCEPT', '-j DROP', '-j RETURN', '-j A', '-j B', '-s 10.0.0.0/8 -j RETURN', '-p udp -j A', '! -d 10.1.0.0/16 -j B',
  '-m conntrack --ctstate NEW -j ACCEPT', '-m conntrack ! --ctstate ESTABLISHED -j LOG', '-j MARK --set-xmark 0x1/0x1',
  '-m mark --mark 0x1/0x1 -j DROP', '-m mark ! --mark 0x1/0x1 -j RETURN', '-p icmp -j ACCEPT', '-j LOG', '-s 192.0.2.0/24 -j LOG',
];
const RULES: readonly Rule[] = RULE_WORDS.map((w) => {
  const r = parseRule(w.split(' '));
  if (!r.ok) throw new Error(r.error);
  return r.value;
});
const ADDRS = [0x0a000001, 0x0a010002, 0xc0000207, 0x0a0100ff];

type Op =
  | { kind: 'packet'; src: number; dst: number; udp: boolean; established: boolean }
  | { kind: 'push' | 'insert' | 'replace' | 'delete'; chain: number; rule: number; at: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('packet' as const), src: fc.nat(3), dst: fc.nat(3), udp: fc.boolean(), established: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constantFrom('push' as const, 'insert' as const, 'delete' as const), chain: fc.nat(2), rule: fc.nat(RULES.length - 1), at: fc.nat(6) }) },
  // A rule replaced in place keeps the chain's length: the walk finds it stale only when it reaches it.
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('replace' as const), chain: fc.nat(2), rule: fc.nat(RULES.length - 1), at: fc.nat(6) }) },
);

/** A chain's entries in the model: the rule and its counters. */
interface Entry { readonly rule: Rule; packets: number; bytes: number }

/** The model: entries brought up to date with a chain's rules before each walk of it (a rule that stays keeps its entry). */
class Model {
  private readonly entries = new Map<Chain, Entry[]>();
  constructor(private readonly chains: Map<string, Chain>) {}

  upToDate(c: Chain): Entry[] {
    const list = this.entries.get(c) ?? [];
    if (list.length === c.rules.length && list.every((e, k) => e.rule === c.rules[k])) return list;
    const before = new Map(list.map((e) => [e.rule, e]));
    const fresh = c.rules.map((r) => before.get(r) ?? { rule: r, packets: 0, bytes: 0 });
    this.entries.set(c, fresh);
    return fresh;
  }

  run(p: MatchPacket): string {
    const w = { mark: p.mark };
    const c = this.chains.get('FORWARD')!;
    // A builtin chain without rules is not walked: its policy decides (its entries stay as they were).
    const v = c.rules.length === 0 ? undefined : this.walk(c, p, w, 0);
    if (v !== undefined) return `${v} mark=${w.mark === p.mark ? '-' : w.mark}`;
    c.policyPackets = (c.policyPackets ?? 0) + 1;
    c.policyBytes = (c.policyBytes ?? 0) + p.length;
    return `${c.policy} FORWARD policy mark=${w.mark === p.mark ? '-' : w.mark}`;
  }

  private walk(c: Chain, p: MatchPacket, w: { mark: number }, depth: number): string | undefined {
    if (depth > 32) return undefined;
    for (const e of this.upToDate(c)) {
      if (!modelMatches(e.rule, p, w.mark)) continue;
      e.packets++;
      e.bytes += p.length;
      const target = e.rule.target;
      if (target === 'ACCEPT' || target === 'DROP') return `${target} ${c.name} ${ruleText(e.rule)}`;
      if (target === 'MARK') w.mark = ((w.mark & ~e.rule.setMark!.mask) ^ e.rule.setMark!.value) >>> 0;
      else if (target === 'RETURN') return undefined;
      else if (this.chains.has(target)) {
        const v = this.walk(this.chains.get(target)!, p, w, depth + 1);
        if (v !== undefined) return v;
      }
    }
    return undefined;
  }
}

/** The matches RULE_WORDS use, as iptables defines them. */
function modelMatches(r: Rule, p: MatchPacket, mark: number): boolean {
  if (r.src && contains(r.src.value, p.src) === r.src.not) return false;
  if (r.dst && contains(r.dst.value, p.dst) === r.dst.not) return false;
  if (r.protocol && (r.protocol.value === p.protocol) === r.protocol.not) return false;
  if (r.ctstate && r.ctstate.value.includes(p.state) === r.ctstate.not) return false;
  if (r.mark && (((mark & r.mark.mask) >>> 0) === r.mark.value) === r.mark.not) return false;
  return true;
}

function tables(): Map<string, Chain> {
  const chains = new Map<string, Chain>();
  chains.set('FORWARD', { name: 'FORWARD', policy: 'ACCEPT', rules: [], policyPackets: 0, policyBytes: 0 });
  for (const n of ['A', 'B']) chains.set(n, { name: n, rules: [] });
  return chains;
}

function edit(chains: Map<string, Chain>, o: Exclude<Op, { kind: 'packet' }>): void {
  const c = chains.get(CHAINS[o.chain]!)!;
  // Jumps only down the list FORWARD, A, B (no loops: a walk stays short).
  const target = CHAINS.indexOf(RULES[o.rule]!.target as (typeof CHAINS)[number]);
  if (target >= 0 && target <= o.chain) return;
  if (o.kind === 'push') appendRule(c, RULES[o.rule]!);
  else if (o.kind === 'insert') spliceRules(c, Math.min(o.at, c.rules.length), 0, RULES[o.rule]!);
  else if (o.kind === 'replace' && c.rules.length > 0) spliceRules(c, o.at % c.rules.length, 1, RULES[o.rule]!);
  else if (o.kind === 'delete' && c.rules.length > 0) spliceRules(c, o.at % c.rules.length, 1);
}

describe('compiled rules checked as the walk reaches them', () => {
  it('verdicts, marks and counters as when every walked chain is brought up to date first', () => {
    fc.assert(fc.property(fc.array(op, { minLength: 10, maxLength: 60, size: 'max' }), (ops) => {
      const evaluated = tables();
      const modelled = tables();
      const cache: RuleCache = new WeakMap();
      const model = new Model(modelled);
      for (const o of ops) {
        if (o.kind !== 'packet') {
          edit(evaluated, o);
          edit(modelled, o);
          continue;
        }
        const p: MatchPacket = { src: ADDRS[o.src]!, dst: ADDRS[o.dst]!, protocol: o.udp ? 'udp' : 'icmp', sport: 40000, dport: 33434, state: o.established ? 'ESTABLISHED' : 'NEW', seed: 1, mark: 0, length: 60 + o.src };
        const v = evaluate({ filter: evaluated, nat: new Map() }, 'filter', 'FORWARD', p, cache);
        const text = `${v.target} ${v.chain} ${v.rule ? ruleText(v.rule) : 'policy'} mark=${v.mark ?? '-'}`;
        expect(text).toBe(model.run(p));
      }
      // Counters read only at the end: reading them brings the lists up to date, which would hide a late refresh.
      for (const name of CHAINS) {
        const counted = ruleCounters(cache, evaluated.get(name)!).map((r) => `${r.packets}/${r.bytes}`);
        expect(counted).toEqual(model.upToDate(modelled.get(name)!).map((e) => `${e.packets}/${e.bytes}`));
      }
      expect(evaluated.get('FORWARD')!.policyPackets).toBe(modelled.get('FORWARD')!.policyPackets);
    }), { numRuns: 1000, seed: 15 });
  });

  it('a rule twice in a chain: counted as when the chain is brought up to date first', () => {
    // [LOG, LOG, DROP] then DROP replaced by ACCEPT: bringing the chain up to date keeps one entry for the LOG rule
    // (both places), so the second packet counts it twice there; checking as the walk goes would count two entries.
    const log = RULES[RULE_WORDS.indexOf('-j LOG')]!;
    const evaluated = tables();
    const modelled = tables();
    const cache: RuleCache = new WeakMap();
    const model = new Model(modelled);
    const p: MatchPacket = { src: ADDRS[0]!, dst: ADDRS[1]!, protocol: 'udp', sport: 40000, dport: 33434, state: 'NEW', seed: 1, mark: 0, length: 60 };
    for (const chains of [evaluated, modelled]) for (const r of [log, log, RULES[RULE_WORDS.indexOf('-j DROP')]!]) appendRule(chains.get('FORWARD')!, r);
    for (const step of [0, 1]) {
      if (step === 1) for (const chains of [evaluated, modelled]) spliceRules(chains.get('FORWARD')!, 2, 1, RULES[RULE_WORDS.indexOf('-j ACCEPT')]!);
      const v = evaluate({ filter: evaluated, nat: new Map() }, 'filter', 'FORWARD', p, cache);
      expect(`${v.target} ${v.chain} ${v.rule ? ruleText(v.rule) : 'policy'} mark=${v.mark ?? '-'}`).toBe(model.run(p));
    }
    const counted = ruleCounters(cache, evaluated.get('FORWARD')!).map((r) => r.packets);
    expect(counted).toEqual(model.upToDate(modelled.get('FORWARD')!).map((e) => e.packets));
    expect(counted).toEqual([3, 3, 1]);
  });
});
