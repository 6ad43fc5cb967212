// The netfilter subset: iptables rule parsing (iptables-save lines and `iptables` arguments), tables of chains and
// canonical `iptables -S` text (chain evaluation for a packet is in netfilter-eval.ts).
import { formatCidr, parseCidr, parseIp, type Cidr } from '../topology/address.js';
import { splitWords } from './words.js';
import { icmpTypeSaveText, parseIcmpType, type IcmpType } from './icmp-types.js';
import { appendRule, ChainMap, netfilterEdits, newChain, setPolicy } from './chain-map.js';

export { appendRule, ChainMap, flushRules, HOOK_FORWARD, HOOK_INPUT, HOOK_NAMES, HOOK_OUTPUT, HOOK_POSTROUTING, HOOK_PREROUTING, netfilterEdits, newChain, setPolicy, spliceRules, type Hook, type HookSlot } from './chain-map.js';

export type TableName = 'filter' | 'nat';
export const BUILTIN_CHAINS: Readonly<Record<TableName, readonly string[]>> = {
  filter: ['INPUT', 'FORWARD', 'OUTPUT'],
  nat: ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'],
};

export const REJECT_TYPES: Readonly<Record<string, { type: number; code: number } | 'tcp-reset'>> = {
  'icmp-net-unreachable': { type: 3, code: 0 },
  'icmp-host-unreachable': { type: 3, code: 1 },
  'icmp-proto-unreachable': { type: 3, code: 2 },
  'icmp-port-unreachable': { type: 3, code: 3 },
  'icmp-net-prohibited': { type: 3, code: 9 },
  'icmp-host-prohibited': { type: 3, code: 10 },
  'icmp-admin-prohibited': { type: 3, code: 13 },
  'tcp-reset': 'tcp-reset',
};
const REJECT_ALIASES: Readonly<Record<string, string>> = {
  'net-unreach': 'icmp-net-unreachable', 'host-unreach': 'icmp-host-unreachable', 'proto-unreach': 'icmp-proto-unreachable',
  'port-unreach': 'icmp-port-unreachable', 'net-prohib': 'icmp-net-prohibited', 'host-prohib': 'icmp-host-prohibited',
  'admin-prohib': 'icmp-admin-prohibited',
};

export interface AddrType {
  readonly which: 'src' | 'dst';
  readonly type: string;
  readonly not: boolean;
}

interface Negatable<T> {
  readonly value: T;
  readonly not: boolean;
}

export interface Rule {
  readonly src?: Negatable<Cidr>;
  readonly dst?: Negatable<Cidr>;
  readonly protocol?: Negatable<'tcp' | 'udp' | 'icmp' | 'sctp'>;
  readonly in?: Negatable<string>;
  readonly out?: Negatable<string>;
  readonly dport?: Negatable<readonly [number, number]>;
  readonly sport?: Negatable<readonly [number, number]>;
  readonly ctstate?: Negatable<readonly string[]>;
  readonly icmpType?: Negatable<IcmpType>;
  /** -m multiport --dports/--sports/--ports P[,P|A:B...]. */
  readonly multiport?: Negatable<{ readonly which: 'dports' | 'sports' | 'ports'; readonly ranges: readonly (readonly [number, number])[] }>;
  /** `-m statistic --mode random --probability P`, as the kernel keeps it: lround(P * 2^31) / 2^31 (libxt_statistic). */
  readonly probability?: number;
  readonly mark?: { readonly value: number; readonly mask: number; readonly not: boolean };
  /** `-m addrtype [!] --src-type T` / `[!] --dst-type T` (only LOCAL is evaluated). */
  readonly addrtype?: readonly AddrType[];
  /** `-m set [!] --match-set NAME src|dst[,...]` (ipsets: sim/ipset.ts). */
  readonly sets?: readonly { readonly name: string; readonly dirs: readonly ('src' | 'dst')[]; readonly not: boolean }[];
  /** `-m physdev --physdev-is-bridged`. */
  readonly physdevIsBridged?: boolean;
  /** `-m limit --limit RATE [--limit-burst N]` (matches: only NFLOG/LOG rules carry it here, and they decide nothing). */
  readonly limit?: { readonly rate: string; readonly burst: number };
  /** `-j NFLOG --nflog-group N`. */
  readonly nflogGroup?: number;
  /** `-j MARK`: the kernel's one operation, mark = (mark & ~mask) ^ value (iptables-save prints --set-xmark). */
  readonly setMark?: { readonly value: number; readonly mask: number };
  readonly comment?: string;
  readonly target: string;
  readonly rejectWith?: string;
  readonly toDestination?: { readonly ip: number; readonly port?: number };
  readonly toSource?: number;
  readonly randomFully?: boolean;
  /** The match modules in the order given (for canonical printing). */
  readonly modules: readonly string[];
}

