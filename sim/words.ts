// Splits a command line into words the way a POSIX shell would for simple commands (quotes, backslashes), and for the
// training shell command lists (`;`, `&&`, `||`) and `$VAR` expansion. The one splitter of the project: the simulator,
// the namespace lab and the training shell all use it.
import type { CommandResult } from '../topology/trace.js';

export type SplitResult = { ok: true; words: string[] } | { ok: false; error: string };

export function splitWords(line: string): SplitResult {
  if (!/['"\\]/.test(line)) return { ok: true, words: plainWords(line) };
  const words: string[] = [];
  let current = '';
  let inWord = false;
  let i = 0;
  while (i < line.length) {
    const c = line[i]!;
    if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) return { ok: false, error: 'unterminated quoted string' };
      current += line.slice(i + 1, end);
      inWord = true;
      i = end + 1;
    } else if (c === '"') {
      i++;
      for (;;) {
        if (i >= line.length) return { ok: false, error: 'unterminated quoted string' };
        const d = line[i]!;
        if (d === '"') break;
        if (d === '\\' && i + 1 < line.length && '"\\$`'.includes(line[i + 1]!)) {
          current += line[i + 1];
          i += 2;
        } else {
          current += d;
          i++;
        }
      }
      inWord = true;
      i++;
    } else if (c === '\\' && i + 1 < line.length) {
      current += line[i + 1];
      inWord = true;
      i += 2;
    } else if (c === ' ' || c === '\t' || c === '\n') {
      if (inWord) words.push(current);
      current = '';
      inWord = false;
      i++;
    } else {
      current += c;
      inWord = true;
      i++;
    }
  }
  if (inWord) words.push(current);
  return { ok: true, words };
}

/** splitWords of a line without quotes or backslashes: the runs between spaces, tabs and newlines, sliced (not built a character at a time). */
function plainWords(line: string): string[] {
  const words: string[] = [];
  let start = -1;
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    const blank = c === 32 || c === 9 || c === 10;
    if (blank && start >= 0) {
      words.push(line.slice(start, i));
      start = -1;
    } else if (!blank && start < 0) start = i;
  }
  if (start >= 0) words.push(line.slice(start));
  return words;
}

/** Wrappers that run the rest of the line as it is: commands run as root already (`sudo`), `exec` replaces the shell. */
const WRAPPERS: ReadonlySet<string> = new Set(['sudo', 'exec']);

/**
 * The words a backend runs for a command line: split as a shell would, leading `sudo`/`exec` dropped. A line that
 * does not split is the shell's syntax error (exit 2); an empty line runs nothing (`words` empty).
 */
export function commandWords(line: string): { ok: true; words: string[] } | { ok: false; result: CommandResult } {
  const split = splitWords(line.trim());
  if (!split.ok) return { ok: false, result: { stdout: '', stderr: `sh: syntax error: ${split.error}\n`, exitCode: 2 } };
  let words = split.words;
  while (words.length > 0 && WRAPPERS.has(words[0]!)) words = words.slice(1);
  return { ok: true, words };
}

/** Quotes a word for display so splitWords would give it back. */
export function quoteWord(word: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(word) ? word : `"${word.replace(/(["\\$`])/g, '\\$1')}"`;
}

/** How a command of a list is joined to the one before it. */
export type ListOperator = ';' | '&&' | '||';

/**
 * Splits a line at the command-list operators `;`, `&&` and `||` outside quotes (a lone `|` is a pipe and `&` is
 * left in the command): each command's text with the operator before it (undefined for the first). An operator with
 * no command before it is the shell's syntax error; a final `;` ends the list.
 */
export function splitCommandList(line: string): { ok: true; items: { text: string; op?: ListOperator }[] } | { ok: false; error: string } {
  const items: { text: string; op?: ListOperator }[] = [];
  let op: ListOperator | undefined;
  let start = 0;
  let quote: string | undefined;
  const cut = (end: number, next: ListOperator): string | undefined => {
    const text = line.slice(start, end).trim();
    if (text === '') return `syntax error near unexpected token \`${next}'`;
    items.push(op === undefined ? { text } : { text, op });
    op = next;
    return undefined;
  };
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote !== undefined) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"') i++;
      continue;
    }
    if (c === '\\') i++;
    else if (c === "'" || c === '"') quote = c;
    else if (c === ';' || ((c === '&' || c === '|') && line[i + 1] === c)) {
      const next = (c === ';' ? ';' : `${c}${c}`) as ListOperator;
      const error = cut(i, next);
      if (error) return { ok: false, error };
      if (next !== ';') i++;
      start = i + 1;
    }
  }
  const last = line.slice(start).trim();
  if (last !== '') items.push(op === undefined ? { text: last } : { text: last, op });
  else if (op !== undefined && op !== ';') return { ok: false, error: 'syntax error: unexpected end of file' };
  return { ok: true, items };
}

/**
 * Expands `$NAME`, `${NAME}` and `$?` outside single quotes with `lookup` (unset names expand to nothing), as a
 * shell does before it splits words; a `$` before anything else stays.
 */
export function expandVariables(line: string, lookup: (name: string) => string | undefined): string {
  let out = '';
  let single = false;
  let double = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === "'" && !double) single = !single;
    else if (c === '"' && !single) double = !double;
    else if (c === '\\' && !single && i + 1 < line.length) {
      out += c + line[++i]!;
      continue;
    } else if (c === '$' && !single) {
      const m = /^(?:\{([A-Za-z_][A-Za-z0-9_]*|\?)\}|([A-Za-z_][A-Za-z0-9_]*|\?))/.exec(line.slice(i + 1));
      if (m) {
        out += lookup(m[1] ?? m[2]!) ?? '';
        i += m[0].length;
        continue;
      }
    }
    out += c;
  }
  return out;
}
