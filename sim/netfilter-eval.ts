// Netfilter chain evaluation for a packet at a hook: rules compiled once into a fixed shape (recompiled when the rule
// at an index changes), jumps cached per table version, `-m statistic` numbers drawn per rule visited.
import { networkOf } from '../topology/address.js';
import { unit } from './packet.js';
import { ChainMap, type Chain, type Hook, type Rule, type TableName, type Tables } from './netfilter.js';
import { chainPolicyVerdict, hookPolicyVerdict, policyVerdict } from './chain-policy.js';
import { ACT_MARK, ACT_RETURN, ACT_VERDICT, compileRule, failedTest, noteTests, stateBit, TEST_DST, type CompiledList, type CompiledRule, type WalkNote } from './rule-match.js';
import { memoHit, remember, replayCounters, type MemoEntry } from './hook-memo.js';

export { chainPolicyVerdict, hookPolicyVerdict, policyVerdict } from './chain-policy.js';

/** What the evaluator needs to know about a packet at a hook. */
export interface MatchPacket {
  readonly src: number;
  readonly dst: number;
  readonly protocol: 'tcp' | 'udp' | 'icmp';
  readonly sport: number;
  readonly dport: number;
  readonly in?: string;
  readonly out?: string;
  readonly state: 'NEW' | 'ESTABLISHED' | 'RELATED';
  /** ICMP packets: type and code (the icmp match). */
  readonly icmpType?: number;
  readonly icmpCode?: number;
  /** The lab's seed: with the addresses and ports it gives the per-flow number `-m statistic --mode random` uses. */
  readonly seed: number;
  /** The packet's mark (skb->mark) as the hook receives it; `-j MARK` changes it, `-m mark` tests it. */
  readonly mark: number;
  /** The device the hook runs on, for `-m addrtype --dst-type LOCAL` (its own addresses). */
  readonly local?: { isLocal(ip: number): boolean; inSet?(name: string, ip: number): boolean | undefined };
  /** The packet's length in bytes (skb->len: the IP packet), added to the byte counters of the rules it matches. */
  readonly length: number;
}

/** Deterministic per-flow number in [0, 1) for `-m statistic --mode random`. */
function packetRandom(p: MatchPacket): number {
  return unit(p.seed, p.src, p.dst, p.sport, p.dport);
}

export interface Verdict {
  readonly target: string;
  /** The rule that decided, with its chain; undefined when the builtin chain's policy decided. */
  readonly rule?: Rule;
  readonly chain: string;
  /** The packet's mark after the walk, when a `-j MARK` changed it. */
  readonly mark?: number;
}

/** Compiled rules of chains, per chain object; entries are recompiled when the rule at their index changes. */
export type RuleCache = WeakMap<Chain, CompiledList>;

/**
 * The cache's compiled list for `c` (a WeakMap lookup: the walk reaches a list through the hook record or the jumping
 * rule, so this runs when those are first made; no hidden slot on the chain, which would change its shape).
 */
function compiledList(cache: RuleCache, c: Chain): CompiledList {
  let list = cache.get(c);
  if (list === undefined) cache.set(c, (list = Object.assign([], { distinct: true })));
  return list;
}

function compiledRules(cache: RuleCache, c: Chain): CompiledList {
  return refreshed(compiledList(cache, c), c);
}

/** The compiled list of `c` brought in line with its rules (the same array, recompiled where rules changed). */
function refreshed(list: CompiledList, c: Chain): CompiledList {
  const rules = c.rules;
  if (list.length === rules.length && compiledFrom(list, rules)) return list;
  return recompiled(list, rules);
}

/** Whether each compiled rule is still the rule at its index (the per-walk check: kept small so it inlines). */
function compiledFrom(list: readonly CompiledRule[], rules: readonly Rule[]): boolean {
  for (let k = 0; k < rules.length; k++) if (list[k]!.rule !== rules[k]) return false;
  return true;
}

/** Rules were inserted, deleted or replaced: a rule that stays keeps its compiled form and its counters. */
function recompiled(list: CompiledList, rules: readonly Rule[]): CompiledList {
  dstIndexes.delete(list);
  list.distinct = allDistinct(rules);
  if (list.length === 0) {
    for (const r of rules) list.push(compileRule(r)); // a chain's first compile (every node's, in a large lab)
    return list;
  }
  const before = new Map(list.map((r) => [r.rule, r]));
  list.length = rules.length;
  for (let k = 0; k < rules.length; k++) list[k] = before.get(rules[k]!) ?? compileRule(rules[k]!);
  return list;
}

