// A builtin chain's memo of rule walks, in the manner of Open vSwitch's megaflow cache: a walk's outcome (the rules it
// matched, its verdict, the mark) depends only on the packet fields and bits its tests read, so a later packet equal
// on those bits gets the same outcome, replayed (counters moved on the same compiled rules) without walking again.
import { netfilterEdits, type Hook } from './netfilter.js';
import type { MatchPacket, Verdict } from './netfilter-eval.js';
import { TEST_CTSTATE, TEST_DPORT, TEST_DST, TEST_ICMP, TEST_IN, TEST_MARK, TEST_OUT, TEST_PROTOCOL, TEST_SPORT, TEST_SRC, type CompiledRule, type WalkNote } from './rule-match.js';

/** One remembered walk: the key's values (fields outside its group's keys hold 0 / undefined) and the outcome. */
export interface MemoEntry {
  /** The group the entry is in (its keys and bits: what a packet is compared on). */
  readonly group: MemoGroup;
  readonly next: MemoEntry | undefined;
  nextInBucket: MemoEntry | undefined;
  readonly src: number;
  readonly dst: number;
  readonly sport: number;
  readonly dport: number;
  readonly state: number;
  readonly mark: number;
  readonly icmp: number;
  readonly protocol: string | undefined;
  readonly in: string | undefined;
  readonly out: string | undefined;
  /** isLocal() of the addresses `-m addrtype` asked about (bit 1 source, bit 2 destination). */
  readonly local: number;
  /** The compiled rules the walk matched, in order (each moves its counters on replay). */
  readonly matched: readonly CompiledRule[];
  /** The deciding rule's verdict; undefined when the chain's policy decided. */
  readonly verdict: Verdict | undefined;
  /** The mark the walk left when a MARK target ran (the key then holds the whole mark), else -1: the packet's. */
  readonly markOut: number;
}

/**
 * Walks whose tests read the same fields and bits: their entries in a list (a node's hook has one or two per group:
 * the wildcarded bits make most packets equal), and by the hash of their values once the list is long.
 */
export interface MemoGroup {
  readonly keys: number;
  readonly srcBits: number;
  readonly dstBits: number;
  readonly markBits: number;
  readonly sides: number;
  list: MemoEntry | undefined;
  count: number;
  byHash: Map<number, MemoEntry> | undefined;
}

/** Groups from this many entries are looked up by hash (each entry then on one of two chains: `next` and `nextInBucket`). */
const HASHED_GROUP = 8;

/** A hook record's memo: valid for one rule cache while no table anywhere is edited (netfilterEdits.count). */
interface HookMemo {
  readonly edits: number;
  readonly cache: object;
  readonly groups: MemoGroup[];
  size: number;
  /** The entry last answered or remembered: a hook's packets mostly repeat one walk, so it is compared first. */
  last: MemoEntry | undefined;
}

/** What a hook walked once holds: a memo that answers nothing (no count is -1). */
const FIRST_WALK: HookMemo = Object.freeze({ edits: -1, cache: Object.freeze({}), groups: [], size: 0, last: undefined }) as HookMemo;

/** Bounds per hook (a hook of a lab's node sees few groups; the entries bound the memory of large labs). */
const MAX_GROUPS = 8;
const MAX_ENTRIES = 256;

/** The memo's outcome for `p` at the hook (state as stateBit), or undefined when it has none. */
export function memoHit(hook: Hook, cache: object, p: MatchPacket, state: number): MemoEntry | undefined {
  return memoLookup(hook, cache, p, state, p.mark, icmpKey(p.icmpType, p.icmpCode), p.in, p.out, p.local);
}

/** A packet's addresses, ports and protocol, as a MatchPacket and the engine's Packet both hold them. */
export interface Addressed {
  readonly src: number;
  readonly dst: number;
  readonly protocol: string;
  readonly sport: number;
  readonly dport: number;
}

/**
 * memoHit() for a packet given as its addresses and the rest of what a key holds (icmp as icmpKey): the engine asks
 * with its own packet before it fills a MatchPacket, which a replay does not need.
 */
