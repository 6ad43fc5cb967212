// The `iptables` program (v1.8.9, nf_tables): -t, -A/-I/-D/-C/-F/-Z/-L/-S/-P/-N/-X with -n/-v/-x/--line-numbers,
// rules parsed by sim/netfilter.ts, and the tool's own messages and exit codes (1 for kernel refusals, 2 for
// argument errors, 4 for rules nf_tables rejects).
import { appendRule, BUILTIN_CHAINS, flushRules, newChain, parseRule, ruleText, setPolicy, spliceRules, type Rule, type TableName } from '../netfilter.js';
import type { CommandResult } from '../../topology/trace.js';
import type { CommandContext } from './index.js';
import { listText, orderedChains, references, saveText, type CounterSource } from './iptables-list.js';
import { ruleCounters, zeroCounters } from '../netfilter-eval.js';
import { notModelledRefusal } from './not-modelled.js';
import { fail, ok, unsupported } from './output.js';

const PREFIX = 'iptables v1.8.9 (nf_tables): ';
const TRY = "Try `iptables -h' or 'iptables --help' for more information.";

/** An argument error: the message, the hint line, exit 2. */
const usageError = (message: string): CommandResult => fail(`${PREFIX}${message}\n${TRY}`, 2);
const kernelError = (message: string): CommandResult => fail(`iptables: ${message}`, 1);
const noChain = () => kernelError('No chain/target/match by that name.');

type Verb = 'A' | 'I' | 'D' | 'C' | 'F' | 'Z' | 'L' | 'S' | 'P' | 'N' | 'X';
const VERBS: Readonly<Record<string, Verb>> = {
  '-A': 'A', '--append': 'A', '-I': 'I', '--insert': 'I', '-D': 'D', '--delete': 'D', '-C': 'C', '--check': 'C',
  '-F': 'F', '--flush': 'F', '-Z': 'Z', '--zero': 'Z', '-L': 'L', '--list': 'L', '-S': 'S', '--list-rules': 'S',
  '-P': 'P', '--policy': 'P', '-N': 'N', '--new-chain': 'N', '-X': 'X', '--delete-chain': 'X',
};
/** Verbs whose chain is required (the others take an optional one). */
const CHAIN_REQUIRED = new Set<Verb>(['A', 'I', 'D', 'C', 'P', 'N']);
const CLUSTER = /^-[nvxLSFZXAIDPNC]{2,}$/;

/** Rule options that take a value, and those iptables refuses to see twice. */
const WITH_VALUE = new Set(['-s', '--source', '-d', '--destination', '-p', '--protocol', '-i', '--in-interface', '-o', '--out-interface',
  '-j', '--jump', '-m', '--match', '--dport', '--destination-port', '--sport', '--source-port', '--comment', '--ctstate', '--state',
  '--reject-with', '--to-destination', '--to-source', '--mode', '--probability', '--mark', '--icmp-type', '--src-type', '--dst-type',
  '--set-xmark', '--set-mark', '--or-mark', '--xor-mark', '--and-mark']);
const SINGLE: Readonly<Record<string, string>> = {
  '-s': 's', '--source': 's', '-d': 'd', '--destination': 'd', '-p': 'p', '--protocol': 'p', '-i': 'i', '--in-interface': 'i',
  '-o': 'o', '--out-interface': 'o', '-j': 'j', '--jump': 'j',
};
const BUILTIN_TARGETS = new Set(['ACCEPT', 'DROP', 'RETURN', 'REJECT', 'LOG', 'MASQUERADE', 'SNAT', 'DNAT', 'MARK']);
/** Real iptables extensions the simulator does not model: said so, rather than answered with a made-up error. */
const UNMODELLED_MATCHES = new Set(['physdev', 'mac', 'limit', 'iprange', 'set', 'owner', 'length', 'ttl',
  'tos', 'dscp', 'recent', 'connmark', 'string', 'hashlimit', 'pkttype', 'socket', 'u32', 'connlimit', 'rpfilter', 'policy', 'nfacct']);
