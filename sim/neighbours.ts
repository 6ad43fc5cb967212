// A device's IPv4 neighbour (ARP) table as the simulated ARP fills it, in simulated time: REACHABLE after an answer,
// STALE after reachable_time, DELAY when a stale entry is used (confirmed again by the unicast probe 5 s later),
// INCOMPLETE while an unanswered request runs and FAILED after it; the asked side learns the asker as STALE
// (arp_process -> neigh_event_ns); `ip neigh replace ... lladdr` makes PERMANENT entries, a wrong one loses frames.

export type NudState = 'REACHABLE' | 'STALE' | 'DELAY' | 'PROBE' | 'INCOMPLETE' | 'FAILED' | 'PERMANENT';

/**
 * base_reachable_time (30 s). The kernel draws each entry's reachable_time between half and one and a half of it;
 * the simulator takes the base, so REACHABLE turns STALE 30 s after the last confirmation.
 */
export const REACHABLE_MS = 30_000;
/** delay_first_probe_time: a used STALE entry waits this long in DELAY before its unicast probe confirms it. */
export const DELAY_PROBE_MS = 5_000;
/** ucast_probes (3) unicast probes, retrans_time (1 s) apart, in PROBE before an unanswered entry is FAILED. */
export const UNICAST_PROBES_MS = 3_000;

export interface NeighEntry {
  readonly ip: number;
  readonly dev: string;
  lladdr?: string;
  permanent: boolean;
  /** When the neighbour last confirmed its address (an ARP answer). */
  confirmedMs: number;
  /** Unresolved: INCOMPLETE until then, FAILED after. */
  failsAtMs?: number;
  /** A STALE entry used at this time: DELAY, then REACHABLE again DELAY_PROBE_MS later. */
  delayFromMs?: number;
  /** Its unicast probes go unanswered (arp.ts): PROBE after the DELAY, FAILED once they are spent. */
  probesFail?: boolean;
}

/** An entry with every field present, so entries share one shape (the per-frame reads stay monomorphic). */
function entry(ip: number, dev: string, lladdr: string | undefined, permanent: boolean, confirmedMs: number, failsAtMs?: number): NeighEntry {
  return { ip, dev, lladdr, permanent, confirmedMs, failsAtMs, delayFromMs: undefined, probesFail: undefined };
}

/** Moves whenever any table is made or any entry is set or deleted: an entry kept by a receiver is current while it stays. */
let entryWrites = 0;

/**
 * What a receiving interface keeps of the entry its last sender's table holds for it: the sender's interface, the
 * address as an int32, the write count then, the entry. A frame to it then loads the entry from the receiver's counters
 * it moves anyway (LinkCounters extends this), not through the sender's table.
 */
export class KeptNeighbour {
  keptFrom: object | undefined = undefined;
  keptIp = 0;
  keptWrites = -1;
  keptEntry: NeighEntry | undefined = undefined;
}

/** One interface's entries by address as an int32, and the entry `send` found last (forgotten whenever one is set or deleted). */
class InterfaceNeighbours {
  readonly byIp = new Map<number, NeighEntry>();
  /** The last entry's address as an int32 (a small integer field, never a heap number); meaningful while lastEntry is set. */
  lastIp = 0;
  lastEntry: NeighEntry | undefined = undefined;

  /** Every write to byIp comes here first. */
  forget(): void {
    this.lastEntry = undefined;
    entryWrites++;
  }
}

export class NeighbourTable {
  /** Entries by interface (a small integer key: 192.168.x.x as a uint32 is a heap number, so addresses are int32). */
  private readonly byDev = new Map<string, InterfaceNeighbours>();
  /** The interfaces asked about last and the one before, with their entries (a node sends by eth1 and cni0 in turn). */
  private lastDev: string | undefined = undefined;
  private lastTable: InterfaceNeighbours | undefined = undefined;
  private prevDev: string | undefined = undefined;
  private prevTable: InterfaceNeighbours | undefined = undefined;

  constructor() {
    entryWrites++;
  }

  private table(dev: string): InterfaceNeighbours {
    if (dev === this.lastDev) return this.lastTable!;
    let t: InterfaceNeighbours | undefined;
    if (dev === this.prevDev) t = this.prevTable!;
    else {
      t = this.byDev.get(dev);
      if (t === undefined) this.byDev.set(dev, (t = new InterfaceNeighbours()));
    }
    this.prevDev = this.lastDev;
    this.prevTable = this.lastTable;
    this.lastDev = dev;
    this.lastTable = t;
    return t;
  }

  get(dev: string, ip: number): NeighEntry | undefined {
    return dev === this.lastDev ? this.lastTable!.byIp.get(ip | 0) : this.byDev.get(dev)?.byIp.get(ip | 0);
  }

  /** The entry's state at `now` (a DELAY whose probe time has come is confirmed then). */
  state(e: NeighEntry, now: number): NudState {
    if (e.permanent) return 'PERMANENT';
    if (e.failsAtMs !== undefined) return now < e.failsAtMs ? 'INCOMPLETE' : 'FAILED';
    if (e.delayFromMs !== undefined) {
      if (now < e.delayFromMs + DELAY_PROBE_MS) return 'DELAY';
      if (e.probesFail) return now < e.delayFromMs + DELAY_PROBE_MS + UNICAST_PROBES_MS ? 'PROBE' : 'FAILED';
      e.confirmedMs = e.delayFromMs + DELAY_PROBE_MS;
      e.delayFromMs = undefined;
    }
    return now - e.confirmedMs < REACHABLE_MS ? 'REACHABLE' : 'STALE';
  }

