// The lab's hostnames: `ip netns exec` keeps the host's hostname, so each device gets a persistent UTS namespace (a
// file its nsfs is bind-mounted on) with its own hostname, entered with nsenter when commands run (mtr's HOST line,
// `hostname`). One short Python process makes them all, as `unshare --uts=FILE hostname NAME` makes one.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { runArgv } from '../process.js';
import type { NetnsPlan, PlannedNamespace } from './plan.js';
import type { NetnsRecord } from './record.js';
import { PYTHON_FLAGS } from './server-spec.js';
import { pythonPath } from './server-process.js';

/**
 * Reads [[FILE, HOSTNAME], ...] as JSON on stdin; for each: creates FILE, unshare(CLONE_NEWUTS), sethostname,
 * bind-mounts its own UTS namespace (/proc/thread-self/ns/uts) on FILE. The first failure: `FILE: ERROR` on stderr
 * and exit 1.
 */
export const HOSTNAMES_SCRIPT = [
  'import ctypes, json, os, sys',
  'libc = ctypes.CDLL(None, use_errno=True)',
  'libc.sethostname.argtypes = [ctypes.c_char_p, ctypes.c_size_t]',
  'libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_void_p]',
  'def check(result, what):',
  '    if result != 0:',
  '        err = ctypes.get_errno()',
  "        raise OSError(err, what + ': ' + os.strerror(err))",
  'for path, name in json.load(sys.stdin):',
  '    try:',
  "        open(path, 'w').close()",
  "        check(libc.unshare(0x04000000), 'unshare')",
  "        check(libc.sethostname(name.encode(), len(name.encode())), 'sethostname')",
  "        check(libc.mount(b'/proc/thread-self/ns/uts', path.encode(), None, 4096, None), 'mount --bind')",
  '    except OSError as e:',
  "        sys.stderr.write('%s: %s\\n' % (path, e.strerror))",
  '        sys.exit(1)',
].join('\n');

const hostnamed = (plan: NetnsPlan): PlannedNamespace[] => plan.namespaces.filter((ns) => ns.role === 'device' && ns.device !== undefined);

/** Records the UTS namespace files (and their directory, `uts-PREFIX` under STATEDIR, when new); returns the directory. */
export function recordHostnames(plan: NetnsPlan, record: NetnsRecord, stateDir: string): string {
  const dir = join(stateDir, `uts-${plan.prefix}`);
  if (!existsSync(dir)) record.dirs.push(dir);
  // Down unmounts and removes whichever were made.
  for (const ns of hostnamed(plan)) record.uts[ns.name] = join(dir, ns.name);
  return dir;
}

/** Makes the UTS namespace files recordHostnames recorded, in DIR; a problem, or undefined. */
export async function createHostnames(plan: NetnsPlan, record: NetnsRecord, dir: string): Promise<string | undefined> {
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  const pairs = hostnamed(plan).map((ns) => [record.uts[ns.name]!, plan.places[ns.device!]!.hostname]);
  if (pairs.length === 0) return undefined;
  const r = await runArgv([pythonPath(), ...PYTHON_FLAGS, HOSTNAMES_SCRIPT], { input: JSON.stringify(pairs) });
  return r.exitCode === 0 ? undefined : `hostnames: ${r.stderr.trim() || `exit ${r.exitCode}`}`;
}