const UNMODELLED_TARGETS = new Set(['CONNMARK', 'CT', 'NOTRACK', 'TCPMSS', 'NFLOG', 'NFQUEUE', 'TRACE', 'REDIRECT', 'TPROXY',
  'CLASSIFY', 'DSCP', 'TOS', 'TTL', 'AUDIT', 'CHECKSUM', 'SECMARK', 'CONNSECMARK', 'NETMAP', 'TEE', 'ULOG']);

interface Invocation {
  table: TableName;
  verb?: Verb;
  chain?: string;
  index?: number;
  policy?: string;
  numeric: boolean;
  verbose: boolean;
  exact: boolean;
  lineNumbers: boolean;
  rule: string[];
}

function parseInvocation(args: readonly string[]): Invocation | CommandResult {
  const inv: Invocation = { table: 'filter', numeric: false, verbose: false, exact: false, lineNumbers: false, rule: [] };
  const words = args.flatMap((a) => (CLUSTER.test(a) ? [...a.slice(1)].map((c) => `-${c}`) : [a]));
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    const optional = () => (words[i + 1] !== undefined && !words[i + 1]!.startsWith('-') ? words[++i] : undefined);
    const verb = VERBS[w];
    if (verb) {
      if (inv.verb) return usageError(`Cannot use -${verb} with -${inv.verb}`);
      inv.verb = verb;
      inv.chain = optional();
      if (CHAIN_REQUIRED.has(verb) && inv.chain === undefined) return usageError(`option "${w}" requires an argument`);
      if ((verb === 'I' || verb === 'D') && /^\d+$/.test(words[i + 1] ?? '')) inv.index = Number(words[++i]);
      if (verb === 'P') {
        inv.policy = optional();
        if (inv.policy === undefined) return usageError('-P requires a chain and a policy');
      }
    } else if (w === '-t' || w === '--table') {
      const t = words[++i];
      if (t === undefined) return usageError(`option "${w}" requires an argument`);
      if (t !== 'filter' && t !== 'nat') return fail(`${PREFIX}table '${t}' does not exist\nPerhaps iptables or your kernel needs to be upgraded.`, 3);
      inv.table = t;
    } else if (w === '-n' || w === '--numeric') inv.numeric = true;
    else if (w === '-v' || w === '--verbose') inv.verbose = true;
    else if (w === '-x' || w === '--exact') inv.exact = true;
    else if (w === '--line-numbers') inv.lineNumbers = true;
    else if (w === '-w' || w === '--wait') optional();
    else if (w === '-R' || w === '--replace' || w === '-E' || w === '--rename-chain' || w === '-h' || w === '--help' || w === '-g' || w === '--goto') {
      return unsupported(`iptables ${w}`);
    } else if (w === '-V' || w === '--version') return ok('iptables v1.8.9 (nf_tables)\n');
    else {
      inv.rule.push(w);
      if (WITH_VALUE.has(w)) {
        const v = words[++i];
        if (v === undefined) return usageError(`option "${w}" requires an argument`);
        inv.rule.push(v);
      }
    }
  }
  return inv;
}

/** Parses the rule words with the checks iptables makes while reading its options. */
function parseRuleWords(inv: Invocation): Rule | CommandResult {
  const seen = new Set<string>();
  for (let i = 0; i < inv.rule.length; i++) {
    const key = SINGLE[inv.rule[i]!];
    if (key === undefined) continue;
    if (seen.has(key)) return usageError(`multiple -${key} flags not allowed`);
    seen.add(key);
  }
  for (let i = 0; i + 1 < inv.rule.length; i++) {
    const [w, v] = [inv.rule[i]!, inv.rule[i + 1]!];
    if ((w === '-m' || w === '--match') && UNMODELLED_MATCHES.has(v)) return unsupported(`iptables -m ${v}`);
    if ((w === '-j' || w === '--jump') && UNMODELLED_TARGETS.has(v)) return unsupported(`iptables -j ${v}`);
  }
  const parsed = parseRule(inv.rule);
  if (parsed.ok) {
    // An address with mask 0 matches everything: iptables leaves it out of the rule.
    const r = parsed.value;
    const zero = (n: Rule['src']) => n !== undefined && n.value.len === 0 && !n.not;
    return zero(r.src) || zero(r.dst) ? { ...r, src: zero(r.src) ? undefined : r.src, dst: zero(r.dst) ? undefined : r.dst } : r;
  }
  // xtables prints a blank line after a failed extension load.
  if (parsed.error.startsWith("Couldn't load match")) return fail(`${PREFIX}${parsed.error}\n\n${TRY}`, 2);
  return usageError(parsed.error.replace(/^REJECT: /, ''));
}

