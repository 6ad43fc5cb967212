// What the `ip` subcommands share: iproute2's keyword abbreviation rule, its argument errors and exit codes, and
// the kernel's RTNETLINK error texts.
import type { CommandResult } from '../../topology/trace.js';
import { fail } from './output.js';

/** iproute2's matches(): the word is a non-empty prefix of the keyword (`ip r a` is `ip route add`). */
export function matches(word: string, keyword: string): boolean {
  return word.length > 0 && keyword.startsWith(word);
}

/** `Command line is not complete. Try option "help"` (exit 255), for a keyword missing its value. */
export function incomplete(): CommandResult {
  return fail('Command line is not complete. Try option "help"', 255);
}

/** `Error: either "KEY" is duplicate, or "WORD" is a garbage.` (exit 255). */
export function garbage(key: string, word: string): CommandResult {
  return fail(`Error: either "${key}" is duplicate, or "${word}" is a garbage.`, 255);
}

/** `Error: argument "V" is wrong: MSG` followed by an empty line (exit 255), as invarg() prints it. */
export function invalidArgument(value: string, message: string): CommandResult {
  return fail(`Error: argument "${value}" is wrong: ${message}\n\n`, 255);
}

/** A kernel error as iproute2 reports it: `RTNETLINK answers: <strerror>` (exit 2). */
export function rtnetlink(error: string): CommandResult {
  return fail(`RTNETLINK answers: ${error}`, 2);
}

/** A kernel extended-ack message: `Error: <msg>` (exit 2). */
export function extack(message: string): CommandResult {
  return fail(`Error: ${message}`, 2);
}

export function noDevice(name: string): CommandResult {
  return fail(`Cannot find device "${name}"`, 1);
}

/** Parses an unsigned decimal (or 0x hex) number as iproute2's get_unsigned does; undefined when it is not one. */
export function parseUnsigned(text: string, max = 0xffffffff): number | undefined {
  if (!/^(0x[0-9a-fA-F]+|\d+)$/.test(text)) return undefined;
  const value = Number(text);
  return Number.isSafeInteger(value) && value <= max ? value : undefined;
}
