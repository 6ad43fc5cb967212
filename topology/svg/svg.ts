// The lab as an SVG picture (nodes with their interfaces, cni0 bridges and pods, NAT engines, the host-only network,
// the host, external hosts, services), optionally with a probe's path drawn on it: hops numbered, the failing hop
// marked. Pure and deterministic: a string from the model (and a trace record).
import type { TraceRecord } from '../trace.js';
import type { LabModel } from '../model.js';
import { layoutLab, type Attachment, type Box, type DeviceBox, type LabLayout, type Point } from './svg-layout.js';
import { pathOf, type DrawnPath } from './svg-path.js';

export interface SvgOptions {
  /**
   * A probe to draw: its trace record and the device it ran on. `cause: false` leaves out of the caption what stopped
   * the probe (the disposition and the route, rule or sysctl); it still shows where (the training shell, before `solution`).
   */
  readonly path?: { readonly trace: TraceRecord; readonly from: string; readonly cause?: boolean };
}

const SANS = 'DejaVu Sans, Helvetica, Arial, sans-serif';
const MONO = 'DejaVu Sans Mono, Menlo, Consolas, monospace';
const PATH_COLOUR = '#7048e8';
const FAIL_COLOUR = '#e03131';
const REACHED_COLOUR = '#2b8a3e';

const STYLE: Readonly<Record<string, { fill: string; stroke: string; rx: number }>> = {
  node: { fill: '#edf2ff', stroke: '#364fc7', rx: 6 },
  pod: { fill: '#ebfbee', stroke: '#2f9e44', rx: 14 },
  nat: { fill: '#fff9db', stroke: '#e67700', rx: 4 },
  host: { fill: '#f1f3f5', stroke: '#495057', rx: 6 },
  external: { fill: '#e3fafc', stroke: '#0c8599', rx: 6 },
};

export function xml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const n = (v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(1));
const pts = (points: readonly Point[]) => points.map((p) => `${n(p.x)},${n(p.y)}`).join(' ');

function text(at: Point, content: string, attrs: string): string {
  return `<text x="${n(at.x)}" y="${n(at.y)}" ${attrs}>${xml(content)}</text>`;
}

function rect(b: Box, fill: string, stroke: string, rx: number, strokeWidth = 1.5, extra = ''): string {
  return `<rect x="${n(b.x)}" y="${n(b.y)}" width="${n(b.w)}" height="${n(b.h)}" rx="${rx}" fill="${fill}" stroke="${stroke}" stroke-width="${strokeWidth}"${extra}/>`;
}

function deviceBox(d: DeviceBox, onPath: boolean): string {
  const s = STYLE[d.device.kind] ?? STYLE.host!;
  const out = [`<g class="device ${d.device.kind}" data-device="${xml(d.device.id)}">`];
  out.push(rect(d, s.fill, onPath ? PATH_COLOUR : s.stroke, s.rx, onPath ? 3 : 1.5));
  const big = d.device.kind === 'node';
  const first = { x: d.x + 12, y: d.y + (big ? 24 : 19) };
  out.push(text(first, d.lines[0] ?? '', `font-family="${SANS}" font-size="${big ? 17 : 14}" font-weight="bold" fill="#212529"`));
  d.lines.slice(1).forEach((line, i) => {
    out.push(text({ x: d.x + 12, y: first.y + (big ? 20 : 18) * (i + 1) }, line, `font-family="${MONO}" font-size="12" fill="#343a40"`));
  });
  out.push('</g>');
  return out.join('');
}

function attachmentLines(a: Attachment): string[] {
  const out = [`<polyline points="${pts(a.points)}" fill="none" stroke="#868e96" stroke-width="2"/>`];
  if (a.label) {
    a.label.lines.forEach((line, i) => {
      out.push(text({ x: a.label!.at.x, y: a.label!.at.y + i * 15 }, line, `font-family="${MONO}" font-size="12" fill="#495057" text-anchor="${a.label!.anchor}"`));
    });
  }
  return out;
}

