// `iptables -L [-n] [-v] [-x] [--line-numbers]` and `iptables -S` text, as iptables v1.8.9 (nf_tables) prints it:
// builtin chains first, user chains sorted by name, xtables' column widths, and each match's own words.
import { formatIp, type Cidr } from '../../topology/address.js';
import { BUILTIN_CHAINS, multiportList, ruleText, type Chain, type Rule, type TableName, type Tables } from '../netfilter.js';
import { serviceName } from './services.js';
import { icmpTypeListText } from '../icmp-types.js';
import type { ReverseResolution } from '../resolve.js';

export interface ListFormat {
  readonly numeric: boolean;
  readonly verbose: boolean;
  readonly exact: boolean;
  readonly lineNumbers: boolean;
  /** Reverse name resolution for /32 addresses (the lab's /etc/hosts). */
  readonly reverse: (ip: number) => Pick<ReverseResolution, 'name' | 'again'> | undefined;
  /** The counters of a chain's rules, in rule order. */
  readonly counters: CounterSource;
}

export interface Counter {
  readonly packets: number;
  readonly bytes: number;
}

export type CounterSource = (c: Chain) => readonly Counter[];

/**
 * xtables_print_num(): exact (-x) numbers as they are, else up to 99999 as they are and larger ones rounded to K, M,
 * G, T. In a table the column is 8 (-x) or 5 wide (4 and the unit), outside one (the policy line) not padded.
 */
export function numberText(n: number, exact: boolean, table: boolean): string {
  if (exact) return `${table ? String(n).padStart(8) : n} `;
  if (n <= 99999) return `${table ? String(n).padStart(5) : n} `;
  let v = n;
  for (const unit of ['K', 'M', 'G']) {
    v = Math.floor((v + 500) / 1000);
    if (v <= 9999) return `${table ? String(v).padStart(4) : v}${unit} `;
  }
  v = Math.floor((v + 500) / 1000);
  return `${table ? String(v).padStart(4) : v}T `;
}

/** Chains in listing order: builtins as the kernel registers them, then user chains by name. */
export function orderedChains(tables: Tables, table: TableName): Chain[] {
  const chains = tables[table];
  const builtins = BUILTIN_CHAINS[table].map((n) => chains.get(n)!).filter(Boolean);
  const user = [...chains.values()].filter((c) => c.policy === undefined).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return [...builtins, ...user];
}

export function references(tables: Tables, table: TableName, chain: string): number {
  let n = 0;
  for (const c of tables[table].values()) for (const r of c.rules) if (r.target === chain) n++;
  return n;
}

/** `iptables -S [CHAIN]`; with `counters` (-v), each policy and rule with `-c PACKETS BYTES` as iptables-nft prints them. */
export function saveText(tables: Tables, table: TableName, only?: string, counters?: CounterSource): string {
  const chains = orderedChains(tables, table).filter((c) => only === undefined || c.name === only);
  const out: string[] = [];
  const policyCounts = (c: Chain) => (counters ? ` -c ${c.policyPackets ?? 0} ${c.policyBytes ?? 0}` : '');
  for (const c of chains) out.push(c.policy !== undefined ? `-P ${c.name} ${c.policy}${policyCounts(c)}` : `-N ${c.name}`);
  for (const c of chains) {
    const counts = counters?.(c);
    c.rules.forEach((r, i) => {
      const text = ruleText(r, counts ? `-c ${counts[i]!.packets} ${counts[i]!.bytes}` : undefined);
      out.push(`-A ${c.name}${text ? ` ${text}` : ''}`);
    });
  }
  return out.map((l) => `${l}\n`).join('');
}

const PROTO_NUMBERS = { tcp: 6, udp: 17, icmp: 1, sctp: 132 } as const;

/** /etc/networks of Debian's netbase (nodes and the namespace lab's host alike): getnetbyaddr's names. */
const NETWORK_NAMES: ReadonlyMap<number, string> = new Map([[0, 'default'], [0x7f000000, 'loopback'], [0xa9fe0000, 'link-local']]);

function addressText(n: Rule['src'], f: ListFormat): string {
  const inv = n?.not ? '!' : ' ';
  const c: Cidr | undefined = n?.value;
  let text: string;
  // xtables_ipaddr_to_anyname: getnameinfo() without NI_NAMEREQD (the name, or the number when there is none), and
  // only when that fails (EAI_AGAIN: no server answered) the network name (getnetbyaddr); then the mask unless /32.
  if (!c || c.len === 0) text = f.numeric ? '0.0.0.0/0' : 'anywhere';
  else {
    const r = f.numeric ? undefined : f.reverse(c.addr);
    const name = r?.name ?? (r?.again ? NETWORK_NAMES.get(c.addr) : undefined);
    text = `${name ?? formatIp(c.addr)}${c.len === 32 ? '' : `/${c.len}`}`;
  }
  return `${inv}${text.padEnd(19)} `;
}

function portText(label: string, r: readonly [number, number] | undefined, not: boolean, proto: 'tcp' | 'udp', f: ListFormat): string {
  if (!r) return '';
  const name = (p: number) => (f.numeric ? String(p) : serviceName(proto, p));
  const value = r[0] === r[1] ? name(r[0]) : `${name(r[0])}:${name(r[1])}`;
  return ` ${label}${r[0] === r[1] ? '' : 's'}:${not ? '!' : ''}${value}`;
}

