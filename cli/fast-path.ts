// The two hot command lines (`exec PLACE -- COMMAND...` and `scenario run FILES...`) given without any flag, handed
// straight to their command's handler with the arguments yargs would have passed (words after `--` verbatim, as
// yargs leaves them with parse-positional-numbers off); every other line goes to yargs.
import type { CommandName } from './commands/lines.js';

/** A command and the arguments its handler gets from yargs for this line, or undefined when yargs must parse it. */
export interface FastLine {
  readonly command: CommandName;
  readonly args: Record<string, unknown>;
}

const isWord = (a: string) => !a.startsWith('-');

/**
 * `exec PLACE -- WORDS...` (yargs leaves the words after `--` in `_`) and `scenario run TARGETS...`, with nothing that
 * looks like a flag before `--`: lines on which yargs can find no usage error and prints nothing. Both commands'
 * only default is --backend sim.
 */
export function fastLine(argv: readonly string[]): FastLine | undefined {
  const [command, first, ...rest] = argv;
  if (command === 'exec' && first !== undefined && isWord(first) && rest[0] === '--' && rest.length > 1) {
    return { command, args: { _: ['exec', ...rest.slice(1)], place: first, backend: 'sim', $0: 'tracelab' } };
  }
  if (command === 'scenario' && first === 'run' && rest.every(isWord)) {
    return { command, args: { _: ['scenario'], action: 'run', targets: rest, backend: 'sim', $0: 'tracelab' } };
  }
  return undefined;
}
