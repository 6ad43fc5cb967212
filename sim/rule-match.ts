// The evaluator's compiled form of an iptables rule (CompiledRule: only the tests a rule has, as bits and masks) and
// the match of a packet against it, in the order iptables tests a rule's matches.
import { maskOf, type Cidr } from '../topology/address.js';
import { icmpTypeMatches, type IcmpType } from './icmp-types.js';
import type { Chain, Rule } from './netfilter.js';
import type { MatchPacket, Verdict } from './netfilter-eval.js';

function ifaceMatch(pattern: string, name: string | undefined): boolean {
  if (name === undefined) return false;
  return pattern.endsWith('+') ? name.startsWith(pattern.slice(0, -1)) : pattern === name;
}

/** A rule flattened into one fixed shape for the evaluator (rules themselves never change once parsed). */
export interface CompiledRule {
  readonly rule: Rule;
  /** Which of the tests below the rule has (TEST_* bits): matches() skips the others without reading them. */
  readonly tests: number;
  /** `-s`/`-d` as a mask and the network the masked address must (or, negated, must not) equal (topology/address.ts contains). */
  readonly srcMask: number;
  readonly srcNet: number;
  readonly srcNot: boolean;
  readonly dst: Cidr | null;
  readonly dstMask: number;
  readonly dstNet: number;
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
  /** `--ctstate` as stateBit bits of the states a packet can be in here (NEW, ESTABLISHED, RELATED). */
  readonly ctstates: number;
  readonly ctstateNot: boolean;
  readonly icmpType: IcmpType | null;
  readonly icmpTypeNot: boolean;
  readonly multiport: NonNullable<Rule['multiport']> | null;
  /** `-m mark`: (mark & mask) == value, or its negation. */
  readonly mark: NonNullable<Rule['mark']> | null;
  readonly addrtype: NonNullable<Rule['addrtype']> | null;
  readonly setMark: NonNullable<Rule['setMark']> | null;
  readonly sets: NonNullable<Rule['sets']> | null;
  readonly hasProbability: boolean;
  readonly probability: number;
  readonly target: string;
  /** What a match does: ACT_VERDICT, ACT_MARK, ACT_RETURN or ACT_JUMP (a chain, or LOG and unknown targets: nothing). */
  readonly action: number;
  /** The chain `target` names, as found when the table's ChainMap had version `jumpVersion` (-1: not looked up). */
  jump: Chain | undefined;
  jumpVersion: number;
  /** The compiled rules of `jump` in this rule's cache (the same list as long as `jump` is the same chain). */
  jumpList: CompiledList | undefined;
  /** A terminal rule's verdict, made on its first match (the compiled rule belongs to one chain, so it never changes). */
  verdict: Verdict | undefined;
  /** Packets and bytes that matched the rule (its xt_counters), since it was added or zeroed with `iptables -Z`. */
  packets: number;
  bytes: number;
}

export const TEST_SRC = 1 << 0;
export const TEST_DST = 1 << 1;
export const TEST_PROTOCOL = 1 << 2;
export const TEST_IN = 1 << 3;
export const TEST_OUT = 1 << 4;
export const TEST_DPORT = 1 << 5;
export const TEST_SPORT = 1 << 6;
export const TEST_CTSTATE = 1 << 7;
export const TEST_ICMP = 1 << 8;
const TEST_MULTIPORT = 1 << 9;
export const TEST_MARK = 1 << 10;
const TEST_ADDRTYPE = 1 << 11;
const TEST_SETS = 1 << 12;
const TEST_BRIDGED = 1 << 13;
const TEST_PROBABILITY = 1 << 14;

const TERMINAL = new Set(['ACCEPT', 'DROP', 'REJECT', 'DNAT', 'SNAT', 'MASQUERADE']);

export const ACT_VERDICT = 0;
export const ACT_MARK = 1;
export const ACT_RETURN = 2;
export const ACT_JUMP = 3;

/** A packet's conntrack state as a bit, for `--ctstate` lists compiled to bits (the other states never match here). */
export function stateBit(state: string): number {
  return state === 'NEW' ? 1 : state === 'ESTABLISHED' ? 2 : state === 'RELATED' ? 4 : 0;
}