/** The points of a path through the drawing: out of each device's port, along its segment, into the next one. */
function pathPoints(layout: LabLayout, path: DrawnPath): Point[] {
  const centre = (id: string): Point | undefined => {
    const b = layout.devices.get(id);
    return b ? { x: b.x + b.w / 2, y: b.y + b.h / 2 } : undefined;
  };
  const points: Point[] = [];
  const start = centre(path.legs[0]?.device ?? path.from);
  if (start) points.push(start);
  path.legs.forEach((leg, i) => {
    if (i > 0 && leg.in) points.push(...[...(layout.attachments.get(`${leg.device}:${leg.in}`)?.points ?? [])].reverse());
    if (leg.out) points.push(...(layout.attachments.get(`${leg.device}:${leg.out}`)?.points ?? []));
  });
  const last = path.legs[path.legs.length - 1];
  if (last && !last.out && path.legs.length > 1) {
    const end = centre(last.device);
    if (end) points.push(end);
  }
  return points.filter((p, i) => i === 0 || p.x !== points[i - 1]!.x || p.y !== points[i - 1]!.y);
}

function badge(at: Point, label: string, colour: string): string {
  return `<g class="hop"><circle cx="${n(at.x)}" cy="${n(at.y)}" r="12" fill="${colour}" stroke="#fff" stroke-width="2"/>${text({ x: at.x, y: at.y + 4.5 }, label, `font-family="${SANS}" font-size="13" font-weight="bold" fill="#fff" text-anchor="middle"`)}</g>`;
}

function hopRange(first: number, last: number): string {
  return first === last ? `hop ${first}` : `hops ${first}–${last}`;
}

function pathOverlay(layout: LabLayout, path: DrawnPath, cause = true): { under: string[]; over: string[]; caption: string[] } {
  const under = [`<polyline class="path" points="${pts(pathPoints(layout, path))}" fill="none" stroke="${PATH_COLOUR}" stroke-width="6" stroke-opacity="0.75" stroke-linejoin="round" stroke-linecap="round"/>`];
  const failure = path.failure;
  // Marks per device in hop order: numbered badges, then the failure pill; laid out left to right ending at the
  // box's top-right corner.
  const marks = new Map<string, { label: string; colour: string; failure: boolean }[]>();
  const add = (device: string, mark: { label: string; colour: string; failure: boolean }) => marks.set(device, [...(marks.get(device) ?? []), mark]);
  for (const h of path.hops) {
    if (h.status === 'lost' || (failure && h.ttl >= failure.firstTtl && h.ttl <= failure.lastTtl && h.device === failure.device)) continue;
    add(h.device, { label: String(h.ttl), colour: h.status === 'reached' ? REACHED_COLOUR : h.status === 'error' ? FAIL_COLOUR : PATH_COLOUR, failure: false });
  }
  if (failure) add(failure.device, { label: `✗ ${failure.firstTtl === failure.lastTtl ? failure.firstTtl : `${failure.firstTtl}–${failure.lastTtl}`}`, colour: FAIL_COLOUR, failure: true });
  const over: string[] = [];
  for (const [device, list] of marks) {
    const b = layout.devices.get(device);
    if (!b) continue;
    const widths = list.map((m) => (m.failure ? 18 + m.label.length * 8 : 24));
    let x = b.x + b.w - 2 - widths.reduce((a, w) => a + w + 4, -4);
    list.forEach((m, i) => {
      const w = widths[i]!;
      if (!m.failure) over.push(badge({ x: x + w / 2, y: b.y }, m.label, m.colour));
      else {
        const pill = { x, y: b.y - 12, w, h: 24 };
        over.push(`<g class="failure" data-device="${xml(device)}">${rect(pill, FAIL_COLOUR, '#fff', 12, 2)}`
          + `${text({ x: pill.x + w / 2, y: pill.y + 17 }, m.label, `font-family="${SANS}" font-size="14" font-weight="bold" fill="#fff" text-anchor="middle"`)}</g>`);
      }
      x += w + 4;
    });
  }
  const seq = path.hops
    .filter((h, i, all) => !(failure && h.ttl > failure.firstTtl && h.ttl <= failure.lastTtl && all[i - 1]?.device === h.device))
    .map((h) => {
      const what = h.address ? `${h.address}${h.note ? ` ${h.note}` : ''}` : '*';
      return failure && h.ttl === failure.firstTtl && failure.lastTtl > failure.firstTtl ? `${failure.firstTtl}–${failure.lastTtl} ${what}` : `${h.ttl} ${what}`;
    });
  const verdict = path.reached ? 'reached' : 'not reached';
  const caption = [`${path.tool} to ${path.target} from ${path.from}:  ${seq.join('  →  ')}  (${verdict})`];
  if (failure && !cause) caption.push(`✗ ${hopRange(failure.firstTtl, failure.lastTtl)}: the probe stops at ${failure.device}`);
  else if (failure) caption.push(`✗ ${hopRange(failure.firstTtl, failure.lastTtl)}: ${failure.disposition} at ${failure.device}${failure.decision ? ` — ${failure.decision}` : ''}`);
  else if (path.loop) caption.push(`✗ routing loop: ${path.loop.join(' → ')} → … until the TTL runs out`);
  else if (!path.reached) caption.push(`✗ not reached within ${path.hops[path.hops.length - 1]?.ttl ?? 0} hops`);
  else if (path.dnat) caption.push(`${path.dnat.device}: ${path.dnat.decision}`);
  return { under, over, caption };
}