export function memoLookup(hook: Hook, cache: object, p: Addressed, state: number, mark: number, icmp: number, inDev: string | undefined, outDev: string | undefined, local: MatchPacket['local']): MemoEntry | undefined {
  const memo = hook.memo as HookMemo | undefined;
  if (memo === undefined || memo.edits !== netfilterEdits.count || memo.cache !== cache) return undefined;
  // Any entry equal to `p` on its key has the outcome of walking `p` (each holds only what its walk read), so which
  // entry answers changes nothing: the last one is compared first, without a group loop.
  const last = memo.last;
  if (last !== undefined && sameKey(last, last.group, p, state, mark, icmp, inDev, outDev, local)) return last;
  const groups = memo.groups;
  for (let k = 0; k < groups.length; k++) {
    const g = groups[k]!;
    let e = g.byHash === undefined ? g.list : g.byHash.get(hashOf(keyIn(g, p, state, mark, icmp)));
    for (; e !== undefined; e = g.byHash === undefined ? e.next : e.nextInBucket) {
      if (sameKey(e, g, p, state, mark, icmp, inDev, outDev, local)) return (memo.last = e);
    }
  }
  return undefined;
}

/** A packet's values under a group's keys (0 for the fields the group's walks did not read): one lookup's or entry's. */
interface Key {
  src: number;
  dst: number;
  sport: number;
  dport: number;
  state: number;
  mark: number;
  icmp: number;
}

/** The one key being looked up or remembered (keyIn fills it; no object per lookup). */
const scratchKey: Key = { src: 0, dst: 0, sport: 0, dport: 0, state: 0, mark: 0, icmp: 0 };

function keyIn(g: MemoGroup, p: Addressed, state: number, mark: number, icmp: number): Key {
  const k = g.keys;
  const key = scratchKey;
  key.src = p.src & g.srcBits;
  key.dst = p.dst & g.dstBits;
  key.sport = k & TEST_SPORT ? p.sport : 0;
  key.dport = k & TEST_DPORT ? p.dport : 0;
  key.state = k & TEST_CTSTATE ? state : 0;
  key.mark = mark & g.markBits;
  key.icmp = k & TEST_ICMP ? icmp : 0;
  return key;
}

/** Whether the packet has the entry's key: keyIn's values compared as they are read, without filling a key. */
function sameKey(e: MemoEntry, g: MemoGroup, p: Addressed, state: number, mark: number, icmp: number, inDev: string | undefined, outDev: string | undefined, local: MatchPacket['local']): boolean {
  const k = g.keys;
  if (e.src !== (p.src & g.srcBits) || e.dst !== (p.dst & g.dstBits) || e.mark !== (mark & g.markBits)) return false;
  if (e.sport !== (k & TEST_SPORT ? p.sport : 0) || e.dport !== (k & TEST_DPORT ? p.dport : 0) || e.state !== (k & TEST_CTSTATE ? state : 0)) return false;
  if (e.icmp !== (k & TEST_ICMP ? icmp : 0)) return false;
  if (k & TEST_PROTOCOL && e.protocol !== p.protocol) return false;
  if (k & TEST_IN && e.in !== inDev) return false;
  if (k & TEST_OUT && e.out !== outDev) return false;
  return g.sides === 0 || localAnswers(g.sides, local, p) === e.local;
}

/** Replays a remembered walk's counters for a packet of `length` bytes: each rule it matched, in order. */
export function replayCounters(e: MemoEntry, length: number): void {
  const matched = e.matched;
  for (let k = 0; k < matched.length; k++) {
    const r = matched[k]!;
    r.packets++;
    r.bytes += length;
  }
}