export interface Chain {
  readonly name: string;
  /** Builtin chains have a policy; user chains have none. Written only by setPolicy (sim/chain-map.ts). */
  readonly policy?: 'ACCEPT' | 'DROP';
  /** Written only by appendRule, spliceRules and flushRules (sim/chain-map.ts: they count the edit). */
  readonly rules: readonly Rule[];
  /** Builtin chains: packets and bytes their policy decided (the chain counters `iptables -L -v` prints). */
  policyPackets?: number;
  policyBytes?: number;
}

export type Tables = Record<TableName, Map<string, Chain>>;

export type ParseResult<T> = { ok: true; value: T } | { ok: false; error: string };

export function emptyTables(): Tables {
  // The policy counters are there from the start: every builtin chain keeps one shape as its policy decides packets.
  const make = (t: TableName) => new ChainMap(BUILTIN_CHAINS[t].map((n) => [n, newChain(n, 'ACCEPT', [], 0, 0)]));
  return { filter: make('filter'), nat: make('nat') };
}

/** A copy of tables with chains of their own that share the (never changed) rules. */
export function copyTables(t: Tables): Tables {
  const copy = (m: Map<string, Chain>) => new ChainMap([...m].map(([name, c]) => [name, newChain(c.name, c.policy, [...c.rules], c.policyPackets, c.policyBytes)]));
  return { filter: copy(t.filter), nat: copy(t.nat) };
}

function portRange(text: string): readonly [number, number] | undefined {
  const m = /^(\d+)(?::(\d+))?$/.exec(text);
  if (!m) return undefined;
  const lo = Number(m[1]);
  const hi = m[2] === undefined ? lo : Number(m[2]);
  return lo >= 0 && hi <= 65535 && lo <= hi ? [lo, hi] : undefined;
}

