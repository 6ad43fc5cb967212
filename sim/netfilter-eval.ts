// Netfilter chain evaluation for a packet at a hook: rules compiled once into a fixed shape (recompiled when the rule
// at an index changes), jumps cached per table version, `-m statistic` numbers drawn per rule visited.
import { contains, networkOf, type Cidr } from '../topology/address.js';
import { unit } from './packet.js';
import { icmpTypeMatches, type IcmpType } from './icmp-types.js';
import { ChainMap, type Chain, type Hook, type Rule, type TableName, type Tables } from './netfilter.js';
import { chainPolicyVerdict, hookPolicyVerdict, policyVerdict } from './chain-policy.js';

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

function ifaceMatch(pattern: string, name: string | undefined): boolean {
  if (name === undefined) return false;
  return pattern.endsWith('+') ? name.startsWith(pattern.slice(0, -1)) : pattern === name;
}

/** A rule flattened into one fixed shape for the evaluator (rules themselves never change once parsed). */
interface CompiledRule {
  readonly rule: Rule;
  readonly src: Cidr | null;
  readonly srcNot: boolean;
  readonly dst: Cidr | null;
  readonly dstNot: boolean;
  readonly protocol: string | null;
  readonly protocolNot: boolean;
  readonly in: string | null;
  readonly inNot: boolean;
  readonly out: string | null;
  readonly outNot: boolean;
  readonly dport: readonly [number, number] | null;
  readonly dportNot: boolean;
  readonly sport: readonly [number, number] | null;
  readonly sportNot: boolean;
  readonly ctstate: readonly string[] | null;
  readonly ctstateNot: boolean;
  readonly icmpType: IcmpType | null;
  readonly icmpTypeNot: boolean;
  readonly multiport: NonNullable<Rule['multiport']> | null;
  /** `-m mark`: (mark & mask) == value, or its negation. */
  readonly mark: NonNullable<Rule['mark']> | null;
  readonly addrtype: NonNullable<Rule['addrtype']> | null;
  readonly setMark: NonNullable<Rule['setMark']> | null;
  readonly sets: NonNullable<Rule['sets']> | null;
  readonly physdevIsBridged: boolean;
  readonly hasProbability: boolean;
  readonly probability: number;
  readonly target: string;
  readonly terminal: boolean;
  /** The chain `target` names, as found when the table's ChainMap had version `jumpVersion` (-1: not looked up). */
  jump: Chain | undefined;
  jumpVersion: number;
  /** The compiled rules of `jump` in this rule's cache (the same list as long as `jump` is the same chain). */
  jumpList: CompiledRule[] | undefined;
  /** A terminal rule's verdict, made on its first match (the compiled rule belongs to one chain, so it never changes). */
  verdict: Verdict | undefined;
  /** Packets and bytes that matched the rule (its xt_counters), since it was added or zeroed with `iptables -Z`. */
  packets: number;
  bytes: number;
}

/** Compiled rules of chains, per chain object; entries are recompiled when the rule at their index changes. */
export type RuleCache = WeakMap<Chain, CompiledRule[]>;

function compileRule(r: Rule): CompiledRule {
  return {
    rule: r,
    src: r.src?.value ?? null, srcNot: r.src?.not === true,
    dst: r.dst?.value ?? null, dstNot: r.dst?.not === true,
    protocol: r.protocol?.value ?? null, protocolNot: r.protocol?.not === true,
    in: r.in?.value ?? null, inNot: r.in?.not === true,
    out: r.out?.value ?? null, outNot: r.out?.not === true,
    dport: r.dport?.value ?? null, dportNot: r.dport?.not === true,
    sport: r.sport?.value ?? null, sportNot: r.sport?.not === true,
    ctstate: r.ctstate?.value ?? null, ctstateNot: r.ctstate?.not === true,
    icmpType: r.icmpType?.value ?? null, icmpTypeNot: r.icmpType?.not === true,
    multiport: r.multiport ?? null,
    mark: r.mark ?? null,
    addrtype: r.addrtype ?? null,
    setMark: r.target === 'MARK' ? (r.setMark ?? null) : null,
    sets: r.sets ?? null,
    physdevIsBridged: r.physdevIsBridged === true,
    hasProbability: r.probability !== undefined,
    probability: r.probability ?? 0,
    target: r.target,
    terminal: TERMINAL.has(r.target),
    jump: undefined,
    jumpVersion: -1,
    jumpList: undefined,
    verdict: undefined,
    packets: 0,
    bytes: 0,
  };
}

/** A chain's compiled rules with the cache they belong to, kept on the chain itself (hidden: spreads and JSON skip it). */
const COMPILED = Symbol('compiled rules');
type WithCompiled = Chain & { [COMPILED]?: { readonly cache: RuleCache; readonly list: CompiledRule[] } };

