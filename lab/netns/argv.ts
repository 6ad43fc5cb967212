// Splits a command line into argv words without a shell: whitespace separates, '...' and "..." quote, \ escapes.

export type SplitResult = { ok: true; argv: string[] } | { ok: false; message: string };

/**
 * A small quote-aware splitter (POSIX-shell-like word splitting only: no variables, globs, pipes or redirections).
 * Single quotes keep everything literally; inside double quotes a backslash escapes only \ " $ `; outside quotes a
 * backslash escapes the next character.
 */
export function splitCommand(line: string): SplitResult {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: "'" | '"' | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote === "'") {
      if (c === "'") quote = undefined;
      else word += c;
      continue;
    }
    if (quote === '"') {
      if (c === '"') quote = undefined;
      else if (c === '\\' && i + 1 < line.length && '\\"$`'.includes(line[i + 1]!)) word += line[++i]!;
      else word += c;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\n') {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
      continue;
    }
    inWord = true;
    if (c === "'" || c === '"') quote = c;
    else if (c === '\\') {
      if (i + 1 >= line.length) return { ok: false, message: 'trailing backslash' };
      word += line[++i]!;
    } else word += c;
  }
  if (quote) return { ok: false, message: `unterminated ${quote === "'" ? 'single' : 'double'} quote` };
  if (inWord) words.push(word);
  return { ok: true, argv: words };
}
