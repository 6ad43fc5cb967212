// The tracelab command line: registers one command per file (loading only the one that runs), validates every flag before a command runs (yargs, skipped on the flagless hot lines of cli/fast-path.ts), and maps errors to one-line messages and exit codes.
import type { Argv, CommandModule } from 'yargs';
import { UsageError } from '../lab/backend.js';
import { OutputFileError } from '../lab/io/output-file.js';
import { InputFileError } from '../topology/read-input.js';
import { SourceError } from '../topology/yaml-source.js';
import { COMMAND_LINES, type CommandName } from './commands/lines.js';
import { fastLine } from './fast-path.js';
import { singleValuedFlags } from './options.js';

/** Each command's module, imported when yargs picks the command (to build its flags or run it), not before. */
const COMMAND_MODULES: Readonly<Record<CommandName, () => Promise<CommandModule>>> = {
  demo: async () => (await import('./commands/demo.js')).demoCommand,
  topo: async () => (await import('./commands/topo.js')).topoCommand,
  exec: async () => (await import('./commands/exec.js')).execCommand,
  lab: async () => (await import('./commands/lab.js')).labCommand as unknown as CommandModule,
  scenario: async () => (await import('./commands/scenario.js')).scenarioCommand as unknown as CommandModule,
  verify: async () => (await import('./commands/verify.js')).verifyCommand as unknown as CommandModule,
  train: async () => (await import('./commands/train.js')).trainCommand,
  serve: async () => (await import('./commands/serve.js')).serveCommand as unknown as CommandModule,
};

/** A command yargs can list and match by its usage line; its module is loaded by its builder. */
function lazyCommand(name: CommandName): CommandModule {
  let loaded: Promise<CommandModule> | undefined;
  const load = () => (loaded ??= COMMAND_MODULES[name]());
  return {
    ...COMMAND_LINES[name],
    builder: async (y: Argv) => {
      const { builder } = await load();
      return typeof builder === 'function' ? builder(y) : y.options(builder ?? {});
    },
    handler: async (argv) => (await load()).handler(argv),
  };
}

/** Whether yargs will print a help text (--help or -h before `--`): only then is its layout code loaded. */
function asksForHelp(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end === -1 ? argv : argv.slice(0, end)).some((a) => a === '--help' || a.startsWith('--help=') || /^-[^-]*h/.test(a));
}

const EPILOGUE = [
  'Places are a node (node-2), a pod (traceroute) or node/pod (node-2/traceroute). Docs: README.md.',
  "Exit codes: the tool's own for exec; 1 failed checks, or an output file that cannot be written;",
  '2 usage or lab errors; 3 a command or option the simulator does not model; 70 an internal error.',
].join('\n');

/** Runs the CLI on `argv` (without node and script) and returns the exit code. Nothing runs on import. */
export async function main(argv: readonly string[]): Promise<number> {
  process.exitCode = 0;
  const fast = fastLine(argv);
  if (fast) return runFast(fast.command, fast.args);
  const { loadYargs } = await import('./yargs.js');
  const yargs = await loadYargs({ help: asksForHelp(argv) });
  const cli = yargs([...argv])
    .scriptName('tracelab')
    .usage('$0 <command> [options]\n\nA Kubernetes network lab: one model of the classic VirtualBox three-node lab, a deterministic\nsimulator, a network-namespace lab, a Vagrant lab and kubectl, which must all agree.')
    .command((Object.keys(COMMAND_LINES) as CommandName[]).map(lazyCommand))
    .demandCommand(1, 'name a command (see the list above)')
    .strict()
    // Words are words: after `--` they belong to the command (`ping -p 0xff` must not reach ping as 255, nor `1.50` as
    // 1.5), and no positional of ours is a number.
    .parserConfiguration({ 'parse-positional-numbers': false })
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

/** A hot command line without flags: its handler runs on the arguments yargs would have made, without yargs. */
async function runFast(name: CommandName, args: Record<string, unknown>): Promise<number> {
  try {
    await (await COMMAND_MODULES[name]()).handler(args as never);
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
