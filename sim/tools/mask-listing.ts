// Masks what an `ip link`/`ip addr` listing shows differently by backend, not by the network: the namespace lab's
// node NICs are veths (`eth1@if4 ... link-netns tlh-host`, qdisc noqueue) made after cni0 and the pods' veths (other
// ifindexes, other order), its namespaces have names (`link-netns tlh-node-1` where a VM's pod shows
// `link-netnsid 0`), and a lab built seconds ago still has IPv6 addresses in DAD (`tentative`). The fields are listed
// in docs/comparison.md.
import { MASK } from './mask.js';

/** `2: eth0@if3: <BROADCAST,...> mtu 1500 qdisc noqueue ...`: one interface's first line in a full listing. */
const HEADER = /^\d+: ([^\s:@]+)(?:@[^\s:]+)?: (<[^>]*>.*)$/;
/** `eth0@if3         UP             10.0.2.15/24 ...`: one interface in a brief (`-br`) listing. */
const BRIEF = /^([^\s@]+)(?:@\S+)? +(UP|DOWN|UNKNOWN|LOWERLAYERDOWN|DORMANT|NOTPRESENT|TESTING) +(.*?) *$/;

function maskFields(line: string): string {
  return line
    .replace(/\bqdisc \S+/, `qdisc ${MASK}`)
    .replace(/ link-netns(?:id)? \S+/, '')
    .replace(/ tentative\b/, '');
}

/** Blocks of a full listing (a header and its indented lines), or undefined when TEXT is not one. */
function blocks(lines: readonly string[]): { name: string; lines: string[] }[] | undefined {
  const out: { name: string; lines: string[] }[] = [];
  for (const line of lines) {
    const h = HEADER.exec(line);
    if (h) out.push({ name: h[1]!, lines: [maskFields(`${MASK}: ${h[1]}: ${h[2]}`)] });
    else if (/^\s/.test(line) && out.length > 0) out[out.length - 1]!.lines.push(maskFields(line));
    else return undefined;
  }
  return out.length > 0 ? out : undefined;
}

/** TEXT with the backend's own fields of an interface listing masked and its interfaces in name order; other text as it is. */
export function maskInterfaceListing(text: string): string {
  const body = text.endsWith('\n') ? text.slice(0, -1) : text;
  if (body === '') return text;
  const lines = body.split('\n');
  const byName = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  const full = blocks(lines);
  if (full) return `${full.sort(byName).flatMap((b) => b.lines).join('\n')}\n`;
  const brief = lines.map((l) => BRIEF.exec(l));
  if (brief.every((m) => m !== null)) {
    const rows = brief.map((m) => ({ name: m![1]!, lines: [`${m![1]} ${m![2]} ${m![3]}`] }));
    return `${rows.sort(byName).map((r) => r.lines[0]).join('\n')}\n`;
  }
  return text;
}
