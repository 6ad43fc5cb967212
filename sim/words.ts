// Splits a command line into words the way a POSIX shell would for simple commands (quotes, backslashes), no expansion.
// The one splitter of the project: the simulator, the namespace lab and the training shell all use it.
import type { CommandResult } from '../topology/trace.js';

export type SplitResult = { ok: true; words: string[] } | { ok: false; error: string };

export function splitWords(line: string): SplitResult {
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