/** Parses the rule part of `iptables -A CHAIN <rule words>` (everything after the chain name). */
export function parseRule(words: readonly string[]): ParseResult<Rule> {
  const rule: { -readonly [K in keyof Rule]?: Rule[K] } = { modules: [] };
  const modules: string[] = [];
  let not = false;
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    const arg = () => words[++i];
    if (w === '!') { not = true; continue; }
    const neg = not;
    not = false;
    switch (w) {
      case '-s': case '--source': case '-d': case '--destination': {
        const v = arg();
        const c = v === undefined ? undefined : parseCidr(v, false);
        if (!c) return { ok: false, error: `host/network \`${v ?? ''}' not found` };
        if (w === '-s' || w === '--source') rule.src = { value: c, not: neg };
        else rule.dst = { value: c, not: neg };
        break;
      }
      case '-p': case '--protocol': {
        const v = arg();
        // iptables lowercases the protocol name (`-p TCP` is `-p tcp`).
        const name = v?.toLowerCase();
        if (name !== 'tcp' && name !== 'udp' && name !== 'icmp' && name !== 'sctp') return { ok: false, error: `unknown protocol "${v ?? ''}" specified` };
        rule.protocol = { value: name, not: neg };
        break;
      }
      case '-i': case '--in-interface': rule.in = { value: arg() ?? '', not: neg }; break;
      case '-o': case '--out-interface': rule.out = { value: arg() ?? '', not: neg }; break;
      case '-m': case '--match': {
        const m = arg();
        if (!m || !['comment', 'tcp', 'udp', 'conntrack', 'state', 'statistic', 'mark', 'icmp', 'multiport', 'addrtype', 'set', 'physdev', 'limit'].includes(m)) {
          return { ok: false, error: `Couldn't load match \`${m ?? ''}':No such file or directory` };
        }
        modules.push(m);
        break;
      }
      case '--dport': case '--destination-port': case '--sport': case '--source-port': {
        const r = portRange(arg() ?? '');
        if (!r) return { ok: false, error: `invalid port/service \`${words[i] ?? ''}' specified` };
        if (!rule.protocol || rule.protocol.value === 'icmp' || rule.protocol.value === 'sctp') return { ok: false, error: `unknown option "${w}"` };
        const p = rule.protocol.value;
        if (!modules.includes(p)) modules.push(p);
        if (w.startsWith('--d')) rule.dport = { value: r, not: neg };
        else rule.sport = { value: r, not: neg };
        break;
      }
      case '--dports': case '--destination-ports': case '--sports': case '--source-ports': case '--ports': {
        const v = arg() ?? '';
        const ranges = v.split(',').map(portRange);
        if (ranges.some((r) => r === undefined)) return { ok: false, error: `invalid port/service \`${v}' specified` };
        const which = w === '--ports' ? 'ports' : w.startsWith('--d') ? 'dports' : 'sports';
        rule.multiport = { value: { which, ranges: ranges as (readonly [number, number])[] }, not: neg };
        break;
      }
      case '--comment': rule.comment = arg() ?? ''; break;
      case '--ctstate': case '--state': {
        // Kept in the order the kernel's match prints them (INVALID,NEW,RELATED,ESTABLISHED,UNTRACKED,SNAT,DNAT).
        const order = ['INVALID', 'NEW', 'RELATED', 'ESTABLISHED', 'UNTRACKED', 'SNAT', 'DNAT'];
        const states = [...new Set((arg() ?? '').split(','))].sort((a, b) => order.indexOf(a) - order.indexOf(b));
        rule.ctstate = { value: states, not: neg };
        break;
      }
      case '--mode': if (arg() !== 'random') return { ok: false, error: 'statistic: only --mode random is supported' }; break;
      case '--probability': rule.probability = Math.round(Number(arg()) * 0x80000000) / 0x80000000; break;
      case '--mark': {
        const [v, m] = (arg() ?? '').split('/');
        rule.mark = { value: Number(v) >>> 0, mask: m === undefined ? 0xffffffff : Number(m) >>> 0, not: neg };
        break;
      }
      case '--src-type': case '--dst-type': {
        const types = rule.addrtype ?? [];
        rule.addrtype = [...types, { which: w === '--src-type' ? 'src' : 'dst', type: arg() ?? '', not: neg }];
        break;
      }
      case '--set-xmark': case '--set-mark': case '--or-mark': case '--xor-mark': case '--and-mark': {
        const mark = markTarget(w, arg() ?? '');
        if (!mark) return { ok: false, error: `MARK: bad value for option "${w}"` };
        rule.setMark = mark;
        break;
      }
      case '--icmp-type': {
        if (rule.protocol?.value !== 'icmp' || rule.protocol.not) return { ok: false, error: `unknown option "${w}"` };
        const v = arg() ?? '';
        const t = parseIcmpType(v);
        if ('error' in t) return { ok: false, error: t.error };
        if (!modules.includes('icmp')) modules.push('icmp');
        rule.icmpType = { value: t, not: neg };
        break;
      }
      case '-j': case '--jump': rule.target = arg() ?? ''; break;
      case '--reject-with': {
        const v = arg() ?? '';
        const name = REJECT_ALIASES[v] ?? v;
        if (!(name in REJECT_TYPES)) return { ok: false, error: `REJECT: unknown reject type "${v}"` };
        rule.rejectWith = name;
        break;
      }
      case '--to-destination': {
        const [ipText, portText] = (arg() ?? '').split(':');
        const ip = parseIp(ipText ?? '');
        if (ip === undefined) return { ok: false, error: `Bad IP address "${ipText ?? ''}"` };
        rule.toDestination = { ip, port: portText === undefined ? undefined : Number(portText) };
        break;
      }
      case '--to-source': {
        const ip = parseIp((arg() ?? '').split(':')[0]!);
        if (ip === undefined) return { ok: false, error: 'Bad IP address' };
        rule.toSource = ip;
        break;
      }
      case '--random-fully': rule.randomFully = true; break;
      case '--match-set': {
        const name = arg() ?? '';
        const dirs = (arg() ?? '').split(',');
        if (!dirs.every((d) => d === 'src' || d === 'dst')) return { ok: false, error: `You must specify (the comma separated list of) 'src' or 'dst'.` };
        rule.sets = [...(rule.sets ?? []), { name, dirs: dirs as ('src' | 'dst')[], not: neg }];
        break;
      }
      case '--physdev-is-bridged': rule.physdevIsBridged = true; break;
      case '--limit': rule.limit = { rate: limitRate(arg() ?? ''), burst: rule.limit?.burst ?? 5 }; break;
      case '--limit-burst': rule.limit = { rate: rule.limit?.rate ?? '3/hour', burst: Number(arg()) }; break;
      case '--nflog-group': rule.nflogGroup = Number(arg()); break;
      default:
        return { ok: false, error: `unknown option "${w}"` };
    }
  }
  // A rule without -j only counts packets (iptables accepts it); its target is empty.
  if (modules.includes('multiport')) {
    // Checked once the options are read (kernel-checked messages).
    if (!rule.protocol) return { ok: false, error: "multiport needs `-p tcp', `-p udp', `-p udplite', `-p sctp' or `-p dccp'" };
    if (rule.protocol.value === 'icmp') return { ok: false, error: 'multiport only works with TCP, UDP, UDPLITE, SCTP and DCCP' };
  }
  rule.target ??= '';
  if (rule.target === 'REJECT' && !rule.rejectWith) rule.rejectWith = 'icmp-port-unreachable';
  rule.modules = modules;
  return { ok: true, value: rule as Rule };
}

