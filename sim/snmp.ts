// The kernel's SNMP counters the simulator keeps per device (what nstat reads from /proc/net/snmp): the Icmp and
// IcmpMsg lines, moved by the simulated traffic (an ICMP message counts out when it is built after its route lookup,
// __ip_make_skb, before filter OUTPUT; in when it is delivered locally, icmp_rcv, after filter INPUT). One-line hooks
// in engine.ts; the Ip line's ForwDatagrams is with the other Ip counters (ip-mib.ts).
import type { DeviceState } from './dataplane.js';
import type { Packet } from './packet.js';
import { Mib, ipMib, type IpMib } from './ip-mib.js';
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
/**
 * The ICMP counters sit in the device's IP MIB array (ip-mib.ts) after its Ip slots, from ICMP_BASE: the Icmp line's
 * columns by slot (ICMP_COLUMNS' order), then IcmpMsg's in and out counts by type from MSG_IN and MSG_OUT. One array
 * per device: a probe's ICMP counts land next to the Ip counts the same crossing moved (one object, one cache line
 * region, instead of two objects and two stores).
 */
const ICMP_BASE = Mib.Size;
const MSG_IN = ICMP_BASE + ICMP_COLUMNS.length;
const MSG_OUT = MSG_IN + ICMP_TYPES;
/** How many slots the ICMP counters take in the IP MIB array. */
export const ICMP_SLOTS = ICMP_COLUMNS.length + 2 * ICMP_TYPES;

/** A device's ICMP counters as nstat and netstat read them; the counts of types outside IcmpMsg's slots live here. */
export class IcmpCounters {
  /** Counts of other types, by direction and type (`in 42`), so none is ever lost. */
  private otherTypes?: Map<string, number>;

  constructor(private readonly slots: IpMib) {}

  /** The Icmp line's column NAME (0 for a name it does not have). */
  icmpColumn(name: string): number {
    const k = ICMP_SLOT.get(name);
    return k === undefined ? 0 : this.slots[ICMP_BASE + k]!;
  }

  /** IcmpMsg's types seen in one direction, ascending, with their counts; the kernel lists only the types seen. */
  messages(dir: 'in' | 'out'): [number, number][] {
    const from = dir === 'in' ? MSG_IN : MSG_OUT;
    const seen: [number, number][] = [];
    for (let type = 0; type < ICMP_TYPES; type++) if (this.slots[from + type]! > 0) seen.push([type, this.slots[from + type]!]);
    for (const [key, n] of this.otherTypes ?? []) if (key.startsWith(dir)) seen.push([Number(key.slice(dir.length + 1)), n]);
    return seen.sort((x, y) => x[0] - y[0]);
  }

  countOtherType(type: number, dir: 'in' | 'out'): void {
    const key = `${dir} ${type}`;
    const other = (this.otherTypes ??= new Map());
    other.set(key, (other.get(key) ?? 0) + 1);
  }
}

export function icmpCounters(s: DeviceState): IcmpCounters {
  return (s.icmpMib ??= new IcmpCounters(ipMib(s)));
}

/** An ICMP message P at S: `out` when built after its route lookup, `in` when delivered to S's own stack. */
export function countIcmp(s: DeviceState, p: Packet, dir: 'in' | 'out'): void {
  if (p.icmp === undefined) return;
  const type = p.icmp.type;
  const m = ipMib(s);
  const into = dir === 'in';
  m[into ? IN_MSGS : OUT_MSGS]++;
  const slot = (into ? IN_SLOTS : OUT_SLOTS)[type];
  if (slot !== undefined) m[slot]++;
  if (type >= 0 && type < ICMP_TYPES && Number.isInteger(type)) m[(into ? MSG_IN : MSG_OUT) + type]++;
  else icmpCounters(s).countOtherType(type, dir);
}

/** The IP MIB array's slots of TYPE_NAMES' columns, as arrays by type (no lookup by name per counted message). */
const IN_SLOTS: (number | undefined)[] = [];
const OUT_SLOTS: (number | undefined)[] = [];
const slotOf = (name: string): number | undefined => {
  const k = ICMP_SLOT.get(name);
  return k === undefined ? undefined : ICMP_BASE + k;
};
for (const [type, [inName, outName]] of Object.entries(TYPE_NAMES)) { IN_SLOTS[Number(type)] = slotOf(inName); OUT_SLOTS[Number(type)] = slotOf(outName); }
const IN_MSGS = slotOf('InMsgs')!;
const OUT_MSGS = slotOf('OutMsgs')!;