/** Whether no rule object is twice in `rules` (pairs compared for short chains: no Set made per node's chain). */
function allDistinct(rules: readonly Rule[]): boolean {
  if (rules.length > 16) return new Set(rules).size === rules.length;
  for (let k = 1; k < rules.length; k++) for (let before = 0; before < k; before++) if (rules[before] === rules[k]) return false;
  return true;
}

/** The counters of a chain's rules, in rule order (for `iptables -L -v`, `-S -v`, `iptables-save -c`). */
export function ruleCounters(cache: RuleCache, c: Chain): readonly { readonly packets: number; readonly bytes: number }[] {
  return compiledRules(cache, c);
}

/** `iptables -Z [CHAIN]`: the rules' counters and the policy's back to zero. */
export function zeroCounters(cache: RuleCache, c: Chain): void {
  for (const r of compiledRules(cache, c)) r.packets = r.bytes = 0;
  c.policyPackets = c.policyBytes = 0;
}

/** A builtin chain's policy decided a packet of `length` bytes: its counters (the chain's policy counters) move. */
export function countPolicy(c: Chain, length: number): void {
  c.policyPackets = (c.policyPackets ?? 0) + 1;
  c.policyBytes = (c.policyBytes ?? 0) + length;
}


/** Per-evaluation walk state: the chains of the table and how many `statistic` numbers were drawn so far. */
interface Walk {
  chains: Map<string, Chain>;
  cache: RuleCache;
  p: MatchPacket;
  /** The packet's per-flow number, computed on the first `statistic` rule visited (NaN before). */
  random: number;
  draws: number;
  /** The packet's mark as the rules walked so far left it. */
  mark: number;
  /** The packet's conntrack state as stateBit. */
  state: number;
  /** Whether `chains` is a ChainMap (its version keeps the rules' jump targets). */
  versioned: boolean;
  /** What the walk read of the packet, and the rules it matched (matched[0..matchedCount)), for the hook memo. */
  note: WalkNote;
  matched: CompiledRule[];
  matchedCount: number;
}

/**
 * Walks the chain a matched rule jumps to, if the table has it and walking it could do anything (an empty chain with an
 * empty compiled list is skipped: kube-proxy's firewall and service chains of a lab without such Services). The chain
 * and its compiled list are kept on the rule while the table's ChainMap keeps its version.
 */
function jumped(w: Walk, r: CompiledRule, depth: number): Verdict | undefined {
  let jump: Chain | undefined;
  let list: CompiledList;
  const chains = w.chains;
  if (w.versioned) {
    const version = (chains as ChainMap).version;
    if (r.jumpVersion !== version) {
      r.jump = chains.get(r.target);
      r.jumpVersion = version;
      r.jumpList = undefined;
    }
    jump = r.jump;
    if (jump === undefined) return undefined;
    list = r.jumpList ??= compiledList(w.cache, jump);
  } else {
    jump = chains.get(r.target);
    if (jump === undefined) return undefined;
    list = compiledList(w.cache, jump);
  }
  return jump.rules.length === 0 && list.length === 0 ? undefined : walk(w, jump, list, depth + 1);
}

/** What `visit` answers to go on with the chain's next rule (undefined ends the chain, a verdict ends the walk). */
const NEXT = null;

/** One rule visited by the walk: its `statistic` draw, its match, its counters and its target. */
function visit(w: Walk, r: CompiledRule, name: string, depth: number): Verdict | undefined | typeof NEXT {
  // `statistic` draws a fresh number per rule visited, as the kernel does: derive it from the packet's number.
  let random = 0;
  if (r.hasProbability) {
    if (Number.isNaN(w.random)) w.random = packetRandom(w.p);
    random = fract(w.random * 7919 + w.draws++ * 0.618033988749895);
    w.note.uncacheable = true; // the draws count the rules visited: no memo of this walk
  }
  const failed = failedTest(r, w.p, w.state, w.mark, random);
  if (r.tests !== 0) noteTests(w.note, r, w.p, failed);
  if (failed !== 0) return NEXT;
  r.packets++;
  r.bytes += w.p.length;
  w.matched[w.matchedCount++] = r;
  const action = r.action;
  if (action === ACT_VERDICT) return r.verdict ??= { target: r.target, rule: r.rule, chain: name };
  if (action === ACT_MARK) {
    w.note.marked = true;
    w.mark = ((w.mark & ~r.setMark!.mask) ^ r.setMark!.value) >>> 0;
    return NEXT;
  }
  if (action === ACT_RETURN) return undefined;
  const v = jumped(w, r, depth);
  if (v !== undefined) return v;
  // LOG and unknown non-terminal targets fall through to the next rule.
  return NEXT;
}