/** The cache's compiled list for `c`: read off the chain without a WeakMap lookup when the chain's own cache made it. */
function compiledList(cache: RuleCache, c: WithCompiled): CompiledRule[] {
  const own = c[COMPILED];
  if (own !== undefined && own.cache === cache) return own.list;
  let list = cache.get(c);
  if (list === undefined) cache.set(c, (list = []));
  if (own === undefined) Object.defineProperty(c, COMPILED, { value: { cache, list }, enumerable: false });
  return list;
}

/**
 * Whether walking `c` would do nothing at all: no rules, and a compiled list already empty (so the walk would not
 * rebuild it either). kube-proxy's firewall and service chains of a lab without such Services are jumped to this way.
 */
function emptyAndCompiled(list: readonly CompiledRule[], c: Chain): boolean {
  return c.rules.length === 0 && list.length === 0;
}

function compiledRules(cache: RuleCache, c: Chain): CompiledRule[] {
  return refreshed(compiledList(cache, c), c);
}

/** The compiled list of `c` brought in line with its rules (the same array, recompiled where rules changed). */
function refreshed(list: CompiledRule[], c: Chain): CompiledRule[] {
  const rules = c.rules;
  if (list.length === rules.length) {
    let k = 0;
    while (k < rules.length && list[k]!.rule === rules[k]) k++;
    if (k === rules.length) return list;
  }
  // Rules were inserted, deleted or replaced: a rule that stays keeps its compiled form and its counters.
  dstIndexes.delete(list);
  const before = new Map(list.map((r) => [r.rule, r]));
  list.length = rules.length;
  for (let k = 0; k < rules.length; k++) list[k] = before.get(rules[k]!) ?? compileRule(rules[k]!);
  return list;
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

function matches(r: CompiledRule, p: MatchPacket, mark: number, random: number): boolean {
  if (r.src !== null && contains(r.src, p.src) === r.srcNot) return false;
  if (r.dst !== null && contains(r.dst, p.dst) === r.dstNot) return false;
  if (r.protocol !== null && (r.protocol === p.protocol) === r.protocolNot) return false;
  if (r.in !== null && ifaceMatch(r.in, p.in) === r.inNot) return false;
  if (r.out !== null && ifaceMatch(r.out, p.out) === r.outNot) return false;
  if (r.dport !== null && (p.dport >= r.dport[0] && p.dport <= r.dport[1]) === r.dportNot) return false;
  if (r.sport !== null && (p.sport >= r.sport[0] && p.sport <= r.sport[1]) === r.sportNot) return false;
  if (r.ctstate !== null && r.ctstate.includes(p.state) === r.ctstateNot) return false;
  if (r.icmpType !== null && icmpTypeMatches(r.icmpType, p.icmpType, p.icmpCode) === r.icmpTypeNot) return false;
  if (r.multiport !== null && multiportMatches(r.multiport.value, p) === r.multiport.not) return false;
  if (r.mark !== null && (((mark & r.mark.mask) >>> 0) === r.mark.value) === r.mark.not) return false;
  if (r.addrtype !== null && !addrtypeMatches(r.addrtype, p)) return false;
  if (r.sets !== null && !setsMatch(r.sets, p)) return false;
  // br_netfilter runs FORWARD for a frame cni0 switches between two ports as `-i cni0 -o cni0` (engine.ts bridged).
  if (r.physdevIsBridged && (p.in === undefined || p.in !== p.out)) return false;
  if (r.hasProbability && !(random < r.probability)) return false;
  return true;
}

/** `-m addrtype`: only the LOCAL type is modelled (an address of the hook's device); others never match. */
function addrtypeMatches(types: NonNullable<Rule['addrtype']>, p: MatchPacket): boolean {
  for (const t of types) {
    const local = t.type === 'LOCAL' && p.local !== undefined && p.local.isLocal(t.which === 'src' ? p.src : p.dst);
    if (local === t.not) return false;
  }
  return true;
}

/** `-m set --match-set NAME src|dst`: the address (the first direction given: ip sets of one dimension) in the device's set. */
function setsMatch(sets: NonNullable<Rule['sets']>, p: MatchPacket): boolean {
  for (const s of sets) {
    const hit = p.local?.inSet?.(s.name, s.dirs[0] === 'src' ? p.src : p.dst) === true;
    if (hit === s.not) return false;
  }
  return true;
}

/** Whether the packet's ports are in a multiport list (`ports`: either port). */
function multiportMatches(m: NonNullable<Rule['multiport']>['value'], p: MatchPacket): boolean {
  const inList = (port: number) => m.ranges.some(([lo, hi]) => port >= lo && port <= hi);
  if (m.which === 'dports') return inList(p.dport);
  if (m.which === 'sports') return inList(p.sport);
  return inList(p.dport) || inList(p.sport);
}

const TERMINAL = new Set(['ACCEPT', 'DROP', 'REJECT', 'DNAT', 'SNAT', 'MASQUERADE']);

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
}