/** The rule with the checks iptables makes after its options (targets, hook interfaces) and the kernel's. */
function buildRule(inv: Invocation, ctx: CommandContext): Rule | CommandResult {
  const r = parseRuleWords(inv);
  if ('exitCode' in r) return r;
  // do_parse()'s order: the target's own checks, the hook's interfaces, then whether a jump target exists.
  if (r.target === 'DNAT' && !r.toDestination) return fail(`${PREFIX}DNAT: option "--to-destination" must be specified\n\n${TRY}`, 2);
  if (r.target === 'MARK' && !r.setMark) return usageError('MARK: One of the --set-xmark, --{and,or,xor,set}-mark options is required');
  if (r.target === 'SNAT' && r.toSource === undefined) return fail(`${PREFIX}SNAT: option "--to-source" must be specified\n\n${TRY}`, 2);
  const portless = r.protocol?.not || (r.protocol?.value !== 'tcp' && r.protocol?.value !== 'udp');
  if (r.toDestination?.port !== undefined && portless) return usageError('Need TCP, UDP, SCTP or DCCP with port specification');
  // The interface a hook cannot know: no output device before routing, no input device on locally sent packets.
  const chain = inv.chain!;
  if (r.out && (chain === 'INPUT' || chain === 'PREROUTING')) return fail(`${PREFIX}Can't use -o with ${chain}\n\n${TRY}`, 2);
  if (r.in && (chain === 'OUTPUT' || chain === 'POSTROUTING')) return fail(`${PREFIX}Can't use -i with ${chain}\n\n${TRY}`, 2);
  const chains = ctx.state.tables[inv.table];
  if (r.target !== '' && !BUILTIN_TARGETS.has(r.target) && !chains.has(r.target)) return usageError(`Chain '${r.target}' does not exist`);
  return r;
}

/** What the kernel refuses in a rule being added (-D and -C just look for a match). */
function kernelRefuses(inv: Invocation, r: Rule): CommandResult | undefined {
  if (!targetAllowed(inv.table, inv.chain!, r.target)) return ruleFailed(inv);
  if (r.rejectWith === 'tcp-reset' && (r.protocol?.value !== 'tcp' || r.protocol.not)) return ruleFailed(inv);
  // nf_tables cannot express "not anywhere".
  if ((r.src?.not && r.src.value.len === 0) || (r.dst?.not && r.dst.value.len === 0)) return ruleFailed(inv);
  return undefined;
}

/** Where the kernel accepts each NAT/REJECT target (user chains take what their table takes). */
function targetAllowed(table: TableName, chain: string, target: string): boolean {
  const builtin = BUILTIN_CHAINS[table].includes(chain);
  if (target === 'REJECT') return table === 'filter';
  if (target === 'DNAT') return table === 'nat' && (!builtin || chain === 'PREROUTING' || chain === 'OUTPUT');
  if (target === 'MASQUERADE') return table === 'nat' && (!builtin || chain === 'POSTROUTING');
  if (target === 'SNAT') return table === 'nat' && (!builtin || chain === 'POSTROUTING' || chain === 'INPUT');
  return true;
}

function ruleFailed(inv: Invocation): CommandResult {
  const op = inv.verb === 'I' ? 'RULE_INSERT' : inv.verb === 'D' ? 'RULE_DELETE' : 'RULE_APPEND';
  return fail(`${PREFIX} ${op} failed (Invalid argument): rule in chain ${inv.chain}`, 4);
}

function incompatible(inv: Invocation, chain: string): CommandResult {
  return fail(`${PREFIX}chain \`${chain}' in table \`${inv.table}' is incompatible, use 'nft' tool.`, 1);
}