/** libxt_limit's rate as iptables-save prints it: N/sec, N/min, N/hour, N/day. */
function limitRate(text: string): string {
  const [n, unit = 'sec'] = text.split('/');
  const u = unit.startsWith('s') ? 'sec' : unit.startsWith('m') ? 'min' : unit.startsWith('h') ? 'hour' : 'day';
  return `${n}/${u}`;
}

/** libxt_MARK's options as the one xset operation the kernel runs (value, mask). */
function markTarget(option: string, text: string): { value: number; mask: number } | undefined {
  const [v, m] = text.split('/');
  const value = Number(v);
  const mask = m === undefined ? 0xffffffff : Number(m);
  if (!Number.isInteger(value) || !Number.isInteger(mask)) return undefined;
  if (option === '--set-xmark') return { value: value >>> 0, mask: mask >>> 0 };
  if (option === '--set-mark') return { value: value >>> 0, mask: (mask | value) >>> 0 };
  if (option === '--or-mark') return { value: value >>> 0, mask: value >>> 0 };
  if (option === '--xor-mark') return { value: value >>> 0, mask: 0 };
  return { value: 0, mask: ~value >>> 0 };
}

/**
 * Rules already parsed, by their `-A` line: every node carries kube-proxy's and kubelet's rules and most of
 * Flannel's, so thousands of nodes share them (rules never change once parsed; tables only hold them).
 */
const savedRules = new Map<string, { readonly chain: string; readonly rule: Rule }>();

/**
 * Loads iptables-save text into tables. They are new (no hook record, so no memo, was made on them): the edits made
 * while filling them are not counted (netfilterEdits.count is put back), or every node's first touch in a large lab
 * would drop every hook memo of the lab.
 */
export function parseSave(lines: readonly string[]): ParseResult<Tables> {
  const edits = netfilterEdits.count;
  const parsed = parseSaveInto(emptyTables(), lines);
  netfilterEdits.count = edits;
  return parsed;
}

function parseSaveInto(tables: Tables, lines: readonly string[]): ParseResult<Tables> {
  let current: Map<string, Chain> | undefined;
  for (const line of lines) {
    if (line.startsWith('*')) {
      const name = line.slice(1);
      if (name !== 'filter' && name !== 'nat') return { ok: false, error: `unsupported table ${name}` };
      current = tables[name];
    } else if (line.startsWith(':')) {
      const [name, policy] = line.slice(1).split(' ');
      if (!current || !name) return { ok: false, error: `bad chain line: ${line}` };
      const existing = current.get(name);
      if (existing) setPolicy(existing, policy === 'DROP' ? 'DROP' : 'ACCEPT');
      else current.set(name, newChain(name));
    } else if (line.startsWith('-A ')) {
      const saved = savedRules.get(line);
      if (saved !== undefined && current?.has(saved.chain)) {
        appendRule(current.get(saved.chain)!, saved.rule);
        continue;
      }
      const split = splitWords(line);
      if (!split.ok || !current) return { ok: false, error: `bad rule line: ${line}` };
      const chain = current.get(split.words[1]!);
      if (!chain) return { ok: false, error: `no chain ${split.words[1]} for: ${line}` };
      const rule = parseRule(split.words.slice(2));
      if (!rule.ok) return { ok: false, error: `${rule.error} in: ${line}` };
      appendRule(chain, rule.value);
      if (savedRules.size >= 200_000) savedRules.clear();
      savedRules.set(line, { chain: chain.name, rule: rule.value });
    }
  }
  return { ok: true, value: tables };
}

const neg = (n: { not: boolean } | undefined) => (n?.not ? '! ' : '');
const cidrText = (c: Cidr) => formatCidr(c);
const ports = (r: readonly [number, number]) => (r[0] === r[1] ? String(r[0]) : `${r[0]}:${r[1]}`);
/** `80,443,1000:2000`, as -S and -L print a multiport list. */
export const multiportList = (ranges: readonly (readonly [number, number])[]): string => ranges.map(ports).join(',');

