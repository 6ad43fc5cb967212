// Longest-prefix match over uint32 addresses: one open-addressing hash per prefix length, in typed arrays.
// A FIB is an overlay (a device's own routes and deletions) over an optional shared table (Flannel's routes),
// so 5,000 nodes share one copy of the 5,000 host-gw routes.
import { maskOf } from '../topology/address.js';

const EMPTY = -1;

/**
 * The first index of INT32 KEY's [key, value] pair in a direct-mapped table of 2^(32 - SHIFT) pairs kept in one array
 * (Fibonacci hashing: the top bits of the key times 2^32 / phi). The FIB's buckets and route cache, and the
 * dataplane's neighbour answers, are laid out so.
 */
export function pairSlot(key: number, shift: number): number {
  return (Math.imul(key, 0x9e3779b1) >>> shift) << 1;
}

/** Routes of one prefix length: network address -> value index. Keys are stored as int32. */
class LengthBucket {
  /** Key then value by slot, in one typed array (a small typed array costs more than its data: one, not two, per bucket). */
  readonly slots: Int32Array;
  readonly mask: number;
  private readonly shift: number;

  /** The bucket of PREFIXES of length LEN (COUNT of them), each stored with its index as value. */
  constructor(readonly len: number, prefixes: readonly { readonly addr: number; readonly len: number }[], count: number) {
    let bits = 1;
    while (1 << bits < count * 2 + 2) bits++;
    this.slots = new Int32Array(2 << bits);
    for (let k = 1; k < this.slots.length; k += 2) this.slots[k] = EMPTY;
    this.shift = 32 - bits;
    this.mask = maskOf(len) | 0;
    for (let i = 0; i < prefixes.length; i++) if (prefixes[i]!.len === len) this.insert(prefixes[i]!.addr | 0, i);
  }

  private slot(key: number): number {
    return pairSlot(key, this.shift);
  }

  /** Stores KEY's value unless KEY is there already (the first of equal prefixes wins). */
  private insert(key: number, value: number): void {
    const slots = this.slots;
    const cap = slots.length - 1;
    let i = this.slot(key);
    while (slots[i + 1] !== EMPTY) {
      if (slots[i] === key) return;
      i = (i + 2) & cap;
    }
    slots[i] = key;
    slots[i + 1] = value;
  }

  /** The value stored for the network containing `addr` (an int32), or -1. */
  get(addr: number): number {
    const key = addr & this.mask;
    const slots = this.slots;
    const cap = slots.length - 1;
    let i = this.slot(key);
    for (;;) {
      const v = slots[i + 1]!;
      if (v === EMPTY) return EMPTY;
      if (slots[i] === key) return v;
      i = (i + 2) & cap;
    }
  }
}

/** An immutable prefix table: `lookup` returns the index of the longest matching prefix's value, or -1. */
export class PrefixTable {
  /** Buckets by descending prefix length. */
  readonly buckets: readonly LengthBucket[];
  /** Bit i set when a prefix of length i is present (bit 32 in `hasHostRoutes`). */
  readonly lengthBits: number;
  readonly hasHostRoutes: boolean;

  /** `prefixes[i]` is stored with value `i`; the first of equal prefixes wins. */
  constructor(prefixes: readonly { readonly addr: number; readonly len: number }[]) {
    // Lengths longest first, with how many prefixes have each (a device's FIB is built from a few prefixes: no Maps).
    const lens: number[] = [];
    const counts: number[] = [];
    for (let i = 0; i < prefixes.length; i++) {
      const len = prefixes[i]!.len;
      let at = 0;
      while (at < lens.length && lens[at]! > len) at++;
      if (lens[at] === len) {
        counts[at]!++;
        continue;
      }
      lens.push(len);
      counts.push(1);
      for (let k = lens.length - 1; k > at; k--) {
        lens[k] = lens[k - 1]!;
        counts[k] = counts[k - 1]!;
      }
      lens[at] = len;
      counts[at] = 1;
    }
    // Repeated prefixes are all counted: the bucket keeps the first.
    const buckets: LengthBucket[] = [];
    for (let k = 0; k < lens.length; k++) buckets.push(new LengthBucket(lens[k]!, prefixes, counts[k]!));
    this.buckets = buckets;
    let bits = 0;
    for (const len of lens) if (len < 32) bits |= 1 << len;
    this.lengthBits = bits;
    this.hasHostRoutes = lens.includes(32);
  }

  lookup(addr: number): number {
    const a = addr | 0;
    for (const b of this.buckets) {
      const v = b.get(a);
      if (v !== EMPTY) return v;
    }
    return EMPTY;
  }

  /** The value for exactly this prefix, or -1. */
  exact(addr: number, len: number): number {
    for (const b of this.buckets) if (b.len === len) return b.get(addr | 0);
    return EMPTY;
  }
}