function testsOf(r: Rule): number {
  let t = 0;
  if (r.src !== undefined) t |= TEST_SRC;
  if (r.dst !== undefined) t |= TEST_DST;
  if (r.protocol !== undefined) t |= TEST_PROTOCOL;
  if (r.in !== undefined) t |= TEST_IN;
  if (r.out !== undefined) t |= TEST_OUT;
  if (r.dport !== undefined) t |= TEST_DPORT;
  if (r.sport !== undefined) t |= TEST_SPORT;
  if (r.ctstate !== undefined) t |= TEST_CTSTATE;
  if (r.icmpType !== undefined) t |= TEST_ICMP;
  if (r.multiport !== undefined) t |= TEST_MULTIPORT;
  if (r.mark !== undefined) t |= TEST_MARK;
  if (r.addrtype !== undefined) t |= TEST_ADDRTYPE;
  if (r.sets !== undefined) t |= TEST_SETS;
  if (r.physdevIsBridged === true) t |= TEST_BRIDGED;
  if (r.probability !== undefined) t |= TEST_PROBABILITY;
  return t;
}

/** `--ctstate STATES` as stateBit bits. */
function stateBits(states: readonly string[] | undefined): number {
  let bits = 0;
  if (states !== undefined) for (const state of states) bits |= stateBit(state);
  return bits;
}

function actionOf(r: Rule): number {
  if (TERMINAL.has(r.target)) return ACT_VERDICT;
  if (r.target === 'MARK' && r.setMark !== undefined) return ACT_MARK;
  return r.target === 'RETURN' ? ACT_RETURN : ACT_JUMP;
}

/** A chain's compiled rules; `distinct` while no rule was twice in the chain when the list was last compiled. */
export type CompiledList = CompiledRule[] & { distinct: boolean };

export function compileRule(r: Rule): CompiledRule {
  return {
    rule: r,
    tests: testsOf(r),
    srcMask: maskOf(r.src?.value.len ?? 0), srcNet: r.src?.value.addr ?? 0, srcNot: r.src?.not === true,
    dst: r.dst?.value ?? null, dstMask: maskOf(r.dst?.value.len ?? 0), dstNet: r.dst?.value.addr ?? 0, dstNot: r.dst?.not === true,
    protocol: r.protocol?.value ?? null, protocolNot: r.protocol?.not === true,
    in: r.in?.value ?? null, inNot: r.in?.not === true,
    out: r.out?.value ?? null, outNot: r.out?.not === true,
    dport: r.dport?.value ?? null, dportNot: r.dport?.not === true,
    sport: r.sport?.value ?? null, sportNot: r.sport?.not === true,
    ctstates: stateBits(r.ctstate?.value), ctstateNot: r.ctstate?.not === true,
    icmpType: r.icmpType?.value ?? null, icmpTypeNot: r.icmpType?.not === true,
    multiport: r.multiport ?? null,
    mark: r.mark ?? null,
    addrtype: r.addrtype ?? null,
    setMark: r.target === 'MARK' ? (r.setMark ?? null) : null,
    sets: r.sets ?? null,
    hasProbability: r.probability !== undefined,
    probability: r.probability ?? 0,
    target: r.target,
    action: actionOf(r),
    jump: undefined,
    jumpVersion: -1,
    jumpList: undefined,
    verdict: undefined,
    packets: 0,
    bytes: 0,
  };
}

/**
 * 0 when the packet (state as stateBit, mark as the walk left it) passes every test the rule has, else the TEST_* bit
 * of the first test it fails: tests run in iptables' order, which is the bits' order.
 */
export function failedTest(r: CompiledRule, p: MatchPacket, state: number, mark: number, random: number): number {
  const t = r.tests;
  if (t === 0) return 0; // `-j CHAIN` alone (kube-proxy's hooks into its chains): nothing to test
  if (t & TEST_SRC && (((p.src & r.srcMask) >>> 0) === r.srcNet) === r.srcNot) return TEST_SRC;
  if (t & TEST_DST && (((p.dst & r.dstMask) >>> 0) === r.dstNet) === r.dstNot) return TEST_DST;
  if (t & TEST_PROTOCOL && (r.protocol === p.protocol) === r.protocolNot) return TEST_PROTOCOL;
  // The tests kube-proxy and flannel rules use are above and below; the others in one call (keeps this one inlinable).
  if (t & PORT_AND_IFACE_TESTS) {
    const failed = failedPortOrIface(r, t, p);
    if (failed !== 0) return failed;
  }
  if (t & TEST_CTSTATE && ((r.ctstates & state) !== 0) === r.ctstateNot) return TEST_CTSTATE;
  return t & LATER_TESTS ? failedLaterTest(r, t, p, mark, random) : 0;
}