/** The chain a rule jumps to, if the table has it. */
function jumpOf(chains: Map<string, Chain>, r: CompiledRule): Chain | undefined {
  if (!(chains instanceof ChainMap)) return chains.get(r.target);
  if (r.jumpVersion !== chains.version) {
    r.jump = chains.get(r.target);
    r.jumpVersion = chains.version;
    r.jumpList = undefined;
  }
  return r.jump;
}

/** The compiled list of the chain `r` jumps to, kept on `r` while that chain stays (jumpOf resets it). */
function jumpListOf(w: Walk, r: CompiledRule, jump: Chain): CompiledRule[] {
  if (!(w.chains instanceof ChainMap)) return compiledList(w.cache, jump);
  return (r.jumpList ??= compiledList(w.cache, jump));
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
  }
  if (!matches(r, w.p, w.mark, random)) return NEXT;
  r.packets++;
  r.bytes += w.p.length;
  const target = r.target;
  if (r.terminal) return r.verdict ??= { target, rule: r.rule, chain: name };
  if (r.setMark !== null) {
    w.mark = ((w.mark & ~r.setMark.mask) ^ r.setMark.value) >>> 0;
    return NEXT;
  }
  if (target === 'RETURN') return undefined;
  const jump = jumpOf(w.chains, r);
  if (jump !== undefined) {
    const list = jumpListOf(w, r, jump);
    const v = emptyAndCompiled(list, jump) ? undefined : walk(w, jump, list, depth + 1);
    if (v) return v;
  }
  // LOG and unknown non-terminal targets fall through to the next rule.
  return NEXT;
}

function walk(w: Walk, c: Chain, list: CompiledRule[], depth: number): Verdict | undefined {
  if (depth > 32) return undefined;
  const name = c.name;
  const rules = refreshed(list, c);
  const index = rules.length >= INDEXED_CHAIN ? dstIndex(rules) : undefined;
  if (index === undefined) {
    for (let k = 0; k < rules.length; k++) {
      const v = visit(w, rules[k]!, name, depth);
      if (v !== NEXT) return v;
    }
    return undefined;
  }
  // Only the rules for this destination and those the index leaves out, in rule order (a merge of the two lists).
  const hits = index.byDst.get(networkOf(w.p.dst, 32)) ?? NO_RULES;
  const rest = index.rest;
  let h = 0;
  let o = 0;
  while (h < hits.length || o < rest.length) {
    const k = o >= rest.length || (h < hits.length && hits[h]! < rest[o]!) ? hits[h++]! : rest[o++]!;
    const v = visit(w, rules[k]!, name, depth);
    if (v !== NEXT) return v;
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
const dstIndexes = new WeakMap<CompiledRule[], DstIndex>();

function dstIndex(rules: CompiledRule[]): DstIndex {
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
const scratch: Walk = { chains: EMPTY_CHAINS, cache: EMPTY_CACHE, p: NO_PACKET, random: NaN, draws: 0, mark: 0 };

/** Runs a builtin chain; returns the terminal verdict (policy when nothing decided). */
export function evaluate(tables: Tables, table: TableName, chain: string, p: MatchPacket, cache: RuleCache): Verdict {
  const chains = tables[table];
  return evaluateChain(chains, chain, chains.get(chain), p, cache);
}

/** evaluate() for the builtin chain `c` (named `chain`) already looked up in `chains`. */
export function evaluateChain(chains: Map<string, Chain>, chain: string, c: Chain | undefined, p: MatchPacket, cache: RuleCache, hook?: Hook): Verdict {
  if (c !== undefined && c.rules.length > 0) {
    const w = scratch;
    w.chains = chains; w.cache = cache; w.p = p; w.random = NaN; w.draws = 0; w.mark = p.mark;
    let verdict = walk(w, c, hook === undefined ? compiledList(cache, c) : hookList(hook, cache, c), 0);
    if (verdict === undefined) {
      countPolicy(c, p.length);
      verdict = hook === undefined ? chainPolicyVerdict(c, chain) : hookPolicyVerdict(hook, c, chain);
    }
    const mark = w.mark;
    w.chains = EMPTY_CHAINS; w.cache = EMPTY_CACHE; w.p = NO_PACKET; // keep no lab alive between evaluations
    return mark === p.mark ? verdict : { ...verdict, mark };
  }
  if (c !== undefined) countPolicy(c, p.length);
  return policyVerdict(chain, c?.policy ?? 'ACCEPT');
}

/** The compiled list of the hook's chain `c` for `cache`, kept on the hook record (the list of a chain and cache never changes identity). */
function hookList(hook: Hook, cache: RuleCache, c: Chain): CompiledRule[] {
  if (hook.cache !== cache) {
    hook.list = compiledList(cache, c);
    hook.cache = cache;
  }
  return hook.list as CompiledRule[];
}

function fract(x: number): number {
  return x - Math.floor(x);
}
