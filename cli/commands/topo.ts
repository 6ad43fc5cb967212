// `tracelab topo show|graph`: the lab's devices, addresses and routes, or its graph as dot, mermaid or svg.
import type { Argv, CommandModule } from 'yargs';
import { describeLab as describeLabText, labJson, type IpRoute, type ShowOptions } from '../../topology/describe.js';
import { COMMAND_LINES } from './lines.js';
import { toDot, toMermaid } from '../../topology/graph.js';
import { renderLabSvg } from '../../topology/svg/svg.js';
import type { LabModel } from '../../topology/model.js';
import { Simulator } from '../../sim/simulator.js';
import { forTerminal } from '../../lab/io/terminal-text.js';
import { labFromArgs, write } from '../common.js';
import { jsonNotFor, withAction, withLabOptions, type LabOptions } from '../options.js';

/** `topo show` on the simulator's routes (demo shows the lab it runs on), control characters of the lab's texts made visible. */
export function describeLab(lab: LabModel, sim = new Simulator(lab), opts: ShowOptions = {}): string {
  return forTerminal(describeLabText(lab, ipRouteOn(sim), opts));
}

const ipRouteOn = (sim: Simulator): IpRoute => (node) => sim.run(node, 'ip route').stdout;

interface GraphArgs extends LabOptions {
  readonly format: string;
  readonly node?: string;
}

export const topoCommand: CommandModule = {
  ...COMMAND_LINES.topo,
  builder: (y: Argv) =>
    withAction(withLabOptions(y), 'topo', ['show', 'graph'], 'show or graph')
      .check(jsonNotFor((a) => a.action === 'graph', 'topo graph prints dot, mermaid or svg; `topo show --json` prints the model as data'))
      .option('format', { choices: ['dot', 'mermaid', 'svg'], default: 'dot', describe: 'graph format (svg: a picture of the lab for a browser)' })
      .option('node', { type: 'string', describe: 'show: only this node (its pods, NAT engine and routes)' })
      .example('$0 topo show', 'devices, addresses and `ip route` of each node of the default lab')
      .example('$0 topo show --node node-1', 'node-1, its pods and NAT engine, and its routes')
      .example('$0 topo graph --format mermaid', 'the links as a mermaid diagram')
      .example('$0 topo graph --format svg > lab.svg', 'a picture of nodes, bridges, pods, NAT engines and the host-only network'),
  handler: (raw) => {
    const args = raw as unknown as GraphArgs & { action: string };
    const lab = labFromArgs(args);
    if (args.action === 'show') {
      const sim = new Simulator(lab);
      const opts = args.node === undefined ? {} : { node: args.node };
      write(args.json ? `${JSON.stringify(labJson(lab, ipRouteOn(sim), opts), null, 2)}\n` : describeLab(lab, sim, opts));
    }
    else write(args.format === 'svg' ? renderLabSvg(lab) : args.format === 'mermaid' ? toMermaid(lab) : toDot(lab));
  },
};