function walk(w: Walk, c: Chain, list: CompiledList, depth: number): Verdict | undefined {
  if (depth > 32) return undefined;
  const rules = c.rules;
  if (list.length === rules.length && list.distinct && rules.length < INDEXED_CHAIN) return walkChecking(w, c, list, depth);
  const fresh = refreshed(list, c);
  const index = fresh.length >= INDEXED_CHAIN ? dstIndex(fresh) : undefined;
  if (index === undefined) {
    for (let k = 0; k < fresh.length; k++) {
      const v = visit(w, fresh[k]!, c.name, depth);
      if (v !== NEXT) return v;
    }
    return undefined;
  }
  // Only the rules for this destination and those the index leaves out, in rule order (a merge of the two lists).
  w.note.keys |= TEST_DST; // which rules are visited depends on the whole destination
  w.note.dstBits = -1;
  const hits = index.byDst.get(networkOf(w.p.dst, 32)) ?? NO_RULES;
  const rest = index.rest;
  let h = 0;
  let o = 0;
  while (h < hits.length || o < rest.length) {
    const k = o >= rest.length || (h < hits.length && hits[h]! < rest[o]!) ? hits[h++]! : rest[o++]!;
    const v = visit(w, fresh[k]!, c.name, depth);
    if (v !== NEXT) return v;
  }
  return undefined;
}

/**
 * walk() of a short chain whose compiled list has one entry per rule, each for a different rule: each entry is checked
 * against its rule as the walk reaches it, and those after the deciding rule once it decided, instead of all of them
 * before the walk. The same as refreshing first: with no rule twice in the list, recompiling keeps every entry whose
 * rule stayed at its index (the ones visited), and a list found stale is still recompiled in this walk.
 */
function walkChecking(w: Walk, c: Chain, list: CompiledList, depth: number): Verdict | undefined {
  const rules = c.rules;
  for (let k = 0; k < rules.length; k++) {
    let r = list[k]!; // loaded once: the call on the (rare) stale path would make V8 load it again after the merge
    if (r.rule !== rules[k]) r = recompiled(list, rules)[k]!;
    const v = visit(w, r, c.name, depth);
    if (v === NEXT) continue;
    for (let after = k + 1; after < rules.length; after++) {
      if (list[after]!.rule !== rules[after]) {
        recompiled(list, rules);
        break;
      }
    }
    return v;
  }
  return undefined;
}

/**
 * A long chain's rules indexed by destination (kube-proxy's KUBE-SERVICES: one `-d CLUSTER-IP/32` rule per Service
 * port), so a walk's cost does not grow with the Services. A rule with a plain `-d ADDR/32` and no `statistic` match
 * is only visited for packets to ADDR: for any other packet it fails on `-d` without touching anything (no counter,
 * no draw), so skipping it changes nothing. Positions are in rule order; `rest` holds every other rule.
 */
interface DstIndex {
  readonly byDst: ReadonlyMap<number, readonly number[]>;
  readonly rest: readonly number[];
}

/** Chains from this many rules get a destination index (shorter ones are walked rule by rule). */
const INDEXED_CHAIN = 8;
const NO_RULES: readonly number[] = Object.freeze([]);
/** Indexes by compiled list; compiledRules drops a list's entry whenever it rebuilds the list. */
const dstIndexes = new WeakMap<CompiledList, DstIndex>();

function dstIndex(rules: CompiledList): DstIndex {
  let index = dstIndexes.get(rules);
  if (index === undefined) {
    const byDst = new Map<number, number[]>();
    const rest: number[] = [];
    for (let k = 0; k < rules.length; k++) {
      const r = rules[k]!;
      if (r.dst !== null && !r.dstNot && r.dst.len === 32 && !r.hasProbability) {
        const list = byDst.get(r.dst.addr);
        if (list) list.push(k);
        else byDst.set(r.dst.addr, [k]);
      } else rest.push(k);
    }
    dstIndexes.set(rules, (index = { byDst, rest }));
  }
  return index;
}

