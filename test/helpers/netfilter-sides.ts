// The two sides the netfilter cache tests compare: tables behind hook records (the simulator's path: hook records, jump
// caches, the hook memo) and the same tables in plain Maps walked uncached; rule edits as sim/commands/iptables.ts makes them.
import { evaluate, evaluateChain, ruleCounters, type MatchPacket, type RuleCache, type Verdict } from '../../sim/netfilter-eval.js';
import { appendRule, ChainMap, ruleText, spliceRules, type Chain, type Rule } from '../../sim/netfilter.js';

/** One side of the comparison: the tables, its rule cache, and whether it runs through the hook records. */
export interface Side { readonly chains: Map<string, Chain>; readonly cache: RuleCache; readonly hooked: boolean }

/** A rule pushed, inserted, replaced or deleted at a position taken modulo the chain's length (as iptables -A/-I/-R/-D). */
export interface RuleEdit { readonly kind: 'push' | 'insert' | 'replace' | 'delete'; readonly at: number }

export function editRule(c: Chain, o: RuleEdit, rule: Rule): void {
  if (o.kind === 'push') appendRule(c, rule);
  else if (o.kind === 'insert') spliceRules(c, Math.min(o.at, c.rules.length), 0, rule);
  else if (o.kind === 'replace' && c.rules.length > 0) spliceRules(c, o.at % c.rules.length, 1, rule);
  else if (o.kind === 'delete' && c.rules.length > 0) spliceRules(c, o.at % c.rules.length, 1);
}

/** Runs the builtin chain NAME for `p`: through its hook record on the hooked side, uncached on the other. */
export function runSide(s: Side, name: string, p: MatchPacket): Verdict {
  if (!(s.chains instanceof ChainMap)) return evaluate({ filter: s.chains, nat: new Map() }, 'filter', name, p, s.cache);
  const hook = s.chains.hook(name);
  return evaluateChain(s.chains, name, hook.chain, p, s.cache, hook);
}

export function verdictOf(v: Verdict): string {
  return `${v.target} ${v.chain} ${v.rule ? ruleText(v.rule) : 'policy'} mark=${v.mark ?? '-'}`;
}

/** Every chain's rule and policy counters (reading them brings the compiled lists up to date: done only now and then). */
export function counters(s: Side): string {
  return [...s.chains.values()].map((c) => `${c.name}:${c.policyPackets ?? '-'}/${c.policyBytes ?? '-'}:${ruleCounters(s.cache, c).map((r) => `${r.packets}/${r.bytes}`).join(',')}`).join(' ');
}
