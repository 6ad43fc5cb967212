// Command lists in the training shell: `a; b`, `a && b`, `a || b` run one after another as a shell runs them, each
// with its variables expanded in the shell it runs in (the command before may have moved the trainee or set `$?`).
import { expandVariables, splitCommandList } from '../../sim/words.js';

/** What the list needs to know of each command's answer. */
export interface ListStep {
  readonly output: string;
  readonly exitCode?: number;
  readonly quit?: boolean;
}

/**
 * Runs LINE's commands with `run`, skipping a command after `&&` when the status is not 0 and after `||` when it is;
 * the answer is the last command's with every command's output. `invalid` answers a list that does not parse.
 */
export async function runCommandList<T extends ListStep>(
  line: string, lookup: (name: string) => string | undefined, run: (text: string) => Promise<T>, invalid: (error: string) => T,
): Promise<T> {
  const list = splitCommandList(line);
  if (!list.ok) return invalid(list.error);
  let output = '';
  let last: T | undefined;
  for (const item of list.items) {
    const status = last?.exitCode ?? 0;
    if (last !== undefined && ((item.op === '&&' && status !== 0) || (item.op === '||' && status === 0))) continue;
    last = await run(expandVariables(item.text, lookup));
    output += last.output;
    if (last.quit) break;
  }
  return { ...last!, output };
}
