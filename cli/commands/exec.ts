// `tracelab exec PLACE -- COMMAND...`: runs one command at a node or in a pod; exits with the command's own code.
import { writeFileSync } from 'node:fs';
import type { Argv, CommandModule } from 'yargs';
import { UsageError } from '../../lab/backend.js';
import { createBackend } from '../../lab/backends.js';
import { quoteWord } from '../../sim/words.js';
import { resolvePlace } from '../../topology/place.js';
import { renderLabSvg } from '../../topology/svg/svg.js';
import { explainTraces } from '../explain.js';
import { labFromArgs, printResult, withLabOptions, write, type LabOptions } from '../common.js';
import type { CommandResult } from '../../topology/trace.js';

interface ExecArgs extends LabOptions {
  readonly place: string;
  readonly words?: string[];
  readonly backend: string;
  readonly prefix?: string;
  readonly explain?: boolean;
  readonly svg?: string;
}

export const execCommand: CommandModule = {
  command: 'exec <place> [words..]',
  describe: 'Run a command at a place: a node (node-2), a pod (traceroute) or node/pod (node-2/traceroute)',
  builder: (y: Argv) =>
    withLabOptions(y)
      .positional('place', { type: 'string', describe: 'node, pod, or node/pod' })
      .positional('words', { type: 'string', array: true, describe: 'the command, after --' })
      .option('backend', { type: 'string', default: 'sim', describe: 'sim (default), netns, vagrant or kubectl' })
      .option('prefix', { type: 'string', describe: 'namespace prefix of a netns lab' })
      .option('svg', { type: 'string', describe: 'also draw the probe\'s path on a picture of the lab, written to FILE (sim)' })
      .option('explain', { type: 'boolean', describe: 'after the output, show hop by hop the route, rule or sysctl that decided (sim)' })
      .example('$0 exec node-2/traceroute -- traceroute 10.244.1.3', 'busybox traceroute from a pod on node-2 to httpd on node-1')
      .example('$0 exec node-1 -- ip route', 'node-1\'s routing table')
      .example('$0 exec netshoot --explain -- traceroute -n 10.96.0.20', 'why a ClusterIP shows at every hop')
      .example('$0 exec netshoot --svg path.svg -- traceroute -n 10.244.1.3', 'the path, hops numbered, drawn on the lab'),
  handler: async (raw) => {
    const args = raw as unknown as ExecArgs;
    // yargs leaves the words after `--` in `_` (after the command name), not in the `words` positional.
    const words = [...(args.words ?? []), ...((raw._ as unknown[] | undefined) ?? []).slice(1)].map(String);
    if (words.length === 0) throw new UsageError('exec needs a command after the place, e.g. `tracelab exec node-1 -- ip route`');
    const lab = labFromArgs(args);
    const backend = createBackend(args.backend, { seed: args.seed, prefix: args.prefix });
    await backend.up(lab);
    try {
      const result = await backend.run(args.place, words.map(quoteWord).join(' '));
      if (args.svg) writePathSvg(args.svg, lab, args.place, result.traces);
      if (args.json) {
        write(`${JSON.stringify(result, (_k, v: unknown) => v, 2)}\n`);
        process.exitCode = result.exitCode;
        return;
      }
      printResult(result);
      if (args.explain) write(result.traces?.length ? `\n${explainTraces(result.traces)}` : '\nexplain: this command produced no trace record\n');
    } finally {
      if (args.backend === 'sim') await backend.down();
    }
  },
};

/** `--svg FILE`: the lab with the last trace's path; without a trace record, the lab alone and a note on stderr. */
function writePathSvg(file: string, lab: ReturnType<typeof labFromArgs>, place: string, traces: CommandResult['traces']): void {
  const where = resolvePlace(lab, place);
  const trace = traces?.[traces.length - 1];
  writeFileSync(file, renderLabSvg(lab, trace && where.ok ? { path: { trace, from: where.device.id } } : {}));
  if (!trace) process.stderr.write(`tracelab: --svg: this command produced no trace record; ${file} shows the lab without a path\n`);
}