const PORT_AND_IFACE_TESTS = TEST_IN | TEST_OUT | TEST_DPORT | TEST_SPORT;
const LATER_TESTS = TEST_ICMP | TEST_MULTIPORT | TEST_MARK | TEST_ADDRTYPE | TEST_SETS | TEST_BRIDGED | TEST_PROBABILITY;

/** `-i`, `-o`, `--dport`, `--sport` (between `-p` and `--ctstate` in failedTest's order). */
function failedPortOrIface(r: CompiledRule, t: number, p: MatchPacket): number {
  if (t & TEST_IN && ifaceMatch(r.in!, p.in) === r.inNot) return TEST_IN;
  if (t & TEST_OUT && ifaceMatch(r.out!, p.out) === r.outNot) return TEST_OUT;
  if (t & TEST_DPORT && (p.dport >= r.dport![0] && p.dport <= r.dport![1]) === r.dportNot) return TEST_DPORT;
  if (t & TEST_SPORT && (p.sport >= r.sport![0] && p.sport <= r.sport![1]) === r.sportNot) return TEST_SPORT;
  return 0;
}

/** The tests after `--ctstate`: icmp, multiport, mark, addrtype, set, physdev, statistic. */
function failedLaterTest(r: CompiledRule, t: number, p: MatchPacket, mark: number, random: number): number {
  if (t & TEST_ICMP && icmpTypeMatches(r.icmpType!, p.icmpType, p.icmpCode) === r.icmpTypeNot) return TEST_ICMP;
  if (t & TEST_MULTIPORT && multiportMatches(r.multiport!.value, p) === r.multiport!.not) return TEST_MULTIPORT;
  if (t & TEST_MARK && (((mark & r.mark!.mask) >>> 0) === r.mark!.value) === r.mark!.not) return TEST_MARK;
  if (t & TEST_ADDRTYPE && !addrtypeMatches(r.addrtype!, p)) return TEST_ADDRTYPE;
  if (t & TEST_SETS && !setsMatch(r.sets!, p)) return TEST_SETS;
  // br_netfilter runs FORWARD for a frame cni0 switches between two ports as `-i cni0 -o cni0` (engine.ts bridged).
  if (t & TEST_BRIDGED && (p.in === undefined || p.in !== p.out)) return TEST_BRIDGED;
  if (t & TEST_PROBABILITY && !(random < r.probability)) return TEST_PROBABILITY;
  return 0;
}

/**
 * What a walk's outcome depends on, gathered rule by rule (sim/hook-memo.ts keys its memo on it): the packet fields
 * the tests read (TEST_* bits), the address and mark bits that decided them, which addresses `-m addrtype` asked
 * about (1 source, 2 destination), whether a MARK target ran, and whether anything else was read (then no memo).
 */
export interface WalkNote {
  keys: number;
  srcBits: number;
  dstBits: number;
  markBits: number;
  sides: number;
  marked: boolean;
  uncacheable: boolean;
}

/** Adds to `note` what the rule's tests read of the packet, up to the one that failed (`failed`: failedTest's answer). */
export function noteTests(note: WalkNote, r: CompiledRule, p: MatchPacket, failed: number): void {
  const t = failed === 0 ? r.tests : r.tests & ((failed << 1) - 1);
  let keys = t;
  if (t & TEST_SRC) note.srcBits |= decidingBits(p.src, r.srcMask, r.srcNet);
  if (t & TEST_DST) note.dstBits |= decidingBits(p.dst, r.dstMask, r.dstNet);
  if (t & TEST_MULTIPORT) keys |= TEST_SPORT | TEST_DPORT;
  if (t & TEST_BRIDGED) keys |= TEST_IN | TEST_OUT;
  if (t & TEST_MARK) note.markBits |= r.mark!.mask;
  if (t & TEST_ADDRTYPE) for (const a of r.addrtype!) if (a.type === 'LOCAL') note.sides |= a.which === 'src' ? 1 : 2;
  if (t & (TEST_SETS | TEST_PROBABILITY)) note.uncacheable = true;
  note.keys |= keys;
}

/**
 * The address bits that decide `(addr & mask) == net`: all of the mask when equal; else one bit where they differ
 * (any address with that bit the same differs from the network too).
 */
function decidingBits(addr: number, mask: number, net: number): number {
  const diff = (addr & mask) ^ net;
  return diff === 0 ? mask : 0x80000000 >>> Math.clz32(diff);
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
