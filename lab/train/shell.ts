// The training shell's terminal side: node:readline with history and tab completion on a TTY, one command per line
// from a pipe; Ctrl-C cancels the line, EOF (Ctrl-D) or a hang-up ends the session like `quit`.
import { createInterface, type Interface } from 'node:readline';
import type { TrainingSession } from './session.js';

export interface ShellIo {
  readonly input: NodeJS.ReadableStream;
  readonly output: NodeJS.WritableStream;
  /** A terminal: line editing, history, completion. Otherwise lines are echoed after the prompt (scripted sessions). */
  readonly terminal: boolean;
}

/** Reads lines until `quit`, `exit` at the start place, or end of input. The caller then calls session.finish(). */
export async function runShell(session: TrainingSession, io: ShellIo): Promise<'quit' | 'eof'> {
  const rl = createInterface({
    input: io.input,
    output: io.output,
    terminal: io.terminal,
    historySize: 1000,
    removeHistoryDuplicates: true,
    completer: (line: string) => session.complete(line),
    prompt: session.prompt(),
  });
  let busy = false;
  // Ctrl-C stops a command that runs until interrupted (ping); otherwise it cancels the line being typed.
  const cancelLine = () => (busy && session.interrupt() ? undefined : cancel(rl, io, busy));
  // On a terminal readline turns Ctrl-C into this event; a real signal (kill -INT, or Ctrl-C reaching a piped
  // session's process group) must not end the session either.
  rl.on('SIGINT', cancelLine);
  const onSigint = () => cancelLine();
  const onHangup = () => rl.close();
  process.on('SIGINT', onSigint);
  process.on('SIGHUP', onHangup);
  process.on('SIGTERM', onHangup);
  let how: 'quit' | 'eof' = 'eof';
  try {
    rl.prompt();
    for await (const line of rl) {
      if (!io.terminal) io.output.write(`${line}\n`);
      busy = true;
      const next = await session.handle(line);
      busy = false;
      if (next === 'quit') {
        how = 'quit';
        break;
      }
      rl.setPrompt(session.prompt());
      // Keep whatever the trainee typed ahead while the command ran, and the cursor in it.
      rl.prompt(true);
    }
    if (how === 'eof') io.output.write(io.terminal ? 'quit\n' : '\n');
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGHUP', onHangup);
    process.off('SIGTERM', onHangup);
    rl.close();
  }
  return how;
}

/**
 * Throws away the line being typed, shows ^C and a fresh prompt, as a shell does. While a command runs there is no
 * prompt to redraw: its output follows (backends cannot interrupt a command half-way).
 */
function cancel(rl: Interface, io: ShellIo, busy: boolean): void {
  io.output.write(busy ? '^C (the command keeps running until it ends)\n' : '^C\n');
  if (io.terminal) {
    rl.write(null, { ctrl: true, name: 'e' });
    rl.write(null, { ctrl: true, name: 'u' });
  }
  if (!busy) rl.prompt();
}
