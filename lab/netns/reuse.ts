// When `up` may keep a lab that is already there: same prefix, built from the same plan, every namespace and listener
// still in place. Backend.up (exec, scenario runs) connects to such a lab; `tracelab lab up` always rebuilds.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import type { NetnsPlan } from './plan.js';
import type { NetnsRecord } from './record.js';
import { cmdlineMatches, processCmdline } from './listener.js';

/** A digest of everything the plan makes: a lab built from a different model (or tracelab version) never matches. */
export function planFingerprint(plan: NetnsPlan): string {
  const { namespaces, steps, dirs, files, listeners, dnsServers, places } = plan;
  return createHash('sha256').update(JSON.stringify({ namespaces, steps, dirs, files, listeners, dnsServers, places })).digest('hex');
}

/** Whether RECORD is a finished lab of this exact plan that is still whole. */
export function isReusable(record: NetnsRecord | undefined, plan: NetnsPlan): record is NetnsRecord {
  if (!record || record.state !== 'up' || record.fingerprint !== planFingerprint(plan)) return false;
  if (!record.namespaces.every((ns) => existsSync(`/run/netns/${ns}`))) return false;
  if (!record.files.every((f) => existsSync(f))) return false;
  return record.processes.every((p) => {
    const cmdline = p.pid !== undefined ? processCmdline(p.pid) : undefined;
    return cmdline !== undefined && cmdlineMatches(cmdline, p.ns, p.argv);
  });
}
