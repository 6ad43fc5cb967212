// The tracelab command line: registers one command per file and maps errors to one-line messages and exit codes.
import yargs from 'yargs';
import { UsageError } from '../lab/backend.js';
import { SourceError } from '../topology/yaml-source.js';
import { demoCommand } from './commands/demo.js';
import { execCommand } from './commands/exec.js';
import { labCommand } from './commands/lab.js';
import { scenarioCommand } from './commands/scenario.js';
import { topoCommand } from './commands/topo.js';
import { trainCommand } from './commands/train.js';
import { verifyCommand } from './commands/verify.js';

/** Runs the CLI on `argv` (without node and script) and returns the exit code. Nothing runs on import. */
export async function main(argv: readonly string[]): Promise<number> {
  process.exitCode = 0;
  let usageFailure: string | undefined;
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
    .recommendCommands()
    .help()
    .alias('h', 'help')
    .version()
    .wrap(Math.min(110, process.stdout.columns || 110))
    .epilogue('Places are a node (node-2), a pod (traceroute) or node/pod (node-2/traceroute).\nDocs: README.md. Exit codes: the tool\'s own for exec, 1 for failed checks, 2 for usage or lab errors.')
    .fail((msg, err) => {
      if (err) throw err;
      usageFailure = msg;
    });
  try {
    await cli.parseAsync();
  } catch (err) {
    return reportError(err);
  }
  if (usageFailure !== undefined) {
    process.stderr.write(`tracelab: ${usageFailure}\nRun 'tracelab --help' for usage.\n`);
    return 2;
  }
  return Number(process.exitCode ?? 0);
}

function reportError(err: unknown): number {
  if (err instanceof SourceError) {
    process.stderr.write(`${err.message}\n`);
    return 2;
  }
  if (err instanceof UsageError || (err instanceof Error && err.name === 'UsageError')) {
    process.stderr.write(`tracelab: ${err.message}\n`);
    return 2;
  }
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`tracelab: internal error: ${message}\n`);
  if (process.env.TRACELAB_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
  else process.stderr.write('(set TRACELAB_DEBUG=1 for the stack trace, and please report it)\n');
  return 70;
}
