// The command a namespace lab's DNS server runs as: node on the compiled lab/netns/dns-server.js, which answers with
// the compiled sim/dns/responder.js (the simulator's own module); a missing or stale build is an error, not a guess.
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../topology/paths.js';
import type { PlannedDnsServer } from './plan.js';

/** Compiled files the server runs, with the sources they come from. */
const BUILT: readonly (readonly [string, string])[] = [
  ['dist/lab/netns/dns-server.js', 'lab/netns/dns-server.ts'],
  ['dist/sim/dns/responder.js', 'sim/dns/responder.ts'],
  ['dist/sim/dns/lab-dns.js', 'sim/dns/lab-dns.ts'],
  ['dist/sim/dns/wire.js', 'sim/dns/wire.ts'],
];

/** The server script's path; throws when it is not built or older than its sources (run `npm run build`). */
export function dnsServerScript(root: string = packageRoot()): string {
  for (const [built, source] of BUILT) {
    const b = join(root, built);
    const s = join(root, source);
    if (!existsSync(b)) throw new Error(`the namespace lab's DNS server needs ${built}: run \`npm run build\` first`);
    if (existsSync(s) && statSync(s).mtimeMs > statSync(b).mtimeMs) throw new Error(`${built} is older than ${source}: run \`npm run build\``);
  }
  return join(root, BUILT[0]![0]);
}

/** The argv of SERVER's process (after `ip netns exec` has exec'd it). */
export function dnsServerArgv(server: PlannedDnsServer, script: string, nodePath: string = process.execPath): string[] {
  return [nodePath, script, server.role, server.zone, server.address];
}
