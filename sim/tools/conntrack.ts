// conntrack -L -p tcp (conntrack-tools 1.4.7): the node's tracked TCP flows of the last commands, as the kernel prints
// them (FACTS-L4 §10): original tuple, reply tuple after DNAT/SNAT, TIME_WAIT with its seconds left, and the count
// line on stderr.
import { formatIp, parseIp } from '../../topology/address.js';
import type { CommandResult, FlowTuple } from '../../topology/trace.js';
import { unsupported } from '../commands/output.js';
import type { ToolContext } from '../tool-context.js';
import { CT_TIME_WAIT_MS, type TrackedFlow } from './ss-connections.js';

interface CtFilter {
  readonly extended: boolean;
  readonly sport?: number;
  readonly dport?: number;
  readonly origSrc?: number;
  readonly origDst?: number;
}

/** Options that take a value, by every name conntrack accepts for them. */
const VALUE_OPTIONS: Readonly<Record<string, Exclude<keyof CtFilter, 'extended'> | 'proto' | 'output'>> = {
  '-p': 'proto', '--proto': 'proto', '--sport': 'sport', '--orig-port-src': 'sport', '--dport': 'dport', '--orig-port-dst': 'dport',
  '-s': 'origSrc', '--src': 'origSrc', '--orig-src': 'origSrc', '-d': 'origDst', '--dst': 'origDst', '--orig-dst': 'origDst',
  '-o': 'output', '--output': 'output',
};

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
  // Only TCP connections are tracked here: a listing with UDP (DNS) or ICMP flows would leave them out.
  if (proto !== 'tcp' && proto !== '6') return { ok: false, result: unsupported('conntrack -L without -p tcp (UDP and ICMP flows)') };
  return { ok: true, filter: f };
}

const tuple = (t: FlowTuple): string => `src=${formatIp(t.src)} dst=${formatIp(t.dst)} sport=${t.sport} dport=${t.dport}`;

function matches(f: CtFilter, e: TrackedFlow): boolean {
  return (f.sport === undefined || e.orig.sport === f.sport) && (f.dport === undefined || e.orig.dport === f.dport)
    && (f.origSrc === undefined || e.orig.src === f.origSrc) && (f.origDst === undefined || e.orig.dst === f.origDst);
}

/** One entry as conntrack's default output prints it (`-o extended` prefixes the layer-3 protocol). */
function entryLine(f: CtFilter, e: TrackedFlow, nowMs: number): string {
  const left = Math.floor((CT_TIME_WAIT_MS - (nowMs - e.closedAtMs)) / 1000);
  return `${f.extended ? 'ipv4     2 ' : ''}tcp      6 ${left} TIME_WAIT ${tuple(e.orig)} ${tuple(e.reply)} [ASSURED] mark=0 use=1\n`;
}

/** `conntrack -L -p tcp [--dport N] [--orig-dst IP] [-o extended]`: the place's tracked TCP flows (none in a pod). */
export function conntrack(args: readonly string[], ctx: ToolContext): CommandResult {
  const parsed = parseConntrack(args);
  if (!parsed.ok) return parsed.result;
  const f = parsed.filter;
  const now = ctx.nowMs();
  const shown = ctx.sockets.tracksFlows(ctx.device) ? ctx.sockets.log.flows(ctx.device, now).filter((e) => matches(f, e)) : [];
  return {
    stdout: shown.map((e) => entryLine(f, e, now)).join(''),
    stderr: `conntrack v1.4.7 (conntrack-tools): ${shown.length} flow entries have been shown.\n`,
    exitCode: 0,
  };
}
