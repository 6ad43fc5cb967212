// The kernel's SNMP counters the simulator keeps per device (what nstat reads from /proc/net/snmp): the Icmp and
// IcmpMsg lines, moved by the simulated traffic (an ICMP message counts out when it is built after its route lookup,
// __ip_make_skb, before filter OUTPUT; in when it is delivered locally, icmp_rcv, after filter INPUT). One-line hooks
// in engine.ts; the Ip line's ForwDatagrams is with the other Ip counters (ip-mib.ts).
import type { DeviceState } from './dataplane.js';
import type { Packet } from './packet.js';
import { SNMP_COLUMNS } from './proc-net-columns.js';

/** Per-type columns of the Icmp line: [In name, Out name] by ICMP type. */
const TYPE_NAMES: Readonly<Record<number, readonly [string, string]>> = {
  0: ['InEchoReps', 'OutEchoReps'], 3: ['InDestUnreachs', 'OutDestUnreachs'], 4: ['InSrcQuenchs', 'OutSrcQuenchs'],
  5: ['InRedirects', 'OutRedirects'], 8: ['InEchos', 'OutEchos'], 11: ['InTimeExcds', 'OutTimeExcds'], 12: ['InParmProbs', 'OutParmProbs'],
  13: ['InTimestamps', 'OutTimestamps'], 14: ['InTimestampReps', 'OutTimestampReps'], 17: ['InAddrMasks', 'OutAddrMasks'], 18: ['InAddrMaskReps', 'OutAddrMaskReps'],
};

/** The Icmp line's columns in /proc/net/snmp order (kernel 6.18, the namespace lab's). */
export const ICMP_COLUMNS: readonly string[] = SNMP_COLUMNS.Icmp;

/** Slots of the Icmp line's columns, by name. */
const ICMP_SLOT = new Map(ICMP_COLUMNS.map((name, k) => [name, k]));
/** IcmpMsg's counters are slots for types 0-18 (NR_ICMP_TYPES, every type the simulator builds); others go to a Map. */
const ICMP_TYPES = 19;
/** Where IcmpMsg's in and out counts start in IcmpCounters' slots. */
const MSG_IN = ICMP_COLUMNS.length;
const MSG_OUT = MSG_IN + ICMP_TYPES;

/** A device's ICMP counters, in typed arrays by slot (one indexed add per count). */
export class IcmpCounters {
  /**
   * One array (one allocation per device): the Icmp line's columns by slot (ICMP_COLUMNS' order), then IcmpMsg's in
   * and out counts by type from MSG_IN and MSG_OUT; the kernel lists only the types seen (a count above 0).
   */
  private readonly slots = new Float64Array(MSG_OUT + ICMP_TYPES);
  /** Counts of other types, by direction and type (`in 42`), so none is ever lost. */
  private otherTypes?: Map<string, number>;

  /** The Icmp line's column NAME (0 for a name it does not have). */
  icmpColumn(name: string): number {
    const k = ICMP_SLOT.get(name);
    return k === undefined ? 0 : this.slots[k]!;
  }

  /** IcmpMsg's types seen in one direction, ascending, with their counts. */
  messages(dir: 'in' | 'out'): [number, number][] {
    const from = dir === 'in' ? MSG_IN : MSG_OUT;
    const seen: [number, number][] = [];
    for (let type = 0; type < ICMP_TYPES; type++) if (this.slots[from + type]! > 0) seen.push([type, this.slots[from + type]!]);
    for (const [key, n] of this.otherTypes ?? []) if (key.startsWith(dir)) seen.push([Number(key.slice(dir.length + 1)), n]);
    return seen.sort((x, y) => x[0] - y[0]);
  }

  /** One more message of TYPE in direction DIR. */
  count(type: number, dir: 'in' | 'out'): void {
    const into = dir === 'in';
    this.slots[into ? IN_MSGS : OUT_MSGS]++;
    const slot = (into ? IN_SLOTS : OUT_SLOTS)[type];
    if (slot !== undefined) this.slots[slot]++;
    if (type >= 0 && type < ICMP_TYPES && Number.isInteger(type)) this.slots[(into ? MSG_IN : MSG_OUT) + type]++;
    else this.countOtherType(`${dir} ${type}`);
  }

  private countOtherType(key: string): void {
    const other = (this.otherTypes ??= new Map());
    other.set(key, (other.get(key) ?? 0) + 1);
  }
}

export function icmpCounters(s: DeviceState): IcmpCounters {
  return (s.icmpMib ??= new IcmpCounters());
}

/** An ICMP message P at S: `out` when built after its route lookup, `in` when delivered to S's own stack. */
export function countIcmp(s: DeviceState, p: Packet, dir: 'in' | 'out'): void {
  if (p.icmp === undefined) return;
  icmpCounters(s).count(p.icmp.type, dir);
}

/** The Icmp line's slots of TYPE_NAMES' columns, as arrays by type (no lookup by name per counted message). */
const IN_SLOTS: (number | undefined)[] = [];
const OUT_SLOTS: (number | undefined)[] = [];
for (const [type, [inName, outName]] of Object.entries(TYPE_NAMES)) { IN_SLOTS[Number(type)] = ICMP_SLOT.get(inName); OUT_SLOTS[Number(type)] = ICMP_SLOT.get(outName); }
const IN_MSGS = ICMP_SLOT.get('InMsgs')!;
const OUT_MSGS = ICMP_SLOT.get('OutMsgs')!;
