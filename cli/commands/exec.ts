// `tracelab exec PLACE -- COMMAND...`: runs one command at a node or in a pod; exits with the command's own code.
import type { Argv, CommandModule } from 'yargs';
import { COMMAND_LINES } from './lines.js';
import { UsageError, type Backend, type TappedResult, type TapSpec } from '../../lab/backend.js';
import { writeOutputFile } from '../../lab/io/output-file.js';
import { forTerminal } from '../../lab/io/terminal-text.js';
import { findFilter, runFilters, splitPipeline, type Filter } from '../../lab/train/pipes.js';
import { quoteWord } from '../../sim/words.js';
import { formatIp } from '../../topology/address.js';
import type { LabModel } from '../../topology/model.js';
import { resolvePlace } from '../../topology/place.js';
import { labFromArgs, printResult, write, writeErr } from '../common.js';
import { backendFactory, backendOptionsFrom, withBackendOptions, withLabOptions, type BackendArgs, type LabOptions } from '../options.js';
import type { CommandResult } from '../../topology/trace.js';

interface ExecArgs extends LabOptions, BackendArgs {
  readonly place: string;
  readonly words?: string[];
  readonly explain?: boolean;
  readonly svg?: string;
  readonly tap?: string[];
  readonly 'tap-filter'?: string;
  readonly pcap?: string;
}

export const execCommand: CommandModule = {
  ...COMMAND_LINES.exec,
  builder: (y: Argv) =>
    withBackendOptions(withLabOptions(y), { default: 'sim' })
      .positional('place', { type: 'string', describe: 'node, pod, or node/pod' })
      .positional('words', { type: 'string', array: true, describe: 'the command, after -- (a quoted | pipes its output to grep, head, tail, wc -l, sort, uniq or cat)' })
      .option('svg', { type: 'string', describe: 'also draw the probe\'s path on a picture of the lab, written to FILE (sim)' })
      .option('explain', { type: 'boolean', describe: 'after the output, show hop by hop the route, rule or sysctl that decided (sim)' })
      .option('tap', { type: 'string', array: true, describe: 'capture at PLACE:IFACE[,PLACE:IFACE...] (or PLACE:any) while the command runs; tcpdump -n\'s text follows the output' })
      .option('tap-filter', { type: 'string', describe: 'pcap-filter expression for the taps, e.g. "icmp or udp port 53"' })
      .option('pcap', { type: 'string', describe: 'write every tapped frame to FILE (classic pcap, Ethernet) for tshark, tcpdump -r or Wireshark' })
      .example('$0 exec node-2/traceroute -- traceroute 10.244.1.3', 'busybox traceroute from a pod on node-2 to httpd on node-1')
      .example('$0 exec node-1 -- ip route', 'node-1\'s routing table')
      .example('$0 exec node-1 -- ip route \'|\' grep cni0', 'the output through grep, as in the training shell')
      .example('$0 exec netshoot --explain -- traceroute -n 10.96.0.20', 'why a ClusterIP shows at every hop')
      .example('$0 exec netshoot --svg path.svg -- traceroute -n 10.244.1.3', 'the path, hops numbered, drawn on the lab')
      .example('$0 exec netshoot --tap node-1:eth1 --pcap t.pcap -- traceroute -n -q 1 10.244.1.3', 'the probes and Time Exceeded replies on node-1\'s eth1, also saved for Wireshark'),
  handler: async (raw) => {
    const args = raw as unknown as ExecArgs;
    // yargs leaves the words after `--` in `_` (after the command name), not in the `words` positional.
    const words = [...(args.words ?? []), ...((raw._ as unknown[] | undefined) ?? []).slice(1)].map(String);
    const pipeline = commandPipeline(args.place, words);
    const lab = labFromArgs(args);
    const backend = (await backendFactory(args.backend))(backendOptionsFrom(args));
    await backend.up(lab);
    try {
      const taps = tapSpecs(args.tap ?? []);
      if (taps.length === 0 && (args.pcap !== undefined || args['tap-filter'] !== undefined)) throw new UsageError('--pcap and --tap-filter go with --tap PLACE:IFACE');
      const tapped = taps.length > 0 ? await runWithTaps(backend, args, pipeline.command, taps) : undefined;
      const ran = tapped?.result ?? await backend.run(args.place, pipeline.command);
      const filtered = pipeline.filters.length === 0 ? ran : { ...ran, ...runFilters(ran.stdout, pipeline.filters) };
      const result = tapped ? (await import('../../lab/tapped-text.js')).withTapText({ ...tapped, result: filtered }, args['tap-filter'] ?? '') : filtered;
      if (args.svg) await writePathSvg(args.svg, lab, args.place, result.traces);
      if (args.json) {
        write(`${resultJson(result)}\n`);
        process.exitCode = result.exitCode;
        return;
      }
      printResult(result);
      if (args.explain) write(await explanation(result.traces));
    } finally {
      if (args.backend === 'sim') await backend.down();
    }
  },
};

