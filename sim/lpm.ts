// Longest-prefix match over uint32 addresses: one open-addressing hash per prefix length, in typed arrays.
// A FIB is an overlay (a device's own routes and deletions) over an optional shared table (Flannel's routes),
// so 5,000 nodes share one copy of the 5,000 host-gw routes.
import { maskOf } from '../topology/address.js';

const EMPTY = -1;

/** Routes of one prefix length: network address -> value index. Keys are stored as int32. */
class LengthBucket {
  readonly keys: Int32Array;
  readonly values: Int32Array;
  readonly mask: number;
  private readonly shift: number;

  constructor(readonly len: number, entries: readonly (readonly [number, number])[]) {
    let bits = 1;
    while (1 << bits < entries.length * 2 + 2) bits++;
    this.keys = new Int32Array(1 << bits);
    this.values = new Int32Array(1 << bits).fill(EMPTY);
    this.shift = 32 - bits;
    this.mask = maskOf(len) | 0;
    for (const [key, value] of entries) this.insert(key | 0, value);
  }

  private slot(key: number): number {
    return Math.imul(key, 0x9e3779b1) >>> this.shift;
  }

  private insert(key: number, value: number): void {
    const cap = this.keys.length - 1;
    let i = this.slot(key);
    while (this.values[i] !== EMPTY && this.keys[i] !== key) i = (i + 1) & cap;
    this.keys[i] = key;
    this.values[i] = value;
  }

  /** The value stored for the network containing `addr` (an int32), or -1. */
  get(addr: number): number {
    const key = addr & this.mask;
    const cap = this.keys.length - 1;
    let i = this.slot(key);
    for (;;) {
      const v = this.values[i]!;
      if (v === EMPTY) return EMPTY;
      if (this.keys[i] === key) return v;
      i = (i + 1) & cap;
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
    const byLen = new Map<number, [number, number][]>();
    // Addresses seen per length (numbers, not `addr/len` texts: every device's FIB is built from a few prefixes).
    const seen = new Map<number, Set<number>>();
    prefixes.forEach((p, i) => {
      let addrs = seen.get(p.len);
      if (!addrs) seen.set(p.len, (addrs = new Set()));
      if (addrs.has(p.addr)) return;
      addrs.add(p.addr);
      let list = byLen.get(p.len);
      if (!list) byLen.set(p.len, (list = []));
      list.push([p.addr, i]);
    });
    this.buckets = [...byLen.keys()].sort((a, b) => b - a).map((len) => new LengthBucket(len, byLen.get(len)!));
    let bits = 0;
    for (const len of byLen.keys()) if (len < 32) bits |= 1 << len;
    this.lengthBits = bits;
    this.hasHostRoutes = byLen.has(32);
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

const RECENT_BITS = 5;
const RECENT_SLOTS = 1 << RECENT_BITS;

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
  private readonly recent = new Array<number | FibHit<R> | null | undefined>(2 * RECENT_SLOTS).fill(undefined);

  constructor(
    private readonly own: readonly (R | typeof TOMBSTONE)[],
    ownPrefixes: readonly { readonly addr: number; readonly len: number }[],
    private readonly shared?: SharedFib<R>,
    /** Whether a route ends the lookup with no answer (a throw route), so the cache keeps the miss. */
    private readonly endsLookup?: (route: R) => boolean,
  ) {
    this.ownTable = new PrefixTable(ownPrefixes);
    const lens = new Set<number>();
    for (const b of this.ownTable.buckets) lens.add(b.len);
    if (shared) for (const b of shared.table.buckets) lens.add(b.len);
    this.lengths = [...lens].sort((a, b) => b - a);
  }

  lookup(addr: number): FibHit<R> | undefined {
    const a = addr | 0;
    const slot = (Math.imul(a, 0x9e3779b1) >>> (32 - RECENT_BITS)) << 1;
    const recent = this.recent;
    if (recent[slot] === a) return (recent[slot + 1] as FibHit<R> | null) ?? undefined;
    let hit = this.longestMatch(a);
    if (hit !== undefined && this.endsLookup?.(hit.route)) hit = undefined;
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