/** The whole picture. */
export function renderLabSvg(lab: LabModel, opts: SvgOptions = {}): string {
  const layout = layoutLab(lab);
  const path = opts.path ? pathOf(opts.path.trace, opts.path.from) : undefined;
  const onPath = new Set(path?.legs.map((l) => l.device) ?? []);
  const overlay = path ? pathOverlay(layout, path, opts.path?.cause ?? true) : undefined;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${layout.width}" height="${layout.height}" viewBox="0 0 ${layout.width} ${layout.height}">`,
    `<title>${xml(layout.title)}</title>`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    text({ x: 30, y: 32 }, layout.title, `font-family="${SANS}" font-size="20" font-weight="bold" fill="#212529"`),
    text({ x: 30, y: 52 }, layout.subtitle, `font-family="${MONO}" font-size="12" fill="#495057"`),
  ];
  for (const s of layout.segments) {
    const width = s.kind === 'bus' ? 5 : s.kind === 'trunk' ? 3 : 2;
    const colour = s.kind === 'trunk' ? '#2f9e44' : '#495057';
    out.push(`<line class="segment" data-segment="${xml(s.id)}" x1="${n(s.from.x)}" y1="${n(s.from.y)}" x2="${n(s.to.x)}" y2="${n(s.to.y)}" stroke="${colour}" stroke-width="${width}" stroke-linecap="round"/>`);
    if (s.label && s.labelAt) out.push(text(s.labelAt, s.label, `font-family="${SANS}" font-size="13" font-style="italic" fill="#343a40"`));
  }
  for (const a of layout.attachments.values()) out.push(...attachmentLines(a));
  if (overlay) out.push(...overlay.under);
  for (const d of layout.devices.values()) out.push(deviceBox(d, onPath.has(d.device.id)));
  for (const [node, b] of layout.bridges) {
    out.push(`<g class="bridge" data-node="${xml(node)}">${rect(b, '#d3f9d8', '#2f9e44', 4, onPath.has(node) ? 2 : 1.5)}${text({ x: b.x + 10, y: b.y + 22 }, b.label, `font-family="${MONO}" font-size="12" fill="#1b4332"`)}</g>`);
  }
  for (const note of layout.notes) {
    out.push(text(note.at, note.text, `font-family="${note.small ? MONO : SANS}" font-size="${note.small ? 12 : 13}" fill="#343a40"${note.small ? '' : ' font-weight="bold"'}`));
  }
  if (overlay) {
    out.push(...overlay.over);
    // Two caption lines fit above the drawing; long ones are cut to the picture's width (about 7.9 px a character).
    const fits = Math.floor((layout.width - 2 * layout.captionAt.x) / 7.9);
    overlay.caption.map((line) => (line.length > fits ? `${line.slice(0, fits - 1)}…` : line)).forEach((line, i) => {
      out.push(text({ x: layout.captionAt.x, y: layout.captionAt.y + i * 18 }, line, `class="caption" font-family="${MONO}" font-size="13" font-weight="bold" fill="${line.startsWith('✗') ? FAIL_COLOUR : PATH_COLOUR}"`));
    });
  }
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