/** Where `iptables -L -v` and `-S -v` read the rules' counters: the evaluator's compiled rules of this device. */
function countersOf(ctx: CommandContext): CounterSource {
  return (c) => ruleCounters(ctx.state.ruleCache, c);
}

export function iptables(args: readonly string[], ctx: CommandContext): CommandResult {
  const refused = notModelledRefusal(['iptables', ...args]);
  if (refused) return refused;
  const inv = parseInvocation(args);
  if ('exitCode' in inv) return inv;
  if (!inv.verb) return usageError('no command specified');
  const tables = ctx.state.tables;
  const chains = tables[inv.table];
  const chain = inv.chain !== undefined ? chains.get(inv.chain) : undefined;
  switch (inv.verb) {
    case 'L': {
      if (inv.chain !== undefined && !chain) return incompatible(inv, inv.chain);
      const tool = ctx.sim.toolContext(ctx.device);
      const reverse = (ip: number) => tool.reverseLookup(ip);
      return ok(listText(tables, inv.table, { numeric: inv.numeric, verbose: inv.verbose, exact: inv.exact, lineNumbers: inv.lineNumbers, reverse, counters: countersOf(ctx) }, inv.chain));
    }
    case 'S':
      if (inv.chain !== undefined && !chain) return incompatible(inv, inv.chain);
      return ok(saveText(tables, inv.table, inv.chain, inv.verbose ? countersOf(ctx) : undefined));
    case 'F':
      if (inv.chain !== undefined && !chain) return noChain();
      for (const c of chains.values()) if (inv.chain === undefined || c === chain) flushRules(c);
      return ok();
    case 'Z':
      if (inv.chain !== undefined && !chain) return noChain();
      for (const c of chains.values()) if (inv.chain === undefined || c === chain) zeroCounters(ctx.state.ruleCache, c);
      return ok();
    case 'P': {
      if (!chain || chain.policy === undefined) return kernelError('Bad built-in chain name.');
      if (inv.policy !== 'ACCEPT' && inv.policy !== 'DROP') return kernelError("Bad policy name. Run `dmesg' for more information.");
      setPolicy(chain, inv.policy);
      return ok();
    }
    case 'N':
      if (chains.has(inv.chain!)) return kernelError('Chain already exists.');
      chains.set(inv.chain!, newChain(inv.chain!));
      return ok();
    case 'X':
      return deleteChains(inv, ctx);
    default:
      return editRules(inv, ctx);
  }
}

function deleteChains(inv: Invocation, ctx: CommandContext): CommandResult {
  const tables = ctx.state.tables;
  const chains = tables[inv.table];
  if (inv.chain !== undefined) {
    const c = chains.get(inv.chain);
    if (!c) return noChain();
    if (c.policy !== undefined) return unsupported('iptables -X of a built-in chain');
    if (c.rules.length > 0 || references(tables, inv.table, c.name) > 0) {
      return fail(`${PREFIX} CHAIN_DEL failed (Device or resource busy): chain ${c.name}`, 4);
    }
    chains.delete(c.name);
    return ok();
  }
  const user = [...chains.values()].filter((c) => c.policy === undefined);
  const doomed = new Set(user.map((c) => c.name));
  for (const c of chains.values()) {
    if (doomed.has(c.name)) continue;
    const used = c.rules.find((r) => doomed.has(r.target));
    if (used) return fail(`${PREFIX} CHAIN_DEL failed (Device or resource busy): chain ${used.target}`, 4);
  }
  for (const name of doomed) chains.delete(name);
  return ok();
}

