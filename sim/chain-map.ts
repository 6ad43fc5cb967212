// A netfilter table's chains by name (ChainMap), with a version the evaluator's caches follow and the builtin chains
// resolved once per version for the engine's hooks (ChainMap.hook).
import type { Chain, Rule } from './netfilter.js';

/**
 * Counts every change to any table's chains, rules or policies (chains added or removed, rules appended, inserted,
 * deleted, replaced or flushed, policies set). Chain.rules and Chain.policy are readonly: the functions below are the
 * only writers, so a hook memo made at one count (sim/hook-memo.ts) is valid while the count stays.
 */
export const netfilterEdits = { count: 0 };

/** A chain as the functions below may write it. */
type WritableChain = { -readonly [K in keyof Chain]: Chain[K] } & { rules: Rule[] };

/** `iptables -A` (and iptables-restore's `-A` lines). */
export function appendRule(c: Chain, rule: Rule): void {
  netfilterEdits.count++;
  (c as WritableChain).rules.push(rule);
}

/** `iptables -I`, `-D` and `-R`: the chain's rules spliced as Array.prototype.splice does. */
export function spliceRules(c: Chain, start: number, deleteCount: number, ...rules: Rule[]): void {
  netfilterEdits.count++;
  (c as WritableChain).rules.splice(start, deleteCount, ...rules);
}

/** `iptables -F`: the chain gets a new empty rules array. */
export function flushRules(c: Chain): void {
  netfilterEdits.count++;
  (c as WritableChain).rules = [];
}

/** `iptables -P` (and iptables-restore's chain lines). */
export function setPolicy(c: Chain, policy: 'ACCEPT' | 'DROP'): void {
  netfilterEdits.count++;
  (c as WritableChain).policy = policy;
}

/**
 * A chain in the one shape every chain has (user chains carry an undefined policy and counters): the evaluator's reads
 * of `rules` and `name` stay monomorphic (literals of two shapes, their spread copies and hidden slots added later made
 * six shapes, megamorphic reads in the walk). No property is added to a chain later.
 */
export function newChain(name: string, policy?: 'ACCEPT' | 'DROP', rules: readonly Rule[] = [], policyPackets?: number, policyBytes?: number): Chain {
  return { name, policy, rules, policyPackets, policyBytes };
}

/** A table's chains by name; `version` changes whenever a chain is added or removed (the evaluator caches jumps). */
export class ChainMap extends Map<string, Chain> {
  version = 0;
  /** A new table counts no edit: no hook record, so no memo, was made on it yet. */
  constructor(entries?: Iterable<readonly [string, Chain]>) {
    super();
    if (entries !== undefined) for (const [name, chain] of entries) super.set(name, chain);
  }
  /** The builtin chains by hook slot (hookSlot), as found while `version` was `resolvedVersion`. */
  private resolved: (Hook | undefined)[] = [];
  private resolvedVersion = -1;
  /**
   * The builtin chain NAME with what the evaluator keeps about it, without a lookup by name while no chain is added or
   * removed (a new record then); another name gets a record of its own each time.
   */
  hook(name: string): Hook {
    const slot = hookSlot(name);
    if (slot < 0) return newHook(this.get(name));
    if (this.resolvedVersion !== this.version) {
      this.resolved = [];
      this.resolvedVersion = this.version;
    }
    return (this.resolved[slot] ??= newHook(this.get(name)));
  }
  override set(key: string, value: Chain): this {
    this.version++;
    netfilterEdits.count++;
    return super.set(key, value);
  }
  override delete(key: string): boolean {
    this.version++;
    netfilterEdits.count++;
    return super.delete(key);
  }
  override clear(): void {
    this.version++;
    netfilterEdits.count++;
    super.clear();
  }
}

/**
 * A builtin chain as one table found it (ChainMap.hook), and the evaluator's notes on it (sim/netfilter-eval.ts): its
 * policy verdict while the policy is `verdictPolicy`, and its compiled rules for the rule cache `cache`.
 */
export interface Hook {
  readonly chain: Chain | undefined;
  verdictPolicy: string | undefined;
  verdict: unknown;
  cache: object | undefined;
  list: unknown;
  /** The hook's memo of walks (sim/hook-memo.ts), for `cache` while netfilterEdits.count stays. */
  memo: unknown;
}

function newHook(chain: Chain | undefined): Hook {
  return { chain, verdictPolicy: undefined, verdict: undefined, cache: undefined, list: undefined, memo: undefined };
}

/** A builtin chain's slot in ChainMap.builtin (internalised literals compare by identity first), -1 for others. */
function hookSlot(name: string): number {
  switch (name) {
    case 'PREROUTING': return 0;
    case 'INPUT': return 1;
    case 'FORWARD': return 2;
    case 'OUTPUT': return 3;
    case 'POSTROUTING': return 4;
    default: return -1;
  }
}