/** `--tap node-1:eth1,netshoot:eth0` (repeatable): place and interface, split at the last colon. */
function tapSpecs(values: readonly string[]): TapSpec[] {
  return values.flatMap((v) => v.split(',')).filter((v) => v !== '').map((v) => {
    const at = v.lastIndexOf(':');
    if (at <= 0 || at === v.length - 1) throw new UsageError(`--tap ${v}: expected PLACE:IFACE, e.g. node-1:eth1 or netshoot:any`);
    return { place: v.slice(0, at), iface: v.slice(at + 1) };
  });
}

/** Runs the command with the taps listening (through the backend) and writes --pcap where the user said. */
async function runWithTaps(backend: Backend, args: ExecArgs, command: string, taps: readonly TapSpec[]): Promise<TappedResult> {
  if (!backend.runTapped) throw new UsageError(`--tap: the ${backend.name} backend cannot capture`);
  const tapped = await backend.runTapped(args.place, command, taps, args['tap-filter'] ?? '');
  if (args.pcap !== undefined) {
    if (!tapped.pcap) throw new UsageError(`--pcap: the ${backend.name} backend did not produce a capture file`);
    writeOutputFile(args.pcap, tapped.pcap);
  }
  return tapped;
}

/**
 * The command line to run and the filters after its `|` words (the training shell's pipes). A command given as one
 * word with spaces (`exec node-1 -- "ip route"`) is refused: no program is called "ip route".
 */
function commandPipeline(place: string, words: readonly string[]): { command: string; filters: Filter[] } {
  if (words.length === 0) throw new UsageError('exec needs a command after the place, e.g. `tracelab exec node-1 -- ip route`');
  if (words.length === 1 && /\s/.test(words[0]!.trim())) {
    throw new UsageError(`the command is one word; did you mean: ${words[0]!.trim()}? (tracelab exec ${place} -- ${words[0]!.trim()}, without the quotes)`);
  }
  const split = splitPipeline(words);
  if (!split.ok) throw new UsageError(`exec: ${split.error}`);
  const [command, ...after] = split.stages as [string[], ...string[][]];
  const filters = after.map((stage) => {
    const f = findFilter(stage);
    if (!f.ok) throw new UsageError(`exec: ${f.stderr.trimEnd()}`);
    return f.filter;
  });
  return { command: command.map(quoteWord).join(' '), filters };
}

/** Keys whose numbers are IPv4 addresses: trace records' `ip`/`from`, L4 results' `dst`, `address` and DNS `server`. */
const ADDRESS_KEYS: ReadonlySet<string> = new Set(['ip', 'from', 'dst', 'address', 'server']);

/** The result as JSON, addresses as dotted quads rather than the model's integers. */
export function resultJson(result: CommandResult): string {
  return JSON.stringify(result, (key, v: unknown) => (ADDRESS_KEYS.has(key) && typeof v === 'number' ? formatIp(v) : v), 2);
}

/** `--explain`: the trace records' decisions hop by hop (the renderer is loaded only for it). */
async function explanation(traces: CommandResult['traces']): Promise<string> {
  if (!traces?.length) return '\nexplain: this command produced no trace record\n';
  const { explainTraces } = await import('../explain.js');
  return `\n${forTerminal(explainTraces(traces))}`;
}

/** `--svg FILE`: the lab with the last trace's path; without a trace record, the lab alone and a note on stderr. */
async function writePathSvg(file: string, lab: LabModel, place: string, traces: CommandResult['traces']): Promise<void> {
  const { renderLabSvg } = await import('../../topology/svg/svg.js');
  const where = resolvePlace(lab, place);
  const trace = traces?.[traces.length - 1];
  writeOutputFile(file, renderLabSvg(lab, trace && where.ok ? { path: { trace, from: where.device.id } } : {}));
  if (!trace) writeErr(`tracelab: --svg: this command produced no trace record; ${file} shows the lab without a path\n`);
}
