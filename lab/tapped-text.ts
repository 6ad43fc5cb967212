// A command's result with its taps' tcpdump text after it, as `tracelab exec --tap` prints it and a scenario probe
// with `capture:` records it: each tap's lines under a `# tcpdump ...` heading, headers and trailers after stderr.
import type { CommandResult } from '../topology/trace.js';
import type { TappedResult } from './backend.js';

/** The heading line of one tap's text. */
export function tapHeading(place: string, iface: string, filter: string): string {
  return `# tcpdump -n -i ${iface}${filter.trim() ? ` ${filter.trim()}` : ''} at ${place}\n`;
}

/** The command's output followed by each tap's; the exit status is the command's, or the first failing tap's. */
export function withTapText(tapped: TappedResult, filter: string): CommandResult {
  const r = tapped.result;
  const stdout = r.stdout + tapped.taps.map((t) => `\n${tapHeading(t.place, t.iface, filter)}${t.stdout}`).join('');
  const stderr = r.stderr + tapped.taps.map((t) => t.stderr).join('');
  const exitCode = r.exitCode !== 0 ? r.exitCode : (tapped.taps.find((t) => t.exitCode !== 0)?.exitCode ?? 0);
  return { ...r, stdout, stderr, exitCode };
}
