// The tracelab command line: registers one command per file, validates every flag before a command runs, and maps errors to one-line messages and exit codes.
import yargs from 'yargs';
import { UsageError } from '../lab/backend.js';
import { OutputFileError } from '../lab/io/output-file.js';
import { InputFileError } from '../topology/read-input.js';
import { SourceError } from '../topology/yaml-source.js';
import { demoCommand } from './commands/demo.js';
import { execCommand } from './commands/exec.js';
import { labCommand } from './commands/lab.js';
import { scenarioCommand } from './commands/scenario.js';
import { topoCommand } from './commands/topo.js';
import { trainCommand } from './commands/train.js';
import { verifyCommand } from './commands/verify.js';
import { singleValuedFlags } from './options.js';

const EPILOGUE = [
  'Places are a node (node-2), a pod (traceroute) or node/pod (node-2/traceroute). Docs: README.md.',
  "Exit codes: the tool's own for exec; 1 failed checks, or an output file that cannot be written;",
  '2 usage or lab errors; 3 a command or option the simulator does not model; 70 an internal error.',
].join('\n');

/** Runs the CLI on `argv` (without node and script) and returns the exit code. Nothing runs on import. */
export async function main(argv: readonly string[]): Promise<number> {
  process.exitCode = 0;
  const cli = yargs([...argv])
    .scriptName('tracelab')
    .usage('$0 <command> [options]\n\nA Kubernetes network lab: one model of the classic VirtualBox three-node lab, a deterministic\nsimulator, a network-namespace lab, a Vagrant lab and kubectl, which must all agree.')
    .command(demoCommand)
    .command(topoCommand)
    .command(execCommand)
    .command(labCommand)
    .command(scenarioCommand)
    .command(verifyCommand)
    .command(trainCommand)
    .demandCommand(1, 'name a command (see the list above)')
    .strict()
    .check(singleValuedFlags, true)
    .recommendCommands()
    .help()
    .alias('h', 'help')
    .version()
    .exitProcess(false)
    .wrap(Math.min(110, process.stdout.columns || 110))
    .epilogue(EPILOGUE)
    // yargs validates (unknown flags, choices, counts, checks, coercions) before it calls a handler, and calls this on
    // a failure: throwing here is what stops it; a failure only noted here would let the handler run anyway.
    .fail((msg, err) => {
      throw err instanceof Error ? err : new FlagError(msg || String(err));
    });
  try {
    await cli.parseAsync();
  } catch (err) {
    return reportError(err);
  }
  return Number(process.exitCode ?? 0);
}

/** A usage error yargs found in the flags: the message is followed by where to read the usage. */
class FlagError extends UsageError {}

/** The one place errors become messages and exit codes. */
function reportError(err: unknown): number {
  if (err instanceof SourceError || err instanceof InputFileError) {
    process.stderr.write(`${err.message}\n`);
    return 2;
  }
  if (err instanceof UsageError) {
    process.stderr.write(`tracelab: ${err.message}\n${err instanceof FlagError ? "Run 'tracelab --help' for usage.\n" : ''}`);
    return 2;
  }
  if (err instanceof OutputFileError) {
    process.stderr.write(`tracelab: ${err.message}\n`);
    return 1;
  }
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`tracelab: internal error: ${message}\n`);
  if (process.env.TRACELAB_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
  else process.stderr.write('(set TRACELAB_DEBUG=1 for the stack trace, and please report it)\n');
  return 70;
}
