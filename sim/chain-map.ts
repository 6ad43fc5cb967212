// A netfilter table's chains by name (ChainMap), with a version the evaluator's caches follow and the builtin chains
// resolved once per version for the engine's hooks (ChainMap.hook, hookAt).
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
  /**
   * The builtin chains' records (hook slots HOOK_*), made since the last chain was added or removed: fields, not an
   * array, so a packet's hook is one load from the table (two fewer dependent loads per chain run).
   */
  private prerouting: Hook | undefined = undefined;
  private input: Hook | undefined = undefined;
  private forward: Hook | undefined = undefined;
  private output: Hook | undefined = undefined;
  private postrouting: Hook | undefined = undefined;
  /**
   * The builtin chain NAME with what the evaluator keeps about it, without a lookup by name while no chain is added or
   * removed (a new record then); another name gets a record of its own each time.
   */
  hook(name: string): Hook {
    const slot = hookSlot(name);
    return slot < 0 ? newHook(this.get(name)) : this.hookAt(slot as HookSlot, name);
  }
  /** hook() for the builtin chain NAME at hook slot SLOT (the engine's HOOK_* constants): no switch on the name per packet. */
  hookAt(slot: HookSlot, name: string): Hook {
    switch (slot) {
      case HOOK_PREROUTING: return this.prerouting ??= newHook(this.get(name));
      case HOOK_INPUT: return this.input ??= newHook(this.get(name));
      case HOOK_FORWARD: return this.forward ??= newHook(this.get(name));
      case HOOK_OUTPUT: return this.output ??= newHook(this.get(name));
      default: return this.postrouting ??= newHook(this.get(name));
    }
  }
  /** A chain was added or removed: the hook records are made again. */
  private unresolve(): void {
    this.prerouting = this.input = this.forward = this.output = this.postrouting = undefined;
  }
  override set(key: string, value: Chain): this {
    this.version++;
    this.unresolve();
    netfilterEdits.count++;
    return super.set(key, value);
  }
  override delete(key: string): boolean {
    this.version++;
    this.unresolve();
    netfilterEdits.count++;
    return super.delete(key);
  }
  override clear(): void {
    this.version++;
    this.unresolve();
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
  /** The netfilterEdits.count at which the chain was seen without rules (-1: not seen so): it has none while the count stays. */
  emptyAt: number;
}

function newHook(chain: Chain | undefined): Hook {
  return { chain, verdictPolicy: undefined, verdict: undefined, cache: undefined, list: undefined, memo: undefined, emptyAt: -1 };
}

/** The builtin chains' hook slots (ChainMap.hookAt), and their names by slot. */
export const HOOK_PREROUTING = 0;
export const HOOK_INPUT = 1;
export const HOOK_FORWARD = 2;
export const HOOK_OUTPUT = 3;
export const HOOK_POSTROUTING = 4;
export const HOOK_NAMES = ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'] as const;
export type HookSlot = 0 | 1 | 2 | 3 | 4;

/** A builtin chain's hook slot (internalised literals compare by identity first), -1 for others. */
function hookSlot(name: string): number {
  switch (name) {
    case 'PREROUTING': return HOOK_PREROUTING;
    case 'INPUT': return HOOK_INPUT;
    case 'FORWARD': return HOOK_FORWARD;
    case 'OUTPUT': return HOOK_OUTPUT;
    case 'POSTROUTING': return HOOK_POSTROUTING;
    default: return -1;
  }
}
