// Renders trace records' decisions hop by hop for `--explain`: which route, rule or sysctl decided, at which device.
import { formatIp } from '../topology/address.js';
import type { ProbeResult, Step, TraceRecord } from '../topology/trace.js';

function probeSummary(p: ProbeResult): string {
  const reply = p.reply ? `${p.reply.kind}${p.reply.code !== undefined ? ` code ${p.reply.code}` : ''} from ${formatIp(p.reply.from)}` : 'no reply (*)';
  return `${p.disposition} at ${p.at}; ${reply}`;
}

function stepLine(s: Step): string {
  const ifs = s.in || s.out ? ` [${s.in ? `in ${s.in}` : ''}${s.in && s.out ? ', ' : ''}${s.out ? `out ${s.out}` : ''}]` : '';
  return `    ${s.direction === 'out' ? '->' : '<-'} ${s.device}${ifs}: ${s.decision}`;
}

const sameStep = (a: Step, b: Step) => a.direction === b.direction && a.device === b.device && a.in === b.in && a.out === b.out && a.decision === b.decision;

/**
 * The lines of one probe. Forward steps it shares with the probe shown before it (the same path up to the previous
 * TTL) are folded into one line naming that hop, so each hop shows what is new: the device and decision that ended it.
 */
function probeLines(label: string, p: ProbeResult, previous?: { label: string; probe: ProbeResult }): string[] {
  const out = [`${label}: ${probeSummary(p)}`];
  let shared = 0;
  if (previous) {
    const before = previous.probe.steps.filter((s) => s.direction === 'out');
    while (shared < before.length && shared < p.steps.length && sameStep(before[shared]!, p.steps[shared]!)) shared++;
    if (shared > 0) out.push(`    .. as ${previous.label} through ${p.steps[shared - 1]!.device}`);
  }
  for (const s of p.steps.slice(shared)) out.push(stepLine(s));
  return out;
}

export function explainTraces(traces: readonly TraceRecord[]): string {
  const out: string[] = [];
  for (const t of traces) {
    out.push(`explain: ${t.tool} to ${t.target.name} (${formatIp(t.target.ip)}), ${t.protocol}`);
    let previous: { label: string; probe: ProbeResult } | undefined;
    for (const hop of t.hops) {
      // Probes of one hop usually take the same path: show the first, and any other whose outcome differs.
      const shown: ProbeResult[] = [];
      for (const p of hop.probes) if (!shown.some((s) => s.disposition === p.disposition && s.at === p.at && !!s.reply === !!p.reply)) shown.push(p);
      shown.forEach((p, i) => {
        const label = `hop ${hop.ttl}${shown.length > 1 ? ` (probe ${hop.probes.indexOf(p) + 1})` : ''}`;
        out.push(...probeLines(label, p, previous));
        if (i === 0) previous = { label, probe: p };
      });
    }
  }
  return out.length ? `${out.join('\n')}\n` : '';
}
