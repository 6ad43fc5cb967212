// Renders trace records' decisions hop by hop for `--explain`: which route, rule or sysctl decided.
import { formatIp } from '../topology/address.js';
import type { ProbeResult, TraceRecord } from '../sim/trace.js';

function probeSummary(p: ProbeResult): string {
  const reply = p.reply ? `${p.reply.kind}${p.reply.code !== undefined ? ` code ${p.reply.code}` : ''} from ${formatIp(p.reply.from)}` : 'no reply (*)';
  return `${p.disposition} at ${p.at}; ${reply}`;
}

export function explainTraces(traces: readonly TraceRecord[]): string {
  const out: string[] = [];
  for (const t of traces) {
    out.push(`explain: ${t.tool} to ${t.target.name} (${formatIp(t.target.ip)}), ${t.protocol}`);
    for (const hop of t.hops) {
      // Probes of one hop usually take the same path: show the first, and any other whose outcome differs.
      const shown: ProbeResult[] = [];
      for (const p of hop.probes) if (!shown.some((s) => s.disposition === p.disposition && s.at === p.at && !!s.reply === !!p.reply)) shown.push(p);
      shown.forEach((p, i) => {
        out.push(`hop ${hop.ttl}${shown.length > 1 ? ` (probe ${hop.probes.indexOf(p) + 1})` : ''}: ${probeSummary(p)}`);
        for (const s of p.steps) {
          const ifs = s.in || s.out ? ` [${s.in ? `in ${s.in}` : ''}${s.in && s.out ? ', ' : ''}${s.out ? `out ${s.out}` : ''}]` : '';
          out.push(`    ${s.direction === 'out' ? '->' : '<-'} ${s.device}${ifs}: ${s.decision}`);
        }
        if (i < shown.length - 1) out.push('');
      });
    }
  }
  return out.length ? `${out.join('\n')}\n` : '';
}
