// A place's /proc/net/snmp and /proc/net/netstat as the kernel lays them out (a line of names, then a line of values,
// per MIB), filled from the simulator's counters (ip-mib.ts, snmp.ts); the counters it does not model (Tcp, TcpExt,
// MPTcpExt, UdpLite, fragments) read 0. `netstat -s` and `nstat` read these texts, as the real tools read the files.
import type { DeviceState } from './dataplane.js';
import { Mib, ipMib } from './ip-mib.js';
import { NETSTAT_COLUMNS, SNMP_COLUMNS } from './proc-net-columns.js';
import { icmpCounters } from './snmp.js';

/** The Tcp line's constants (tcp_snmp: RtoAlgorithm 1, RtoMin/RtoMax in ms, MaxConn -1). */
const TCP_CONSTANTS: Readonly<Record<string, number>> = { RtoAlgorithm: 1, RtoMin: 200, RtoMax: 120000, MaxConn: -1 };
/** The kernel splits the IcmpMsg line every 16 types (icmpmsg_put's PERLINE). */
const ICMPMSG_PER_LINE = 16;

type Values = (name: string) => number;

function mibLines(title: string, names: readonly string[], value: Values): string {
  return `${title}: ${names.join(' ')}\n${title}: ${names.map(value).join(' ')}\n`;
}

function ipValues(s: DeviceState): Values {
  const m = ipMib(s);
  const v: Record<string, number> = {
    Forwarding: s.sysctl('net.ipv4.ip_forward') === '1' ? 1 : 2,
    DefaultTTL: Number(s.sysctl('net.ipv4.ip_default_ttl', '64')),
    InReceives: m[Mib.InReceives]!, InHdrErrors: m[Mib.InHdrErrors]!, InAddrErrors: m[Mib.InAddrErrors]!, ForwDatagrams: m[Mib.ForwDatagrams]!,
    InDelivers: m[Mib.InDelivers]!, OutRequests: m[Mib.OutRequests]!, OutDiscards: m[Mib.OutDiscards]!, OutNoRoutes: m[Mib.OutNoRoutes]!,
    FragFails: m[Mib.FragFails]!, OutTransmits: m[Mib.OutTransmits]!,
  };
  return (name) => v[name] ?? 0;
}

function udpValues(s: DeviceState): Values {
  const m = ipMib(s);
  const v: Record<string, number> = { InDatagrams: m[Mib.UdpInDatagrams]!, NoPorts: m[Mib.UdpNoPorts]!, OutDatagrams: m[Mib.UdpOutDatagrams]! };
  return (name) => v[name] ?? 0;
}

function ipExtValues(s: DeviceState): Values {
  const m = ipMib(s);
  const v: Record<string, number> = {
    InNoRoutes: m[Mib.InNoRoutes]!, OutMcastPkts: m[Mib.OutMcastPkts]!, InOctets: m[Mib.InOctets]!, OutOctets: m[Mib.OutOctets]!,
    OutMcastOctets: m[Mib.OutMcastOctets]!, InNoECTPkts: m[Mib.InReceives]!,
  };
  return (name) => v[name] ?? 0;
}

/** The IcmpMsg lines: the types seen, inbound first (`InType3`), by type number; none when nothing was seen. */
function icmpMsgLines(s: DeviceState): string {
  const c = icmpCounters(s);
  const seen: [string, number][] = [];
  for (const dir of ['In', 'Out'] as const) {
    for (const [type, n] of c.messages(dir === 'In' ? 'in' : 'out')) seen.push([`${dir}Type${type}`, n]);
  }
  let out = '';
  for (let k = 0; k < seen.length; k += ICMPMSG_PER_LINE) {
    const chunk = seen.slice(k, k + ICMPMSG_PER_LINE);
    out += `IcmpMsg: ${chunk.map(([n]) => n).join(' ')}\nIcmpMsg: ${chunk.map(([, v]) => v).join(' ')}\n`;
  }
  return out;
}

/** /proc/net/snmp of the place. */
export function procNetSnmp(s: DeviceState): string {
  const icmp = icmpCounters(s);
  return mibLines('Ip', SNMP_COLUMNS.Ip, ipValues(s))
    + mibLines('Icmp', SNMP_COLUMNS.Icmp, (n) => icmp.icmpColumn(n))
    + icmpMsgLines(s)
    + mibLines('Tcp', SNMP_COLUMNS.Tcp, (n) => TCP_CONSTANTS[n] ?? 0)
    + mibLines('Udp', SNMP_COLUMNS.Udp, udpValues(s))
    + mibLines('UdpLite', SNMP_COLUMNS.UdpLite, () => 0);
}

/** /proc/net/netstat of the place (TcpExt and MPTcpExt are all 0: TCP is not counted). */
export function procNetNetstat(s: DeviceState): string {
  return mibLines('TcpExt', NETSTAT_COLUMNS.TcpExt, () => 0)
    + mibLines('IpExt', NETSTAT_COLUMNS.IpExt, ipExtValues(s))
    + mibLines('MPTcpExt', NETSTAT_COLUMNS.MPTcpExt, () => 0);
}

/** A /proc/net/snmp or /proc/net/netstat text as its MIB lines: the title (`Ip`), the names, the values as written. */
export function mibRows(text: string): { title: string; names: string[]; values: string[] }[] {
  const rows = text.split('\n').filter((l) => l !== '');
  const out: { title: string; names: string[]; values: string[] }[] = [];
  for (let k = 0; k + 1 < rows.length; k += 2) {
    const [title, ...names] = rows[k]!.split(' ');
    out.push({ title: title!.slice(0, -1), names, values: rows[k + 1]!.split(' ').slice(1) });
  }
  return out;
}

/** Every counter of both files as nstat names them (`IpInReceives`, `IcmpMsgOutType3`, `IpExtInOctets`), in file order. */
export function kernelCounters(s: DeviceState): [string, number][] {
  const out: [string, number][] = [];
  for (const text of [procNetSnmp(s), procNetNetstat(s)]) {
    for (const row of mibRows(text)) row.names.forEach((n, i) => out.push([`${row.title}${n}`, Number(row.values[i])]));
  }
  return out;
}
