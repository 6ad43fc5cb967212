// Tab completion in the training shell: commands for the first word (the probe tools the place's image has; also after
// sudo, ;, && and ||), nodes after ssh, pods after kubectl exec and debug, place and external host names otherwise.
import { commandNames } from '../../sim/commands/index.js';
import { findProbeTool, TOOL_NAMES } from '../../sim/tools/registry.js';
import { hasTool } from '../../topology/images.js';
import type { Device, LabModel } from '../../topology/model.js';
import { placeNames } from './places.js';
import { BUILTINS } from './texts.js';

const MOVES = ['ssh', 'kubectl', 'exit'];

/** Candidates for the word being typed at the end of `line`, and that word (readline's completer contract). */
export function completeLine(lab: LabModel, here: Device, line: string): [string[], string] {
  // After a list operator or `sudo` the next word is a command again.
  const words = line.replace(/^.*(?:;|&&|\|\|)/, '').trimStart().replace(/^sudo\s+(?:-\S+\s+)*/, '').split(/\s+/);
  const current = words[words.length - 1] ?? '';
  const before = words.slice(0, -1);
  let pool: readonly string[];
  if (before.length === 0) {
    const moves = here.kind === 'pod' ? ['exit'] : [...MOVES, 'sudo', 'whoami', 'id'];
    // Only the programs the place's image has (curl in netshoot, not in busybox; busybox's applets in busybox pods).
    const tools = TOOL_NAMES.filter((t) => hasTool(here, t) && findProbeTool(t, [], here.toolset) !== undefined);
    pool = [...new Set([...BUILTINS, ...moves, ...commandNames().filter((c) => hasTool(here, c)), ...tools])];
  } else if (before[0] === 'ssh' || (before[0] === 'vagrant' && before[1] === 'ssh')) {
    pool = placeNames(lab, 'node');
  } else if (before[0] === 'kubectl' && before.length === 1) {
    pool = ['debug', 'exec', 'get'];
  } else if (before[0] === 'kubectl' && before[1] === 'exec' && !before.includes('--')) {
    pool = [...placeNames(lab, 'pod'), '-it', '--'];
  } else if (before[0] === 'kubectl' && before[1] === 'debug' && !before.includes('--')) {
    pool = [...placeNames(lab, 'pod'), '-it', '--image=nicolaka/netshoot', '--image=busybox', '--target='];
  } else if (before[0] === 'kubectl' && before.includes('--') && before[before.length - 1] === '--') {
    pool = ['sh'];
  } else {
    pool = [...placeNames(lab), ...lab.hosts.map((h) => h.name)];
  }
  const hits = pool.filter((c) => c.startsWith(current)).sort();
  return [hits, current];
}
