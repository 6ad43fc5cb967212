// The training shell's `diagram`: the lab as an SVG file, with the path of the trainee's last probe drawn on it.
import type { LabModel } from '../../topology/model.js';
import type { TraceRecord } from '../../topology/trace.js';
import { renderLabSvg, type SvgOptions } from '../../topology/svg/svg.js';
import { writeOutputFile } from '../io/output-file.js';

/** Writes FILE and says what it holds (PROBE: the last probe's trace; SIM: paths come from the simulator's records). */
export function writeDiagram(file: string, lab: LabModel, probe: TraceRecord | undefined, path: SvgOptions['path'], sim: boolean): string {
  writeOutputFile(file, renderLabSvg(lab, path ? { path } : {}));
  const what = probe
    ? `the lab and the path of your last probe (${probe.tool} to ${probe.target.name})`
    : sim ? 'the lab (run a traceroute first to see its path drawn on it)' : 'the lab (paths are drawn from the simulator\'s trace records only)';
  return `diagram: ${what} written to ${file}\n`;
}