/** The rule as `iptables -S` prints it (after "-A CHAIN "); `counters` (`-c P B`, for -S -v) goes before the target. */
export function ruleText(r: Rule, counters?: string): string {
  const parts: string[] = [];
  let setIndex = 0;
  if (r.src) parts.push(`${neg(r.src)}-s ${cidrText(r.src.value)}`);
  if (r.dst) parts.push(`${neg(r.dst)}-d ${cidrText(r.dst.value)}`);
  if (r.in) parts.push(`${neg(r.in)}-i ${r.in.value}`);
  if (r.out) parts.push(`${neg(r.out)}-o ${r.out.value}`);
  if (r.protocol) parts.push(`${neg(r.protocol)}-p ${r.protocol.value}`);
  for (const m of r.modules) {
    parts.push(`-m ${m}`);
    if (m === 'comment' && r.comment !== undefined) parts.push(`--comment ${saveString(r.comment)}`);
    if ((m === 'tcp' || m === 'udp') && r.sport) parts.push(`${neg(r.sport)}--sport ${ports(r.sport.value)}`);
    if ((m === 'tcp' || m === 'udp') && r.dport) parts.push(`${neg(r.dport)}--dport ${ports(r.dport.value)}`);
    if ((m === 'conntrack' || m === 'state') && r.ctstate) parts.push(`${neg(r.ctstate)}--${m === 'state' ? 'state' : 'ctstate'} ${r.ctstate.value.join(',')}`);
    if (m === 'statistic' && r.probability !== undefined) parts.push(`--mode random --probability ${r.probability.toFixed(11)}`);
    if (m === 'multiport' && r.multiport) parts.push(`${neg(r.multiport)}--${r.multiport.value.which} ${multiportList(r.multiport.value.ranges)}`);
    if (m === 'icmp' && r.icmpType) parts.push(`${neg(r.icmpType)}--icmp-type ${icmpTypeSaveText(r.icmpType.value)}`);
    if (m === 'mark' && r.mark) parts.push(`${r.mark.not ? '! ' : ''}--mark ${hex(r.mark.value)}${r.mark.mask === 0xffffffff ? '' : `/${hex(r.mark.mask)}`}`);
    if (m === 'addrtype' && r.addrtype) for (const a of r.addrtype) parts.push(`${a.not ? '! ' : ''}--${a.which}-type ${a.type}`);
    const set = m === 'set' ? r.sets?.[setIndex++] : undefined;
    if (set) parts.push(`${set.not ? '! ' : ''}--match-set ${set.name} ${set.dirs.join(',')}`);
    if (m === 'physdev' && r.physdevIsBridged) parts.push('--physdev-is-bridged');
    if (m === 'limit' && r.limit) parts.push(`--limit ${r.limit.rate}${r.limit.burst === 5 ? '' : ` --limit-burst ${r.limit.burst}`}`);
  }
  if (counters !== undefined) parts.push(counters);
  if (r.target !== '') parts.push(`-j ${r.target}`);
  if (r.target === 'REJECT' && r.rejectWith) parts.push(`--reject-with ${r.rejectWith}`);
  if (r.toDestination) parts.push(`--to-destination ${formatIpPort(r.toDestination.ip, r.toDestination.port)}`);
  if (r.toSource !== undefined) parts.push(`--to-source ${formatIpPort(r.toSource)}`);
  if (r.randomFully) parts.push('--random-fully');
  if (r.setMark) parts.push(`--set-xmark ${hex(r.setMark.value)}/${hex(r.setMark.mask)}`);
  if (r.nflogGroup !== undefined) parts.push(`--nflog-group ${r.nflogGroup}`);
  return parts.join(' ');
}

const hex = (n: number) => `0x${n.toString(16)}`;

/** xtables_save_string(): bare when only [A-Za-z0-9_-], else double-quoted with " \\ ' escaped. */
function saveString(value: string): string {
  return /^[A-Za-z0-9_-]+$/.test(value) ? value : `"${value.replace(/["\\']/g, '\\$&')}"`;
}

function formatIpPort(ip: number, port?: number): string {
  const a = `${ip >>> 24}.${(ip >>> 16) & 255}.${(ip >>> 8) & 255}.${ip & 255}`;
  return port === undefined ? a : `${a}:${port}`;
}