/**
 * An overlay FIB: own entries (value >= 0 is a route index into `own`, TOMBSTONE hides the shared entry with the
 * same prefix) consulted before the shared table at each prefix length.
 */
export const TOMBSTONE = -2;

export interface FibHit<R> {
  readonly route: R;
  readonly shared: boolean;
}

/** A table shared by many FIBs, with the hits handed out for its entries (shared too, so a lookup allocates nothing). */
export interface SharedFib<R> {
  readonly table: PrefixTable;
  readonly routes: readonly R[];
  readonly hits: (FibHit<R> | undefined)[];
}

/** Route cache slots: a FIB starts with 2 (most of a large lab's devices ask it about one or two addresses) and has 32 from its first eviction. */
const FIRST_RECENT_BITS = 1;
const RECENT_BITS = 5;

export class OverlayFib<R> {
  private readonly ownTable: PrefixTable;
  private readonly lengths: readonly number[];
  /** Hits handed out, one per own and per shared entry (a lookup allocates nothing). */
  private readonly ownHits: (FibHit<R> | undefined)[] = [];
  /**
   * The last answers, direct-mapped by address (the route cache): the FIB never changes (a device builds a new one when
   * its routes change), so an answer stays right. Address (int32) then answer by slot, in one array (one object to
   * load per lookup); null is a remembered miss, undefined an empty slot.
   */
  private recent = new Array<number | FibHit<R> | null | undefined>(2 << FIRST_RECENT_BITS).fill(undefined);
  /** 32 minus the cache's slot bits. */
  private recentShift = 32 - FIRST_RECENT_BITS;

  constructor(
    private readonly own: readonly (R | typeof TOMBSTONE)[],
    ownPrefixes: readonly { readonly addr: number; readonly len: number }[],
    private readonly shared?: SharedFib<R>,
    /** Whether a route ends the lookup with no answer (a throw route), so the cache keeps the miss. */
    private readonly endsLookup?: (route: R) => boolean,
  ) {
    this.ownTable = new PrefixTable(ownPrefixes);
    this.lengths = mergedLengths(this.ownTable.buckets, shared?.table.buckets ?? []);
  }

  lookup(addr: number): FibHit<R> | undefined {
    const a = addr | 0;
    let slot = pairSlot(a, this.recentShift);
    let recent = this.recent;
    if (recent[slot] === a) return (recent[slot + 1] as FibHit<R> | null) ?? undefined;
    let hit = this.longestMatch(a);
    if (hit !== undefined && this.endsLookup?.(hit.route)) hit = undefined;
    if (recent[slot] !== undefined && this.recentShift !== 32 - RECENT_BITS) {
      // The first eviction: the cache grows to its full size, empty (its answers are only ever a FIB lookup's).
      this.recent = recent = new Array<number | FibHit<R> | null | undefined>(2 << RECENT_BITS).fill(undefined);
      this.recentShift = 32 - RECENT_BITS;
      slot = pairSlot(a, this.recentShift);
    }
    recent[slot] = a;
    recent[slot + 1] = hit ?? null;
    return hit;
  }

  private longestMatch(a: number): FibHit<R> | undefined {
    const ownBuckets = this.ownTable.buckets;
    const sharedBuckets = this.shared?.table.buckets;
    let oi = 0;
    let si = 0;
    for (const len of this.lengths) {
      while (oi < ownBuckets.length && ownBuckets[oi]!.len > len) oi++;
      if (oi < ownBuckets.length && ownBuckets[oi]!.len === len) {
        const v = ownBuckets[oi]!.get(a);
        if (v !== EMPTY) {
          const entry = this.own[v]!;
          if (entry !== TOMBSTONE) return (this.ownHits[v] ??= { route: entry as R, shared: false });
          continue; // deleted here: the shared route of this length is hidden
        }
      }
      if (sharedBuckets) {
        while (si < sharedBuckets.length && sharedBuckets[si]!.len > len) si++;
        if (si < sharedBuckets.length && sharedBuckets[si]!.len === len) {
          const v = sharedBuckets[si]!.get(a);
          if (v !== EMPTY) return (this.shared!.hits[v] ??= { route: this.shared!.routes[v]!, shared: true });
        }
      }
    }
    return undefined;
  }
}

/** The prefix lengths of two bucket lists (each by descending length), once each, longest first. */
function mergedLengths(a: readonly LengthBucket[], b: readonly LengthBucket[]): number[] {
  const out: number[] = [];
  let i = 0;
  let k = 0;
  while (i < a.length || k < b.length) {
    const len = k >= b.length || (i < a.length && a[i]!.len >= b[k]!.len) ? a[i]!.len : b[k]!.len;
    out.push(len);
    while (i < a.length && a[i]!.len === len) i++;
    while (k < b.length && b[k]!.len === len) k++;
  }
  return out;
}
