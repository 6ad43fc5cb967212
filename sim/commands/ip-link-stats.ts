// The statistics block `ip -s link` and `ip -s addr` print under each interface: iproute2 6.1's print_stats64
// (ip/ipaddress.c), its columns widened to the widest number (size_columns), `-s -s` adding the error lines, from the
// counters the simulated traffic moved (sim/link-stats.ts). Errors, missed, mcast, carrier and collisions stay 0.
import type { IfaceState } from '../dataplane.js';
import type { Dataplane, DeviceState } from '../dataplane.js';
import { linkCounters, received, transmitted } from '../link-stats.js';

/** rtnl_link_stats64's fields that ip prints, as numbers. */
export interface LinkStatsView {
  readonly rxBytes: number; readonly rxPackets: number; readonly rxErrors: number; readonly rxDropped: number;
  readonly rxMissed: number; readonly multicast: number;
  readonly rxLength: number; readonly rxCrc: number; readonly rxFrame: number; readonly rxFifo: number; readonly rxOver: number;
  readonly txBytes: number; readonly txPackets: number; readonly txErrors: number; readonly txDropped: number;
  readonly txCarrier: number; readonly collisions: number;
  readonly txAborted: number; readonly txFifo: number; readonly txWindow: number; readonly txHeartbeat: number;
  /** IFLA_CARRIER_CHANGES (printed by `-s -s` as `transns`). */
  readonly carrierChanges: number;
}

/**
 * Carrier changes (carrier_up_count + carrier_down_count) the namespace lab's interfaces show after its build
 * (kernel-checked with `ip -s -s link` on node-1): lo 0, a node's NICs 2 (veths there), cni0 and every pod veth 4.
 * Not moved by `ip link set down/up` yet.
 */
const BUILD_CARRIER_CHANGES: Readonly<Record<IfaceState['kind'], number>> = { loopback: 0, ether: 2, bridge: 4, veth: 4 };

export function linkStatsOf(dp: Dataplane, owner: DeviceState, i: IfaceState): LinkStatsView {
  const c = linkCounters(i);
  const rx = received(dp, i);
  const tx = transmitted(dp, owner, i);
  return {
    rxBytes: rx.bytes, rxPackets: rx.packets, rxErrors: 0, rxDropped: c.rxDropped, rxMissed: 0, multicast: 0,
    rxLength: 0, rxCrc: 0, rxFrame: 0, rxFifo: 0, rxOver: 0,
    txBytes: tx.bytes, txPackets: tx.packets, txErrors: 0, txDropped: c.txDropped, txCarrier: 0, collisions: 0,
    txAborted: 0, txFifo: 0, txWindow: 0, txHeartbeat: 0,
    carrierChanges: BUILD_CARRIER_CHANGES[i.kind] ?? 0,
  };
}

const digits = (v: number): number => String(v).length;

/** size_columns: each column is as wide as its header or its widest number. */
function columns(s: LinkStatsView, level: number): number[] {
  const cols = ['*X errors:'.length, 'packets'.length, 'errors'.length, 'dropped'.length, 'heartbt'.length, 'overrun'.length, 'compressed'.length, 'otherhost'.length];
  const widen = (...vals: number[]) => vals.forEach((v, k) => { cols[k] = Math.max(cols[k]!, digits(v)); });
  widen(s.rxBytes, s.rxPackets, s.rxErrors, s.rxDropped, s.rxMissed, s.multicast, 0, 0);
  if (level > 1) widen(0, s.rxLength, s.rxCrc, s.rxFrame, s.rxFifo, s.rxOver, 0, 0);
  widen(s.txBytes, s.txPackets, s.txErrors, s.txDropped, s.txCarrier, s.collisions, 0, 0);
  if (level > 1) widen(0, 0, s.txAborted, s.txFifo, s.txWindow, s.txHeartbeat, s.carrierChanges, 0);
  return cols;
}

/** `%*s` right-aligned in W. */
const right = (w: number, v: string | number): string => String(v).padStart(w);

/** print_num without -h: the number right-aligned in its column, then a space. */
function nums(cols: readonly number[], first: number, vals: readonly number[]): string {
  return vals.map((v, k) => `${right(cols[first + k]!, v)} `).join('');
}

/** The block's lines for LEVEL (`-s` once: 1, twice or more: 2). */
export function linkStatsLines(s: LinkStatsView, level: number): string[] {
  const c = columns(s, level);
  const out: string[] = [];
  out.push(`    RX: ${right(c[0]! - 4, 'bytes')} ${right(c[1]!, 'packets')} ${right(c[2]!, 'errors')} ${right(c[3]!, 'dropped')} ${right(c[4]!, 'missed')} ${right(c[5]!, 'mcast')} ${right(c[6]!, '')}`);
  out.push(`    ${nums(c, 0, [s.rxBytes, s.rxPackets, s.rxErrors, s.rxDropped, s.rxMissed, s.multicast])}`);
  if (level > 1) {
    out.push(`    RX errors:${right(c[0]! - 10, '')} ${right(c[1]!, 'length')} ${right(c[2]!, 'crc')} ${right(c[3]!, 'frame')} ${right(c[4]!, 'fifo')} ${right(c[5]!, 'overrun')}`);
    out.push(`${' '.repeat(c[0]! + 5)}${nums(c, 1, [s.rxLength, s.rxCrc, s.rxFrame, s.rxFifo, s.rxOver])}`);
  }
  out.push(`    TX: ${right(c[0]! - 4, 'bytes')} ${right(c[1]!, 'packets')} ${right(c[2]!, 'errors')} ${right(c[3]!, 'dropped')} ${right(c[4]!, 'carrier')} ${right(c[5]!, 'collsns')} ${right(c[6]!, '')}`);
  out.push(`    ${nums(c, 0, [s.txBytes, s.txPackets, s.txErrors, s.txDropped, s.txCarrier, s.collisions])}`);
  if (level > 1) {
    out.push(`    TX errors:${right(c[0]! - 10, '')} ${right(c[1]!, 'aborted')} ${right(c[2]!, 'fifo')} ${right(c[3]!, 'window')} ${right(c[4]!, 'heartbt')} ${right(c[5]!, 'transns')}`);
    out.push(`${' '.repeat(c[0]! + 5)}${nums(c, 1, [s.txAborted, s.txFifo, s.txWindow, s.txHeartbeat, s.carrierChanges])}`);
  }
  return out;
}