/** The match and target words after the address columns (each with its leading space). */
function extras(r: Rule, f: ListFormat): string {
  let out = '';
  let setIndex = 0;
  for (const m of r.modules) {
    if (m === 'comment' && r.comment !== undefined) out += ` /* ${r.comment} */`;
    else if (m === 'tcp' || m === 'udp') {
      out += ` ${m}${portText('spt', r.sport?.value, r.sport?.not ?? false, m, f)}${portText('dpt', r.dport?.value, r.dport?.not ?? false, m, f)}`;
    } else if ((m === 'conntrack' || m === 'state') && r.ctstate) {
      out += ` ${r.ctstate.not ? '! ' : ''}${m === 'state' ? 'state' : 'ctstate'} ${r.ctstate.value.join(',')}`;
    } else if (m === 'multiport' && r.multiport) {
      out += ` multiport ${r.multiport.value.which} ${r.multiport.not ? ' !' : ''}${multiportList(r.multiport.value.ranges)}`;
    } else if (m === 'icmp' && r.icmpType) {
      out += ` ${r.icmpType.not ? '!' : ''}${icmpTypeListText(r.icmpType.value)}`;
    } else if (m === 'mark' && r.mark) {
      out += ` mark match ${r.mark.not ? '! ' : ''}0x${r.mark.value.toString(16)}${r.mark.mask === 0xffffffff ? '' : `/0x${r.mark.mask.toString(16)}`}`;
    } else if (m === 'addrtype' && r.addrtype) {
      out += ' ADDRTYPE match';
      for (const a of r.addrtype) out += ` ${a.which}-type ${a.not ? '!' : ''}${a.type}`;
    } else if (m === 'statistic' && r.probability !== undefined) out += ` statistic mode random probability ${r.probability.toFixed(11)}`;
    else if (m === 'set' && r.sets) {
      const set = r.sets[setIndex++];
      if (set) out += ` ${set.not ? '! ' : ''}match-set ${set.name} ${set.dirs.join(',')}`;
    } else if (m === 'physdev' && r.physdevIsBridged) out += ' PHYSDEV match --physdev-is-bridged';
    else if (m === 'limit' && r.limit) out += ` limit: avg ${r.limit.rate} burst ${r.limit.burst}`;
  }
  if (r.nflogGroup !== undefined) out += ` nflog-group ${r.nflogGroup}`;
  if (r.target === 'REJECT' && r.rejectWith) out += ` reject-with ${r.rejectWith}`;
  if (r.setMark) out += markTargetText(r.setMark);
  if (r.toDestination) out += ` to:${formatIp(r.toDestination.ip)}${r.toDestination.port !== undefined ? `:${r.toDestination.port}` : ''}`;
  if (r.toSource !== undefined) out += ` to:${formatIp(r.toSource)}`;
  if (r.randomFully) out += ' random-fully';
  if (r.target === 'LOG') out += f.numeric ? ' LOG flags 0 level 4' : ' LOG level warn';
  return out;
}

/** libxt_MARK's mark_tg_print(): the xset operation named by what it does. */
function markTargetText(m: NonNullable<Rule['setMark']>): string {
  const hex = (n: number) => `0x${(n >>> 0).toString(16)}`;
  if (m.value === 0) return ` MARK and ${hex(~m.mask)}`;
  if (m.value === m.mask) return ` MARK or ${hex(m.value)}`;
  if (m.mask === 0) return ` MARK xor ${hex(m.value)}`;
  if (m.mask === 0xffffffff) return ` MARK set ${hex(m.value)}`;
  return ` MARK xset ${hex(m.value)}/${hex(m.mask)}`;
}

function ruleRow(r: Rule, n: number, f: ListFormat, count: Counter): string {
  let line = f.lineNumbers ? `${String(n).padEnd(4)} ` : '';
  if (f.verbose) line += numberText(count.packets, f.exact, true) + numberText(count.bytes, f.exact, true);
  line += `${r.target.padEnd(9)} `;
  const p = r.protocol;
  const protoName = p ? (f.numeric ? String(PROTO_NUMBERS[p.value]) : p.value) : f.numeric ? '0' : 'all';
  line += `${p?.not ? '!' : ' '}${protoName.padEnd(5)}-- `;
  if (f.verbose) {
    const any = f.numeric ? '*' : 'any';
    const iface = (x: Rule['in']) => `${x?.not ? '!' : ''}${x?.value || any}`;
    line += ` ${iface(r.in).padEnd(6)} ${iface(r.out).padEnd(6)} `;
  }
  return `${line}${addressText(r.src, f)}${addressText(r.dst, f)}${extras(r, f)}`;
}

/** print_header(): the same widths as the rows, the words in place of the values. */
function header(f: ListFormat): string {
  let h = f.lineNumbers ? 'num  ' : '';
  if (f.verbose) h += f.exact ? `${'pkts'.padStart(8)} ${'bytes'.padStart(10)} ` : ' pkts bytes ';
  h += `${'target'.padEnd(9)}  prot opt`;
  if (f.verbose) h += ` ${'in'.padEnd(6)} ${'out'.padEnd(6)} `;
  return `${h} ${'source'.padEnd(19)}  ${'destination'.padEnd(19)} `;
}

/** `iptables -L [CHAIN]` for one table. */
export function listText(tables: Tables, table: TableName, f: ListFormat, only?: string): string {
  const blocks: string[] = [];
  for (const c of orderedChains(tables, table)) {
    if (only !== undefined && c.name !== only) continue;
    const policyCounts = () => ` ${numberText(c.policyPackets ?? 0, f.exact, false)}packets, ${numberText(c.policyBytes ?? 0, f.exact, false)}bytes`;
    const title =
      c.policy !== undefined
        ? `Chain ${c.name} (policy ${c.policy}${f.verbose ? policyCounts() : ''})`
        : `Chain ${c.name} (${references(tables, table, c.name)} references)`;
    const counts = f.counters(c);
    blocks.push([title, header(f), ...c.rules.map((r, i) => ruleRow(r, i + 1, f, counts[i]!))].map((l) => `${l}\n`).join(''));
  }
  return blocks.join('\n');
}
