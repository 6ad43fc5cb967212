// mtr 0.95's end-of-run outputs: --report/--report-wide fixed columns, --json (jansson), --csv and --xml, as report.c prints them.
import type { HopFigures } from './mtr-stats.js';

/** One shown hop: its 0-based index, the printed host (`???` when silent) and its figures. */
export interface HopRow {
  readonly at: number;
  readonly name: string;
  readonly figures: HopFigures;
}

/** What every format needs to know about the run. */
export interface RunInfo {
  readonly localHostname: string;
  /** The target as typed (`ctl->Hostname`). */
  readonly target: string;
  readonly tos: number;
  readonly cycles: number;
  readonly packetSize: number;
  readonly bitpattern: number;
  /** Start of the run, ms since the epoch. */
  readonly startMs: number;
  readonly wide: boolean;
}

/** The default fields (`LS NABWV`): title, printf format width, and the value (usec or count) they show. */
const FIELDS: readonly { title: string; width: number; real: boolean; value: (f: HopFigures) => number }[] = [
  { title: 'Loss%', width: 6, real: true, value: (f) => f.loss },
  { title: 'Snt', width: 6, real: false, value: (f) => f.xmit },
  { title: ' ', width: 1, real: false, value: (f) => f.drop },
  { title: 'Last', width: 6, real: true, value: (f) => f.last },
  { title: 'Avg', width: 6, real: true, value: (f) => f.avg },
  { title: 'Best', width: 6, real: true, value: (f) => f.best },
  { title: 'Wrst', width: 6, real: true, value: (f) => f.worst },
  { title: 'StDev', width: 6, real: true, value: (f) => f.stdev },
];

/** printf("%.Nf") with glibc's ties-to-even on the binary value. */
export function fixed(value: number, digits: number): string {
  const scale = 10 ** digits;
  const scaled = value * scale;
  const floor = Math.floor(scaled);
  const rounded = scaled - floor === 0.5 ? (floor % 2 === 0 ? floor : floor + 1) : Math.round(scaled);
  return (rounded / scale).toFixed(digits);
}

/** A field as the report and XML print it (`data_fields[j].format`). */
function cell(field: (typeof FIELDS)[number], f: HopFigures): string {
  const v = field.value(f);
  if (field.title === ' ') return ' ';
  if (field.title === 'Loss%') return ` ${fixed(v / 1000, 1).padStart(4)}%`;
  return field.real ? ` ${fixed(v / 1000, 1).padStart(5)}` : ` ${String(v).padStart(5)}`;
}

/** report_close(): the header and one line per hop; in the narrow report fields start at column 33 whatever came before. */
export function reportText(info: RunInfo, rows: readonly HopRow[]): string {
  let lenHosts = 33;
  if (info.wide) lenHosts = Math.max(info.localHostname.length, ...rows.map((r) => r.name.length));
  const columns = (start: string, cells: readonly { text: string; width: number }[]): string => {
    let buf = start;
    let len = info.wide ? buf.length : lenHosts;
    for (const c of cells) {
      buf = buf.slice(0, len) + c.text;
      len += c.width;
    }
    return `${buf}\n`;
  };
  let text = columns(`HOST: ${info.localHostname.padEnd(lenHosts)}`, FIELDS.map((f) => ({ text: f.title.padStart(f.width), width: f.width })));
  for (const r of rows) {
    text += columns(` ${String(r.at + 1).padStart(2)}.|-- ${r.name.padEnd(lenHosts)}`, FIELDS.map((f) => ({ text: cell(f, r.figures), width: f.width })));
  }
  return text;
}

/** jansson's real: `%.5g`, with `.0` added when that looks like an integer. */
function jsonReal(value: number): string {
  const text = String(Number(value.toPrecision(5)));
  return /[.e]/.test(text) ? text : `${text}.0`;
}

function bitpatternText(info: RunInfo): string {
  return `0x${(info.bitpattern & 0xff).toString(16).toUpperCase().padStart(2, '0')}`;
}

/** json_close(): jansson with JSON_INDENT(4) and JSON_REAL_PRECISION(5), then a newline. */
export function jsonText(info: RunInfo, rows: readonly HopRow[]): string {
  const i = (n: number) => ' '.repeat(4 * n);
  const hub = (r: HopRow) => {
    const fields = FIELDS.filter((f) => f.title !== ' ').map((f) => `${i(4)}${JSON.stringify(f.title)}: ${f.real ? jsonReal(f.value(r.figures) / 1000) : f.value(r.figures)}`);
    return `${i(3)}{\n${i(4)}"count": ${r.at + 1},\n${i(4)}"host": ${JSON.stringify(r.name)},\n${fields.join(',\n')}\n${i(3)}}`;
  };
  const hubs = rows.length === 0 ? '[]' : `[\n${rows.map(hub).join(',\n')}\n${i(2)}]`;
  return (
    `{\n${i(1)}"report": {\n${i(2)}"mtr": {\n` +
    `${i(3)}"src": ${JSON.stringify(info.localHostname)},\n${i(3)}"dst": ${JSON.stringify(info.target)},\n` +
    `${i(3)}"tos": ${info.tos},\n${i(3)}"tests": ${info.cycles},\n${i(3)}"psize": "${info.packetSize}",\n` +
    `${i(3)}"bitpattern": "${bitpatternText(info)}"\n${i(2)}},\n${i(2)}"hubs": ${hubs}\n${i(1)}}\n}\n`
  );
}

/** csv_close(): a header before the first hop, then `MTR.0.95,START,OK,...` with %.2f reals. */
export function csvText(info: RunInfo, rows: readonly HopRow[]): string {
  let text = '';
  for (const [k, r] of rows.entries()) {
    if (k === 0) text += `Mtr_Version,Start_Time,Status,Host,Hop,Ip,${FIELDS.map((f) => `${f.title},`).join('')}\n`;
    text += `MTR.0.95,${Math.floor(info.startMs / 1000)},OK,${info.target},${r.at + 1},${r.name}`;
    text += FIELDS.map((f) => `,${f.real ? fixed(f.value(r.figures) / 1000, 2) : f.value(r.figures)}`).join('');
    text += '\n';
  }
  return text;
}

/** xml_close(): the report's field formats inside tags (`Loss%` becomes `Loss`). */
export function xmlText(info: RunInfo, rows: readonly HopRow[]): string {
  let text = `<?xml version="1.0"?>\n<MTR SRC="${info.localHostname}" DST="${info.target}" TOS="0x${info.tos.toString(16).toUpperCase()}"`;
  text += ` PSIZE="${info.packetSize}" BITPATTERN="${bitpatternText(info)}" TESTS="${info.cycles}">\n`;
  for (const r of rows) {
    text += `    <HUB COUNT="${r.at + 1}" HOST="${r.name}">\n`;
    for (const f of FIELDS) {
      if (f.title === ' ') continue;
      const tag = f.title === 'Loss%' ? 'Loss' : f.title;
      text += `        <${tag}>${cell(f, r.figures)}</${tag}>\n`;
    }
    text += '    </HUB>\n';
  }
  return `${text}</MTR>\n`;
}
