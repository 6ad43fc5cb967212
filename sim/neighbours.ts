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

/** Moves whenever any table is made or any entry is set or deleted: an entry kept outside its table is current while it stays. */
let entryWrites = 0;

/**
 * The neighbour entries an interface keeps outside its device's table (on its counters: LinkCounters extends this), so
 * that a frame loads its entry from objects it touches anyway, not through the sender's table: as a sender, the
 * entry its own table found last (address as an int32, write count then); as a receiver, the entry its last sender's
 * table holds for it (that sender's interface too).
 */
export class KeptNeighbour {
  sentIp = 0;
  sentWrites = -1;
  sentEntry: NeighEntry | undefined = undefined;
  /** The sender's entry before that one (a node's uplink sends to each other node's address in turn). */
  sentIp2 = 0;
  sentWrites2 = -1;
  sentEntry2: NeighEntry | undefined = undefined;
  keptFrom: KeptNeighbour | undefined = undefined;
  keptIp = 0;
  keptWrites = -1;
  keptEntry: NeighEntry | undefined = undefined;
}

/**
 * TABLE's send() for a frame out of its interface DEV (whose kept entries are FROM: one object per table and
 * interface) to the interface with MAC (whose kept entries are TO): the same answer and entry updates, with the entry
 * kept by either end while no entry was written since.
 */
export function sendFrame(table: NeighbourTable, dev: string, from: KeptNeighbour, ip: number, mac: string, to: KeptNeighbour, now: number): 'asked' | 'known' | 'lost' | 'other' | 'probing' {
  const key = ip | 0;
  const writes = entryWrites;
  const e = from.sentIp === key && from.sentWrites === writes ? from.sentEntry
    : to.keptFrom === from && to.keptIp === key && to.keptWrites === writes ? to.keptEntry
    : from.sentIp2 === key && from.sentWrites2 === writes ? from.sentEntry2 : undefined;
  if (e !== undefined && e.failsAtMs === undefined && !e.permanent && e.lladdr === mac) {
    const common = commonCase(e, now);
    if (common !== undefined) return common;
  }
  const answer = table.send(dev, ip, mac, now);
  const found = table.lastFound(key) ?? table.get(dev, ip);
  if (from.sentIp !== key) {
    from.sentIp2 = from.sentIp;
    from.sentWrites2 = from.sentWrites;
    from.sentEntry2 = from.sentEntry;
  }
  from.sentIp = to.keptIp = key;
  from.sentWrites = to.keptWrites = entryWrites;
  from.sentEntry = to.keptEntry = found;
  to.keptFrom = from;
  return answer;
}

/**
 * send()'s answer for a learned, unfailed entry E with the frame's MAC in its common states, as its full path gives it
 * (undefined: take that path): REACHABLE 'known'; STALE used now, 'probing' (DELAY from now); in DELAY before its
 * probe time, 'known' whatever its probes will do (state() is DELAY, neither FAILED nor STALE, and changes nothing).
 */
function commonCase(e: NeighEntry, now: number): 'known' | 'probing' | undefined {
  const delayFrom = e.delayFromMs;
  if (delayFrom !== undefined) return now < delayFrom + DELAY_PROBE_MS ? 'known' : undefined;
  if (now - e.confirmedMs < REACHABLE_MS) return 'known';
  e.delayFromMs = now;
  return 'probing';
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

  /** The entry send() found last for the address KEY (an int32) on the interface it was asked about, if it kept one. */
  lastFound(key: number): NeighEntry | undefined {
    const t = this.lastTable;
    return t !== undefined && t.lastEntry !== undefined && t.lastIp === key ? t.lastEntry : undefined;
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
    if (e !== undefined && e.failsAtMs === undefined && !e.permanent && e.lladdr === mac) {
      const common = commonCase(e, now);
      if (common !== undefined) {
        t.lastIp = key;
        t.lastEntry = e;
        return common;
      }
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