  /**
   * send() for a frame out of FROM (an interface of this table's device) to the interface with MAC whose counters are
   * TO, which keep the entry found: the same answer and entry updates, without the table's lookups while nothing was written since.
   */
  sendFrom(from: { readonly name: string }, ip: number, mac: string, to: KeptNeighbour, now: number): 'asked' | 'known' | 'lost' | 'other' | 'probing' {
    const key = ip | 0;
    if (to.keptFrom === from && to.keptIp === key && to.keptWrites === entryWrites) {
      const e = to.keptEntry!;
      // send()'s common case, as it tests it.
      if (e.failsAtMs === undefined && e.delayFromMs === undefined && !e.permanent && e.lladdr === mac) {
        if (now - e.confirmedMs < REACHABLE_MS) return 'known';
        e.delayFromMs = now;
        return 'probing';
      }
    }
    const answer = this.send(from.name, ip, mac, now);
    const t = this.lastTable!;
    to.keptFrom = from;
    to.keptIp = key;
    to.keptWrites = entryWrites;
    to.keptEntry = t.lastEntry !== undefined && t.lastIp === key ? t.lastEntry : t.byIp.get(key);
    return answer;
  }

  /**
   * A frame goes to `ip` on `dev`, whose owner has `mac`: 'asked' when an ARP request went out (a new or failed
   * entry), 'lost' when a static entry names another MAC, 'other' when a learned one does (a proxy's: arp.ts finds
   * where such frames go), 'probing' when a STALE entry is used (DELAY: arp.ts asks whether its probe will be
   * answered), else 'known'.
   */
  send(dev: string, ip: number, mac: string, now: number): 'asked' | 'known' | 'lost' | 'other' | 'probing' {
    const t = this.table(dev);
    const key = ip | 0;
    const kept = t.lastEntry;
    const e = kept !== undefined && key === t.lastIp ? kept : t.byIp.get(key);
    // The common case first: a learned entry with this MAC, neither failed nor in DELAY (state() is then REACHABLE or STALE by its time).
    if (e !== undefined && e.failsAtMs === undefined && e.delayFromMs === undefined && !e.permanent && e.lladdr === mac) {
      t.lastIp = key;
      t.lastEntry = e;
      if (now - e.confirmedMs < REACHABLE_MS) return 'known';
      e.delayFromMs = now;
      return 'probing';
    }
    if (e === undefined || e.failsAtMs !== undefined || (e.probesFail && this.state(e, now) === 'FAILED')) {
      this.set(t, ip, entry(ip, dev, mac, false, now));
      return 'asked';
    }
    t.lastIp = key;
    t.lastEntry = e;
    if (e.permanent) return e.lladdr === mac ? 'known' : 'lost';
    if (e.lladdr !== mac) return 'other';
    if (this.state(e, now) !== 'STALE') return 'known';
    e.delayFromMs = now;
    return 'probing';
  }

  /** Nobody answers for `ip` on `dev`: INCOMPLETE until the attempt gives up at `failsAt`, then FAILED. */
  unanswered(dev: string, ip: number, failsAt: number): void {
    const t = this.table(dev);
    const e = t.byIp.get(ip | 0);
    if (e?.permanent) return;
    if (e === undefined || e.failsAtMs === undefined || e.failsAtMs < failsAt) this.set(t, ip, entry(ip, dev, undefined, false, 0, failsAt));
  }

  /** A static entry for `ip` on `dev` (answers instead of ARP), if one is there. */
  permanent(dev: string, ip: number): NeighEntry | undefined {
    const e = this.get(dev, ip);
    return e?.permanent ? e : undefined;
  }

  /** An ARP request from `ip` (`mac`) arrived on `dev`: the asker is learned as STALE unless known already. */
  heardFrom(dev: string, ip: number | undefined, mac: string, now: number): void {
    if (ip === undefined) return;
    const t = this.table(dev);
    const e = t.byIp.get(ip | 0);
    if (e !== undefined && e.failsAtMs === undefined && e.lladdr === mac) return;
    if (e?.permanent) return;
    this.set(t, ip, entry(ip, dev, mac, false, now - REACHABLE_MS));
  }

  /** `ip neigh replace|add IP lladdr MAC dev DEV [nud S]`: PERMANENT (the default), or a learned entry confirmed now or stale. */
  setEntry(dev: string, ip: number, mac: string, state: 'PERMANENT' | 'REACHABLE' | 'STALE', now: number): void {
    this.set(this.table(dev), ip, entry(ip, dev, mac, state === 'PERMANENT', state === 'REACHABLE' ? now : now - REACHABLE_MS));
  }

  delete(dev: string, ip: number): boolean {
    const t = this.byDev.get(dev);
    if (t === undefined) return false;
    t.forget();
    return t.byIp.delete(ip | 0);
  }

  /** Sets an entry of table T (every write goes here: the entry `send` kept is forgotten). */
  private set(t: InterfaceNeighbours, ip: number, e: NeighEntry): void {
    t.forget();
    t.byIp.set(ip | 0, e);
  }

  /** Every entry, device by device in the order first used, newest entry first (as the kernel's hash buckets fill). */
  entries(): NeighEntry[] {
    return [...this.byDev.values()].flatMap((t) => [...t.byIp.values()].reverse());
  }
}
