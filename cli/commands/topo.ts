// `tracelab topo show|graph`: the lab's devices, addresses and routes, or its graph as dot, mermaid or svg.
import type { Argv, CommandModule } from 'yargs';
import { COMMAND_LINES } from './lines.js';
import { formatCidr, formatIfAddr, formatIp } from '../../topology/address.js';
import { toDot, toMermaid } from '../../topology/graph.js';
import { renderLabSvg } from '../../topology/svg/svg.js';
import type { LabModel } from '../../topology/model.js';
import { Simulator } from '../../sim/simulator.js';
import { forTerminal, forTerminalLine } from '../../lab/io/terminal-text.js';
import { labFromArgs, write } from '../common.js';
import { jsonNotFor, withAction, withLabOptions, type LabOptions } from '../options.js';

/** The lab as a table of devices and services, then `ip route` of every node as iproute2 prints it. */
export function describeLab(lab: LabModel, sim = new Simulator(lab)): string {
  const c = lab.cluster;
  const lines = [
    `lab ${forTerminalLine(lab.name)}: ${forTerminalLine(lab.description)}`,
    `cluster network ${formatCidr(c.network)}, services ${formatCidr(c.serviceNetwork)}, Flannel ${c.flannelBackend} ${c.flannelIface ? `--iface=${c.flannelIface}` : '(no --iface: default-route interface)'}`,
    `host-only ${formatCidr(lab.hostOnly.network)} (host ${formatIp(lab.hostOnly.hostIp)}), NAT ${formatCidr(lab.nat.network)} (gateway ${formatIp(lab.nat.gatewayIp)})`,
    '',
  ];
  const rows = lab.devices.map((d) => [
    d.id, d.kind, d.node ?? '-', d.image ?? '-',
    d.interfaces.filter((i) => i.kind !== 'loopback' && i.addrs.length > 0).map((i) => `${i.name} ${i.addrs.map(formatIfAddr).join(' ')}`).join(', '),
  ]);
  lines.push(...table(['DEVICE', 'KIND', 'NODE', 'IMAGE', 'ADDRESSES'], rows), '');
  if (lab.services.length > 0) {
    const svc = lab.services.map((s) => [
      `${s.namespace}/${s.name}`, formatIp(s.ip), s.ports.map((p) => `${p.protocol}/${p.port}->${p.targetPort}`).join(' '), s.endpoints.join(', ') || '(no endpoints)',
    ]);
    lines.push(...table(['SERVICE', 'CLUSTER-IP', 'PORTS', 'ENDPOINTS'], svc), '');
  }
  for (const d of lab.devices.filter((x) => x.kind === 'node')) {
    lines.push(`[${d.id}]$ ip route`);
    const r = sim.run(d.id, 'ip route');
    // iproute2's bytes as they are (each route line ends with a space), without the final newline.
    lines.push(r.stdout.replace(/\n$/, ''), '');
  }
  return `${lines.join('\n').replace(/\n+$/, '')}\n`;
}

export function labJson(lab: LabModel, sim = new Simulator(lab)): unknown {
  return {
    name: lab.name,
    source: lab.source,
    cluster: { network: formatCidr(lab.cluster.network), serviceNetwork: formatCidr(lab.cluster.serviceNetwork), flannelIface: lab.cluster.flannelIface ?? null, joinOrder: lab.cluster.joinOrder },
    devices: lab.devices.map((d) => ({
      id: d.id, kind: d.kind, node: d.node, image: d.image,
      interfaces: d.interfaces.map((i) => ({ name: i.name, kind: i.kind, mtu: i.mtu, mac: i.mac, addrs: i.addrs.map(formatIfAddr), segment: i.segment })),
      routes: d.kind === 'node' ? sim.run(d.id, 'ip route').stdout.split('\n').filter(Boolean) : undefined,
    })),
    services: lab.services.map((s) => ({ ...s, ip: formatIp(s.ip) })),
  };
}

function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]! + 2))).join('');
  return [line(header), ...rows.map(line)];
}

interface GraphArgs extends LabOptions {
  readonly format: string;
}

export const topoCommand: CommandModule = {
  ...COMMAND_LINES.topo,
  builder: (y: Argv) =>
    withAction(withLabOptions(y), 'topo', ['show', 'graph'], 'show or graph')
      .check(jsonNotFor((a) => a.action === 'graph', 'topo graph prints dot, mermaid or svg; `topo show --json` prints the model as data'))
      .option('format', { choices: ['dot', 'mermaid', 'svg'], default: 'dot', describe: 'graph format (svg: a picture of the lab for a browser)' })
      .example('$0 topo show', 'devices, addresses and `ip route` of each node of the default lab')
      .example('$0 topo graph --format mermaid', 'the links as a mermaid diagram')
      .example('$0 topo graph --format svg > lab.svg', 'a picture of nodes, bridges, pods, NAT engines and the host-only network'),
  handler: (raw) => {
    const args = raw as unknown as GraphArgs & { action: string };
    const lab = labFromArgs(args);
    if (args.action === 'show') write(args.json ? `${JSON.stringify(labJson(lab), null, 2)}\n` : forTerminal(describeLab(lab)));
    else write(forTerminal(args.format === 'svg' ? renderLabSvg(lab) : args.format === 'mermaid' ? toMermaid(lab) : toDot(lab)));
  },
};