/** Remembers a walk of `p` at the hook: what it read (`note`), the rules it matched (matched[0..matchedCount)), its verdict and the mark it left. */
export function remember(hook: Hook, cache: object, p: MatchPacket, state: number, note: WalkNote, matched: readonly CompiledRule[], matchedCount: number, verdict: Verdict | undefined, markOut: number): void {
  if (note.uncacheable) return;
  let memo = hook.memo as HookMemo | undefined;
  if (memo === undefined) {
    hook.memo = FIRST_WALK; // most hooks of a large lab's nodes see one packet in a run: memos from the second walk
    return;
  }
  if (memo.edits !== netfilterEdits.count || memo.cache !== cache || memo.size >= MAX_ENTRIES) {
    hook.memo = memo = { edits: netfilterEdits.count, cache, groups: [], size: 0, last: undefined };
  }
  // A MARK target makes the outcome's mark a function of the whole mark: the key holds all of it.
  const markBits = note.marked ? -1 : note.markBits | 0;
  const keys = note.keys | (markBits !== 0 ? TEST_MARK : 0);
  const g = groupFor(memo, keys, note.srcBits | 0, note.dstBits | 0, markBits, note.sides);
  if (g === undefined) return;
  const key = keyIn(g, p, state, p.mark, icmpKey(p.icmpType, p.icmpCode));
  const e: MemoEntry = {
    group: g, next: g.list, nextInBucket: undefined, src: key.src, dst: key.dst, sport: key.sport, dport: key.dport, state: key.state, mark: key.mark, icmp: key.icmp,
    protocol: keys & TEST_PROTOCOL ? p.protocol : undefined, in: keys & TEST_IN ? p.in : undefined, out: keys & TEST_OUT ? p.out : undefined,
    local: localAnswers(note.sides, p.local, p), matched: matched.slice(0, matchedCount), verdict, markOut: note.marked ? markOut : -1,
  };
  g.list = e;
  memo.last = e;
  if (++g.count === HASHED_GROUP) {
    g.byHash = new Map();
    for (let each: MemoEntry | undefined = e; each !== undefined; each = each.next) indexEntry(g.byHash, each);
  } else if (g.byHash !== undefined) indexEntry(g.byHash, e);
  memo.size++;
}

function indexEntry(byHash: Map<number, MemoEntry>, e: MemoEntry): void {
  const hash = hashOf(e);
  e.nextInBucket = byHash.get(hash);
  byHash.set(hash, e);
}

function groupFor(memo: HookMemo, keys: number, srcBits: number, dstBits: number, markBits: number, sides: number): MemoGroup | undefined {
  for (const g of memo.groups) {
    if (g.keys === keys && g.srcBits === srcBits && g.dstBits === dstBits && g.markBits === markBits && g.sides === sides) return g;
  }
  if (memo.groups.length >= MAX_GROUPS) return undefined;
  const g: MemoGroup = { keys, srcBits: keys & TEST_SRC ? srcBits : 0, dstBits: keys & TEST_DST ? dstBits : 0, markBits, sides, list: undefined, count: 0, byHash: undefined };
  memo.groups.push(g);
  return g;
}

/** `-m addrtype --src-type/--dst-type LOCAL`'s answers for the sides asked about (the device's addresses may change). */
function localAnswers(sides: number, local: MatchPacket['local'], p: Addressed): number {
  if (sides === 0) return 0;
  let answers = 0;
  if (sides & 1 && local !== undefined && local.isLocal(p.src)) answers |= 1;
  if (sides & 2 && local !== undefined && local.isLocal(p.dst)) answers |= 2;
  return answers;
}

/** ICMP type and code in one number (-1 for a packet without them). */
export function icmpKey(type: number | undefined, code: number | undefined): number {
  return type === undefined ? -1 : type * 256 + (code ?? 0) + (code === undefined ? 65536 : 0);
}

/** A small-integer hash of a key's numbers (a Map key V8 keeps unboxed). */
function hashOf(key: Readonly<Key>): number {
  let h = Math.imul(key.src ^ 0x2545f491, 0x9e3779b1);
  h = Math.imul(h ^ key.dst, 0x85ebca6b);
  h = Math.imul(h ^ (key.sport * 65536 + key.dport), 0xc2b2ae35);
  h = Math.imul(h ^ (key.state + key.mark * 8), 0x27d4eb2f);
  h ^= key.icmp;
  return (h ^ (h >>> 15)) & 0x3fffffff;
}
