// `tracelab topo show|graph`: the lab's devices, addresses and routes, or its graph as dot, mermaid or svg.
import type { Argv, CommandModule } from 'yargs';
import { describeLab as describeLabText, labJson, type IpRoute, type ShowOptions } from '../../topology/describe.js';
import { toDot, toMermaid } from '../../topology/graph.js';
import { renderLabSvg } from '../../topology/svg/svg.js';
import type { LabModel } from '../../topology/model.js';
import { Simulator } from '../../sim/simulator.js';
import { labFromArgs, withLabOptions, write, type LabOptions } from '../common.js';

/** `topo show` on the simulator's routes (demo shows the lab it runs on). */
export function describeLab(lab: LabModel, sim = new Simulator(lab), opts: ShowOptions = {}): string {
  return describeLabText(lab, ipRouteOn(sim), opts);
}

const ipRouteOn = (sim: Simulator): IpRoute => (node) => sim.run(node, 'ip route').stdout;

interface GraphArgs extends LabOptions {
  readonly format: string;
  readonly node?: string;
}

export const topoCommand: CommandModule = {
  command: 'topo <action>',
  describe: 'Show the lab model: `topo show` (devices, addresses, routes) or `topo graph --format dot|mermaid|svg`',
  builder: (y: Argv) =>
    withLabOptions(y)
      .positional('action', { choices: ['show', 'graph'], demandOption: true, describe: 'show or graph' })
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
