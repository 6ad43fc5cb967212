// The kernel's SNMP counters the simulator keeps per device (what nstat reads from /proc/net/snmp): the Icmp and
// IcmpMsg lines, moved by the simulated traffic (an ICMP message counts out when it is built after its route lookup,
// __ip_make_skb, before filter OUTPUT; in when it is delivered locally, icmp_rcv, after filter INPUT), and the Ip
// line's ForwDatagrams (ip_forward_finish: after filter FORWARD accepted a routed packet). One-line hooks in engine.ts.
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

export interface IcmpCounters {
  /** Ip line: ForwDatagrams. */
  forwarded: number;
  /** Icmp line columns by name (absent: 0). */
  readonly icmp: Map<string, number>;
  /** IcmpMsg: per direction and type; the kernel lists only the types seen. */
  readonly msgIn: Map<number, number>;
  readonly msgOut: Map<number, number>;
}

const counters = new WeakMap<DeviceState, IcmpCounters>();

export function icmpCounters(s: DeviceState): IcmpCounters {
  let c = counters.get(s);
  if (!c) counters.set(s, (c = { forwarded: 0, icmp: new Map(), msgIn: new Map(), msgOut: new Map() }));
  return c;
}

const add = <K>(m: Map<K, number>, k: K): void => {
  m.set(k, (m.get(k) ?? 0) + 1);
};

/** An ICMP message P at S: `out` when built after its route lookup, `in` when delivered to S's own stack. */
export function countIcmp(s: DeviceState, p: Packet, dir: 'in' | 'out'): void {
  if (p.icmp === undefined) return;
  const c = icmpCounters(s);
  const type = p.icmp.type;
  add(c.icmp, dir === 'in' ? 'InMsgs' : 'OutMsgs');
  const name = (dir === 'in' ? IN_NAMES : OUT_NAMES)[type];
  if (name !== undefined) add(c.icmp, name);
  add(dir === 'in' ? c.msgIn : c.msgOut, type);
}

/** TYPE_NAMES' columns as arrays by type (no property lookup by number and no tuple per counted message). */
const IN_NAMES: (string | undefined)[] = [];
const OUT_NAMES: (string | undefined)[] = [];
for (const [type, [inName, outName]] of Object.entries(TYPE_NAMES)) { IN_NAMES[Number(type)] = inName; OUT_NAMES[Number(type)] = outName; }

/** A routed packet S's filter FORWARD accepted (IpForwDatagrams). */
export function countForwarded(s: DeviceState): void {
  icmpCounters(s).forwarded++;
}
