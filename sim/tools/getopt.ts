// glibc getopt_long's view of a command line for ping, mtr and tracepath, over traceroute-args' scanner, with glibc's wording.
import { scanArgs, type OptionTable } from './traceroute-args.js';

/** One parsed option: its name (the short letter or the long name) and its value if it takes one. */
export interface ParsedOption {
  readonly key: string;
  readonly value?: string;
}

export type ParsedArgs =
  | { readonly ok: true; readonly options: readonly ParsedOption[]; readonly operands: readonly string[] }
  /** glibc's message without the program name, e.g. "invalid option -- 'Z'". */
  | { readonly ok: false; readonly message: string };

/** getopt's optstring (`c:i:n`: a `:` after letters that take a value) as a scanner table. */
export function shortTable(optstring: string): OptionTable {
  const table: Record<string, string | null> = {};
  for (let i = 0; i < optstring.length; i++) {
    const letter = optstring[i]!;
    if (letter === ':') continue;
    table[letter] = optstring[i + 1] === ':' ? 'arg' : null;
  }
  return table;
}

/** Parses argv (without the program name); long options map to the key given in `aliases` (else their own name). */
export function getopt(args: readonly string[], optstring: string, long?: OptionTable, aliases?: Readonly<Record<string, string>>): ParsedArgs {
  const options: ParsedOption[] = [];
  const operands: string[] = [];
  for (const item of scanArgs(args, { short: shortTable(optstring), long })) {
    if (item.kind === 'operand') operands.push(item.value);
    else if (item.kind === 'option') options.push({ key: item.long ? (aliases?.[item.name] ?? item.name) : item.name, value: item.value });
    else if (item.kind === 'unknown') return { ok: false, message: item.long ? `unrecognized option '--${item.name}'` : `invalid option -- '${item.name}'` };
    else return { ok: false, message: item.long ? `option '--${item.name}' requires an argument` : `option requires an argument -- '${item.name}'` };
  }
  return { ok: true, options, operands };
}