/** The one walk state, reset by each evaluation (an evaluation never starts another). */
const EMPTY_CHAINS: Map<string, Chain> = new Map();
const EMPTY_CACHE: RuleCache = new WeakMap();
const NO_PACKET = undefined as unknown as MatchPacket;
const scratch: Walk = {
  chains: EMPTY_CHAINS, cache: EMPTY_CACHE, p: NO_PACKET, random: NaN, draws: 0, mark: 0, state: 0, versioned: false,
  note: { keys: 0, srcBits: 0, dstBits: 0, markBits: 0, sides: 0, marked: false, uncacheable: false }, matched: [], matchedCount: 0,
};

/** Runs a builtin chain; returns the terminal verdict (policy when nothing decided). */
export function evaluate(tables: Tables, table: TableName, chain: string, p: MatchPacket, cache: RuleCache): Verdict {
  const chains = tables[table];
  return evaluateChain(chains, chain, chains.get(chain), p, cache);
}

/**
 * evaluate() for the builtin chain `c` (named `chain`) already looked up in `chains`. With the chain's hook record, a
 * walk is remembered on it and a later packet equal on what the walk read gets its outcome replayed (sim/hook-memo.ts).
 */
export function evaluateChain(chains: Map<string, Chain>, chain: string, c: Chain | undefined, p: MatchPacket, cache: RuleCache, hook?: Hook): Verdict {
  if (hook !== undefined && c !== undefined && c.rules.length > 0) {
    const hit = memoHit(hook, cache, p, stateBit(p.state));
    if (hit !== undefined) return replayed(hit, c, chain, hook, p.length, p.mark);
  }
  return walkChain(chains, chain, c, p, cache, hook);
}

/**
 * evaluateChain() without asking the hook's memo first: for a caller that has just asked it with the packet's own
 * fields (nat.ts runChain), so a miss is not looked up twice. The walk is still remembered on the hook record.
 */
export function walkChain(chains: Map<string, Chain>, chain: string, c: Chain | undefined, p: MatchPacket, cache: RuleCache, hook?: Hook): Verdict {
  if (c !== undefined && c.rules.length > 0) {
    const state = stateBit(p.state);
    const w = scratch;
    w.chains = chains; w.cache = cache; w.p = p; w.random = NaN; w.draws = 0; w.mark = p.mark; w.state = state; w.versioned = hook !== undefined || chains instanceof ChainMap; // a hook record comes from a ChainMap
    const note = w.note;
    note.keys = note.srcBits = note.dstBits = note.markBits = note.sides = 0; note.marked = note.uncacheable = false; w.matchedCount = 0;
    const decided = walk(w, c, hook === undefined ? compiledList(cache, c) : hookList(hook, cache, c), 0);
    const mark = w.mark;
    if (hook !== undefined) remember(hook, cache, p, state, note, w.matched, w.matchedCount, decided, mark);
    w.chains = EMPTY_CHAINS; w.cache = EMPTY_CACHE; w.p = NO_PACKET; // keep no lab alive between evaluations
    return outcome(decided ?? policyDecided(c, chain, p.length, hook), mark, p.mark);
  }
  if (c !== undefined) countPolicy(c, p.length);
  return policyVerdict(chain, c?.policy ?? 'ACCEPT');
}

/**
 * The outcome of the walk `hit` remembers (sim/hook-memo.ts), for the packet of `length` bytes and mark `mark` it was
 * found for at the hook of builtin chain `c`: the walk's counters moved again, its verdict (the policy's when no rule
 * decided) and mark.
 */
export function replayed(hit: MemoEntry, c: Chain, chain: string, hook: Hook, length: number, mark: number): Verdict {
  replayCounters(hit, length);
  return outcome(hit.verdict ?? policyDecided(c, chain, length, hook), hit.markOut === -1 ? mark : hit.markOut, mark);
}

/** No rule decided: the builtin chain's policy counts the packet of `length` bytes and gives the verdict. */
export function policyDecided(c: Chain, chain: string, length: number, hook: Hook | undefined): Verdict {
  countPolicy(c, length);
  return hook === undefined ? chainPolicyVerdict(c, chain) : hookPolicyVerdict(hook, c, chain);
}

/** The walk's verdict, with the mark when the walk changed the packet's (`before`). */
function outcome(verdict: Verdict, mark: number, before: number): Verdict {
  return mark === before ? verdict : { ...verdict, mark };
}

/** The compiled list of the hook's chain `c` for `cache`, kept on the hook record (the list of a chain and cache never changes identity). */
function hookList(hook: Hook, cache: RuleCache, c: Chain): CompiledList {
  if (hook.cache !== cache) {
    hook.list = compiledList(cache, c);
    hook.cache = cache;
  }
  return hook.list as CompiledList;
}

function fract(x: number): number {
  return x - Math.floor(x);
}
