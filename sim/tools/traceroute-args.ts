// Command-line scanning shared by the traceroute tools: short options (grouped, values attached or in the next
// word), long options (--name, --name=value), operands anywhere, `--` ends options; plus the number parsers the
// real tools use (strtol with base 0, strtod), and the tools' `%.3f` of milliseconds. Each tool words its own errors
// from the scan items.

/** Option table: name -> null for a flag, or the value's name as the tool's usage calls it. */
export type OptionTable = Readonly<Record<string, string | null>>;

export interface ScanSpec {
  readonly short: OptionTable;
  readonly long?: OptionTable;
  /**
   * Linux traceroute's parser: a value option only takes the rest of its word when it opens the group (`-q1`);
   * later in a group it must end the word and takes the next one (`-nq 2`; `-nq2` lacks its argument).
   */
  readonly valueOnlyFirstInGroup?: boolean;
}

/** One item of the command line, in order. `argc` is the argv index (argv[0] is the program) the item ends at. */
export type ScanItem =
  | { readonly kind: 'option'; readonly name: string; readonly long: boolean; readonly value?: string; readonly argc: number }
  | { readonly kind: 'operand'; readonly value: string; readonly argc: number }
  | { readonly kind: 'unknown'; readonly name: string; readonly long: boolean; readonly argc: number }
  | { readonly kind: 'missing-value'; readonly name: string; readonly long: boolean; readonly valueName: string; readonly argc: number };

/** Scans `args` (argv without the program). Stops after the first unknown option or missing value. */
export function scanArgs(args: readonly string[], spec: ScanSpec): ScanItem[] {
  const items: ScanItem[] = [];
  let onlyOperands = false;
  for (let i = 0; i < args.length; i++) {
    const word = args[i]!;
    const argc = i + 1;
    if (onlyOperands || word === '-' || !word.startsWith('-')) {
      items.push({ kind: 'operand', value: word, argc });
      continue;
    }
    if (word === '--') {
      onlyOperands = true;
      continue;
    }
    if (word.startsWith('--')) {
      const eq = word.indexOf('=');
      const name = word.slice(2, eq < 0 ? undefined : eq);
      const table = spec.long ?? {};
      if (!Object.hasOwn(table, name)) {
        items.push({ kind: 'unknown', name, long: true, argc });
        return items;
      }
      const valueName = table[name]!;
      if (valueName === null) {
        items.push({ kind: 'option', name, long: true, argc });
      } else if (eq >= 0) {
        items.push({ kind: 'option', name, long: true, value: word.slice(eq + 1), argc });
      } else if (i + 1 < args.length) {
        items.push({ kind: 'option', name, long: true, value: args[++i]!, argc: i + 1 });
      } else {
        items.push({ kind: 'missing-value', name, long: true, valueName, argc });
        return items;
      }
      continue;
    }
    for (let k = 1; k < word.length; k++) {
      const name = word[k]!;
      if (!Object.hasOwn(spec.short, name)) {
        items.push({ kind: 'unknown', name, long: false, argc });
        return items;
      }
      const valueName = spec.short[name]!;
      if (valueName === null) {
        items.push({ kind: 'option', name, long: false, argc });
        continue;
      }
      const rest = word.slice(k + 1);
      if (rest !== '' && (k === 1 || !spec.valueOnlyFirstInGroup)) {
        items.push({ kind: 'option', name, long: false, value: rest, argc });
      } else if (rest === '' && i + 1 < args.length) {
        items.push({ kind: 'option', name, long: false, value: args[++i]!, argc: i + 1 });
      } else {
        items.push({ kind: 'missing-value', name, long: false, valueName, argc });
        return items;
      }
      break;
    }
  }
  return items;
}

/** C strtol(s, &end, 0) that must consume the whole string: decimal, 0x hex or 0 octal, optional sign. */
export function parseCInteger(s: string): number | undefined {
  const m = /^\s*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/.exec(s);
  if (!m) return undefined;
  const body = m[2]!;
  const value = /^0[xX]/.test(body) ? parseInt(body.slice(2), 16) : body.length > 1 && body.startsWith('0') ? parseInt(body, 8) : parseInt(body, 10);
  return m[1] === '-' ? -value : value;
}

/** C strtod that must consume the whole string (decimal forms only). */
export function parseCFloat(s: string): number | undefined {
  if (!/^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) return undefined;
  return Number(s.trim());
}

/** printf's %g for the small numbers the tools echo back. */
export function formatG(n: number): string {
  if (Number.isInteger(n)) return String(n);
  return String(Number(n.toPrecision(6)));
}

/** `%03u` of 0-999, each made on first use. */
const threeDigitTable: string[] = [];
export const threeDigits = (n: number): string => (threeDigitTable[n] ??= String(n).padStart(3, '0'));

/**
 * MS.toFixed(3) (`%.3f`) for the RTTs of hop lines without the runtime call (a fifth of the text path's own time):
 * toFixed takes the integer n nearest to the exact MS * 1000, the larger on a tie. The product is rounded; Dekker's
 * split (MS = hi + lo, 26 bits each, so hi * 1000 and lo * 1000 are exact) gives its rounding error exactly, and the
 * sign of (p - floor(p) - 0.5) + error, exact near a tie, says whether n is floor(p) + 1. Outside [0, 1e6) toFixed itself.
 */
export function toFixed3(ms: number): string {
  if (!(ms >= 0 && ms < 1e6)) return ms.toFixed(3);
  const p = ms * 1000;
  const c = ms * 134217729;
  const hi = c - (c - ms);
  const lo = ms - hi;
  const error = hi * 1000 - p + lo * 1000;
  const f = Math.floor(p);
  const n = p - f - 0.5 + error >= 0 ? f + 1 : f;
  return `${Math.floor(n / 1000)}.${threeDigits(n % 1000)}`;
}
