// conntrack -L [-p tcp|udp|icmp] (conntrack-tools 1.4.7): the node's tracked flows of the last commands, as the kernel
// prints them (FACTS-L4 §10, kernel-checked): original tuple, reply tuple after DNAT/SNAT, TCP in TIME_WAIT, UDP and ICMP
// with [UNREPLIED] until a reply passed, each with its seconds left, and the count line on stderr.
import { formatIp, parseIp } from '../../topology/address.js';
import type { CommandResult, FlowTuple } from '../../topology/trace.js';
import { unsupported } from '../commands/output.js';
import type { ToolContext } from '../tool-context.js';
import { CT_TIME_WAIT_MS, type DatagramFlow, type TrackedFlow } from './ss-connections.js';

interface CtFilter {
  readonly extended: boolean;
  /** -p: the protocol's name (tcp, udp, icmp); undefined: all. */
  readonly proto?: 'tcp' | 'udp' | 'icmp';
  readonly sport?: number;
  readonly dport?: number;
  readonly origSrc?: number;
  readonly origDst?: number;
}

/** Options that take a value, by every name conntrack accepts for them. */
const VALUE_OPTIONS: Readonly<Record<string, Exclude<keyof CtFilter, 'extended' | 'proto'> | 'proto' | 'output'>> = {
  '-p': 'proto', '--proto': 'proto', '--sport': 'sport', '--orig-port-src': 'sport', '--dport': 'dport', '--orig-port-dst': 'dport',
  '-s': 'origSrc', '--src': 'origSrc', '--orig-src': 'origSrc', '-d': 'origDst', '--dst': 'origDst', '--orig-dst': 'origDst',
  '-o': 'output', '--output': 'output',
};

/** -p's names and numbers for the protocols the lab's flows use. */
const PROTOCOLS: Readonly<Record<string, 'tcp' | 'udp' | 'icmp'>> = { tcp: 'tcp', 6: 'tcp', udp: 'udp', 17: 'udp', icmp: 'icmp', 1: 'icmp' };

type Parsed = { ok: true; filter: CtFilter } | { ok: false; result: CommandResult };

function parseConntrack(args: readonly string[]): Parsed {
  if (args[0] !== '-L' && args[0] !== '--dump') return { ok: false, result: unsupported(`conntrack ${args[0] ?? '(no command)'}`) };
  const f: { -readonly [K in keyof CtFilter]: CtFilter[K] } = { extended: false };
  let proto: string | undefined;
  for (let i = 1; i < args.length; i += 2) {
    const key = VALUE_OPTIONS[args[i]!];
    const value = args[i + 1];
    if (key === undefined || value === undefined) return { ok: false, result: unsupported(`conntrack -L ${args[i]}`) };
    if (key === 'proto') proto = value;
    else if (key === 'output') {
      if (value !== 'extended') return { ok: false, result: unsupported(`conntrack -o ${value}`) };
      f.extended = true;
    } else if (key === 'sport' || key === 'dport') f[key] = Number(value);
    else {
      const ip = parseIp(value);
      if (ip === undefined) return { ok: false, result: unsupported(`conntrack ${args[i]} ${value}`) };
      f[key] = ip;
    }
  }
  if (proto !== undefined) {
    const name = PROTOCOLS[proto];
    if (name === undefined) return { ok: false, result: unsupported(`conntrack -p ${proto}`) };
    f.proto = name;
  }
  return { ok: true, filter: f };
}

const tuple = (t: FlowTuple): string => `src=${formatIp(t.src)} dst=${formatIp(t.dst)} sport=${t.sport} dport=${t.dport}`;

/** ICMP's tuple part: the echo's type and code, and its identifier (kept in sport). */
const icmpTuple = (t: FlowTuple, type: number): string => `src=${formatIp(t.src)} dst=${formatIp(t.dst)} type=${type} code=0 id=${t.sport}`;

function matches(f: CtFilter, protocol: string, orig: FlowTuple): boolean {
  return (f.proto === undefined || f.proto === protocol)
    && (f.sport === undefined || (protocol !== 'icmp' && orig.sport === f.sport)) && (f.dport === undefined || (protocol !== 'icmp' && orig.dport === f.dport))
    && (f.origSrc === undefined || orig.src === f.origSrc) && (f.origDst === undefined || orig.dst === f.origDst);
}

/** A UDP or ICMP entry: no state name, [UNREPLIED] after the original tuple until a reply passed. */
function datagramLine(f: CtFilter, e: DatagramFlow): string {
  const unreplied = e.replied ? '' : '[UNREPLIED] ';
  const head = e.protocol === 'udp' ? `udp      17 ${e.secondsLeft}` : `icmp     1 ${e.secondsLeft}`;
  const [orig, reply] = e.protocol === 'udp' ? [tuple(e.orig), tuple(e.reply)] : [icmpTuple(e.orig, 8), icmpTuple(e.reply, 0)];
  return `${f.extended ? 'ipv4     2 ' : ''}${head} ${orig} ${unreplied}${reply} mark=0 use=1\n`;
}

/** One entry as conntrack's default output prints it (`-o extended` prefixes the layer-3 protocol). */
function entryLine(f: CtFilter, e: TrackedFlow, nowMs: number): string {
  const left = Math.floor((CT_TIME_WAIT_MS - (nowMs - e.closedAtMs)) / 1000);
  return `${f.extended ? 'ipv4     2 ' : ''}tcp      6 ${left} TIME_WAIT ${tuple(e.orig)} ${tuple(e.reply)} [ASSURED] mark=0 use=1\n`;
}

/** `conntrack -L [-p PROTO] [--dport N] [--orig-dst IP] [-o extended]`: the place's tracked flows (none in a pod). */
export function conntrack(args: readonly string[], ctx: ToolContext): CommandResult {
  const parsed = parseConntrack(args);
  if (!parsed.ok) return parsed.result;
  const f = parsed.filter;
  const now = ctx.nowMs();
  const tracks = ctx.sockets.tracksFlows(ctx.device);
  const tcp = tracks ? ctx.sockets.log.flows(ctx.device, now).filter((e) => matches(f, 'tcp', e.orig)) : [];
  const datagrams = tracks ? ctx.sockets.datagramFlows(ctx.device).filter((e) => matches(f, e.protocol, e.orig)) : [];
  return {
    stdout: tcp.map((e) => entryLine(f, e, now)).join('') + datagrams.map((e) => datagramLine(f, e)).join(''),
    stderr: `conntrack v1.4.7 (conntrack-tools): ${tcp.length + datagrams.length} flow entries have been shown.\n`,
    exitCode: 0,
  };
}
