// The command the namespace lab's server runs as: node on the compiled lab/netns/lab-server.js, which serves the
// listeners and answers DNS with the compiled sim/dns/responder.js (the simulator's own module); a missing or stale
// build is an error, not a guess.
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packageRoot } from '../../topology/paths.js';
import { findProgram } from '../process.js';

/** Compiled files the server runs, with the sources they come from. */
const BUILT: readonly (readonly [string, string])[] = [
  ['dist/lab/netns/lab-server.js', 'lab/netns/lab-server.ts'],
  ['dist/lab/netns/server-spec.js', 'lab/netns/server-spec.ts'],
  ['dist/lab/netns/dns-server.js', 'lab/netns/dns-server.ts'],
  ['dist/sim/dns/responder.js', 'sim/dns/responder.ts'],
  ['dist/sim/dns/lab-dns.js', 'sim/dns/lab-dns.ts'],
  ['dist/sim/dns/wire.js', 'sim/dns/wire.ts'],
];

/**
 * The server script's path: compiled alongside this module when this module is compiled (dist/), else under ROOT's dist/
 * (the sources run under vitest), where it throws when it is not built or older than its sources (run `npm run build`).
 */
export function labServerScript(root?: string): string {
  const sibling = fileURLToPath(new URL('./lab-server.js', import.meta.url));
  if (root === undefined && import.meta.url.endsWith('.js') && existsSync(sibling)) return sibling;
  return builtServerScript(root ?? packageRoot());
}

function builtServerScript(root: string): string {
  for (const [built, source] of BUILT) {
    const b = join(root, built);
    const s = join(root, source);
    if (!existsSync(b)) throw new Error(`the namespace lab's server needs ${built}: run \`npm run build\` first`);
    if (existsSync(s) && statSync(s).mtimeMs > statSync(b).mtimeMs) throw new Error(`${built} is older than ${source}: run \`npm run build\``);
  }
  return join(root, BUILT[0]![0]);
}

/** The server's argv once the launcher has exec'd it. */
export function labServerArgv(script: string, specFile: string, nodePath: string = process.execPath): string[] {
  return [nodePath, script, specFile];
}

/**
 * The Python interpreter the launcher and forwarder run on: the system's (/usr/bin...) before one earlier on PATH, which
 * may be a version manager's shell-script shim (a shell started for every run).
 */
export function pythonPath(): string {
  const python = findProgram('python3', ['/usr/local/bin', '/usr/bin', '/bin']) ?? findProgram('python3');
  if (python === undefined) throw new Error('python3 is not installed: apt-get install -y python3');
  return python;
}
