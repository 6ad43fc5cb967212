// Commands refused as "not modelled" by their words alone, before anything runs: one decision shared by the
// simulator's interpreter and the namespace lab, which refuses them the same way instead of running them.
import type { CommandResult } from '../../topology/trace.js';
import { unsupported } from './output.js';

/** The iptables tables the simulator does not model (it models filter and nat). */
export const UNMODELLED_TABLES: ReadonlySet<string> = new Set(['mangle', 'raw', 'security']);

const IPTABLES = new Set(['iptables', 'iptables-nft', 'iptables-save']);

/** The table an iptables argument list names with -t/--table/--table=NAME, if any. */
function namedTables(args: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const w = args[i]!;
    if ((w === '-t' || w === '--table') && args[i + 1] !== undefined) out.push(args[++i]!);
    else if (w.startsWith('--table=')) out.push(w.slice('--table='.length));
  }
  return out;
}

/** The refusal of a command line (program and arguments) that is not modelled by its words alone, if it is one. */
export function notModelledRefusal(words: readonly string[]): CommandResult | undefined {
  const [program, ...args] = words;
  if (program === undefined || !IPTABLES.has(program)) return undefined;
  const table = namedTables(args).find((t) => UNMODELLED_TABLES.has(t));
  if (table === undefined) return undefined;
  return unsupported(`${program === 'iptables-save' ? 'iptables-save' : 'iptables'} -t ${table}`);
}