/** -A, -I, -D and -C: rules of one chain. */
function editRules(inv: Invocation, ctx: CommandContext): CommandResult {
  const chain = ctx.state.tables[inv.table].get(inv.chain!);
  if (inv.verb === 'D' && inv.index !== undefined && inv.rule.length > 0) {
    // A rule number and a rule spec together: once the options parse, generic_opt_check() names the first spec
    // option in its fixed order.
    const parsed = parseRuleWords(inv);
    if ('exitCode' in parsed) return parsed;
    const order = [['-s', '--source'], ['-d', '--destination'], ['-p', '--protocol'], ['-j', '--jump'], ['-i', '--in-interface'], ['-o', '--out-interface']];
    const found = order.find((names) => names.some((n) => inv.rule.includes(n)));
    if (found) return usageError(`Illegal option \`${found[0]}' with this command`);
  }
  if (inv.verb === 'D' && inv.index !== undefined && inv.rule.length === 0) {
    if (!chain) return noChain();
    if (inv.index < 1 || inv.index > chain.rules.length) return kernelError('Index of deletion too big.');
    spliceRules(chain, inv.index - 1, 1);
    return ok();
  }
  const rule = buildRule(inv, ctx);
  if ('exitCode' in rule) return rule;
  // Looking for a rule in a chain that does not exist finds none.
  if (!chain && (inv.verb === 'D' || inv.verb === 'C')) return kernelError('Bad rule (does a matching rule exist in that chain?).');
  if (!chain) return noChain();
  if (inv.verb === 'A' || inv.verb === 'I') {
    const refused = kernelRefuses(inv, rule);
    if (refused) return refused;
  }
  if (inv.verb === 'D' || inv.verb === 'C') {
    const text = ruleText(rule);
    const at = chain.rules.findIndex((r) => ruleText(r) === text);
    if (at < 0) return kernelError('Bad rule (does a matching rule exist in that chain?).');
    if (inv.verb === 'D') spliceRules(chain, at, 1);
    return ok();
  }
  if (inv.verb === 'I') {
    const at = inv.index ?? 1;
    if (at < 1 || at > chain.rules.length + 1) return kernelError('Index of insertion too big.');
    spliceRules(chain, at - 1, 0, rule);
    return ok();
  }
  appendRule(chain, rule);
  return ok();
}

/** ctime()'s layout in UTC, as iptables-save stamps its output: `Mon Jan  1 00:00:00 2024`. */
function ctime(ms: number): string {
  const d = new Date(ms);
  const day = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'][d.getUTCDay()]!;
  const month = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][d.getUTCMonth()]!;
  const two = (n: number) => String(n).padStart(2, '0');
  return `${day} ${month} ${String(d.getUTCDate()).padStart(2)} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} ${d.getUTCFullYear()}`;
}

/** `iptables-save [-t TABLE]`: each table as iptables-restore reads it, stamped with the simulated clock. */
export function iptablesSave(args: readonly string[], ctx: CommandContext): CommandResult {
  const refused = notModelledRefusal(['iptables-save', ...args]);
  if (refused) return refused;
  let only: TableName | undefined;
  let counters = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '-t' || a === '--table') {
      const t = args[++i];
      if (t !== 'filter' && t !== 'nat') return fail(`Table \`${t ?? ''}' does not exist`, 1);
      only = t;
    } else if (a === '-c' || a === '--counters') counters = true;
    else return unsupported(`iptables-save ${a}`);
  }
  const stamp = ctime(ctx.sim.toolContext(ctx.device).nowMs());
  let out = '';
  for (const table of (['filter', 'nat'] as const).filter((t) => only === undefined || t === only)) {
    out += `# Generated by iptables-save v1.8.9 (nf_tables) on ${stamp}\n*${table}\n`;
    const chains = orderedChains(ctx.state.tables, table);
    for (const c of chains) out += `:${c.name} ${c.policy ?? '-'} [${counters ? `${c.policyPackets ?? 0}:${c.policyBytes ?? 0}` : '0:0'}]\n`;
    for (const c of chains) {
      const counts = ruleCounters(ctx.state.ruleCache, c);
      // -c puts each rule's counters in front of it, as iptables-restore -c reads them.
      c.rules.forEach((r, i) => (out += `${counters ? `[${counts[i]!.packets}:${counts[i]!.bytes}] ` : ''}-A ${c.name}${ruleText(r) ? ` ${ruleText(r)}` : ''}\n`));
    }
    out += `COMMIT\n# Completed on ${stamp}\n`;
  }
  return ok(out);
}
