// mtr's per-hop bookkeeping (struct nethost): latest address, error flag, counts and integer-microsecond statistics.

export interface HopStats {
  /** Latest address that answered at this hop. */
  addr?: number;
  /** Whether the latest answer was an ICMP error other than port unreachable (mtr-packet's `no-route`). */
  err: boolean;
  xmit: number;
  returned: number;
  /** The latest probe to this hop is still unanswered (net_loss leaves it out). */
  transit: boolean;
  last: number;
  best: number;
  worst: number;
  avg: number;
  ssd: number;
}

export function newHop(): HopStats {
  return { err: false, xmit: 0, returned: 0, transit: false, last: 0, best: 0, worst: 0, avg: 0, ssd: 0 };
}

/** A probe to this hop went out. */
export function recordSend(h: HopStats): void {
  h.xmit++;
  h.transit = true;
}

/** net_process_ping(): one answer of `totusec` microseconds from `from`. */
export function recordReply(h: HopStats, from: number, err: boolean, totusec: number): void {
  h.err = err;
  h.addr = from;
  h.last = totusec;
  if (h.returned < 1) {
    h.best = h.worst = totusec;
    h.avg = h.ssd = 0;
  }
  h.best = Math.min(h.best, totusec);
  h.worst = Math.max(h.worst, totusec);
  h.returned++;
  const oldAvg = h.avg;
  h.avg = Math.trunc(h.avg + (totusec - oldAvg) / h.returned);
  h.ssd = Math.trunc(h.ssd + (totusec - oldAvg) * (totusec - h.avg));
  h.transit = false;
}

/** The report's numbers: loss in thousandths of a percent, times in microseconds. */
export interface HopFigures {
  readonly loss: number;
  readonly xmit: number;
  /** Probes counted as lost (net_drop). */
  readonly drop: number;
  readonly last: number;
  readonly avg: number;
  readonly best: number;
  readonly worst: number;
  readonly stdev: number;
}

export function hopStatistics(h: HopStats): HopFigures {
  // mtr's net_loss leaves a probe still in transit out, but the report is printed after the last probes timed out:
  // `-c 1` to a hop that never answers is 100.0 (kernel-checked), so every probe sent counts.
  const counted = h.xmit;
  const loss = counted === 0 ? 0 : Math.trunc(1000 * (100 - (100 * h.returned) / counted));
  const stdev = h.returned > 1 ? Math.trunc(Math.sqrt(h.ssd / (h.returned - 1))) : 0;
  return { loss, xmit: h.xmit, drop: counted - h.returned, last: h.last, avg: h.avg, best: h.best, worst: h.worst, stdev };
}
