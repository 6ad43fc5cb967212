// The lab's links as a graphology graph (devices and L2 segments as vertices), and its dot and mermaid renderings.
import { createRequire } from 'node:module';
import type { UndirectedGraph } from 'graphology';
import { formatIfAddr } from './address.js';
import type { LabModel } from './model.js';

export interface VertexAttributes {
  readonly kind: 'node' | 'pod' | 'host' | 'nat' | 'external' | 'segment';
  readonly label: string;
  /** Pods and NAT engines: the node they belong to. */
  readonly node?: string;
}

export interface EdgeAttributes {
  readonly iface: string;
  readonly addrs: readonly string[];
}

/** graphology's graph class, loaded when a graph is first built (compiling or simulating a lab builds none). */
function undirectedGraph(): typeof UndirectedGraph {
  return (createRequire(import.meta.url)('graphology') as { UndirectedGraph: typeof UndirectedGraph }).UndirectedGraph;
}

/** Device vertices are keyed by device id, segment vertices by `seg:<id>`; one edge per attached interface. */
export function buildLabGraph(lab: LabModel): UndirectedGraph<VertexAttributes, EdgeAttributes> {
  const Graph = undirectedGraph();
  const g = new Graph<VertexAttributes, EdgeAttributes>();
  for (const s of lab.segments) g.addNode(`seg:${s.id}`, { kind: 'segment', label: segmentLabel(lab, s.id) });
  for (const d of lab.devices) {
    g.addNode(d.id, { kind: d.kind, label: d.id, node: d.node });
    for (const i of d.interfaces) {
      if (!i.segment) continue;
      g.addEdgeWithKey(`${d.id}:${i.name}`, d.id, `seg:${i.segment}`, { iface: i.name, addrs: i.addrs.map(formatIfAddr) });
    }
  }
  return g;
}

function segmentLabel(lab: LabModel, id: string): string {
  if (id === 'host-only') return `host-only ${formatIfAddr({ ip: lab.hostOnly.network.addr, len: lab.hostOnly.network.len })}`;
  if (id === 'wan') return 'wan (outside the NAT)';
  const [node, what] = id.split(':');
  return what === 'cni0' ? `${node} cni0` : `${node} NAT`;
}

const dotId = (s: string) => `"${s.replace(/"/g, '\\"')}"`;

export function toDot(lab: LabModel): string {
  const g = lab.graph();
  const shape: Record<string, string> = { node: 'box3d', pod: 'ellipse', host: 'house', nat: 'octagon', external: 'doubleoctagon', segment: 'point' };
  const lines = [`graph ${dotId(lab.name)} {`, '  graph [rankdir=LR, fontname="monospace"];', '  node [fontname="monospace"];'];
  g.forEachNode((key, a) => {
    const attrs = a.kind === 'segment' ? `shape=box, style=rounded, label=${dotId(a.label)}` : `shape=${shape[a.kind]}, label=${dotId(a.label)}`;
    lines.push(`  ${dotId(key)} [${attrs}];`);
  });
  g.forEachEdge((_k, a, source, target) => {
    lines.push(`  ${dotId(source)} -- ${dotId(target)} [label=${dotId(`${a.iface} ${a.addrs.join(' ')}`.trim())}];`);
  });
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

const mermaidId = (s: string) => s.replace(/[^A-Za-z0-9_]/g, '_');

export function toMermaid(lab: LabModel): string {
  const g = lab.graph();
  const lines = ['graph LR'];
  g.forEachNode((key, a) => {
    const text = a.label.replace(/"/g, "'");
    const shape = a.kind === 'segment' ? `(["${text}"])` : a.kind === 'pod' ? `("${text}")` : `["${text}"]`;
    lines.push(`  ${mermaidId(key)}${shape}`);
  });
  g.forEachEdge((_k, a, source, target) => {
    const label = `${a.iface} ${a.addrs.join(' ')}`.trim();
    lines.push(`  ${mermaidId(source)} ---|"${label}"| ${mermaidId(target)}`);
  });
  return `${lines.join('\n')}\n`;
}
