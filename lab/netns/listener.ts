// The namespace lab's server process (lab-server.ts): starting it, recognising it by its command line, stopping it.
import { readFileSync } from 'node:fs';
import { startDetached } from '../process.js';
import { LAUNCHER_SCRIPT, launcherArgv, PYTHON_FLAGS } from './server-spec.js';

/**
 * Starts the lab server (ARGV, after the launcher that makes its sockets once GO resolves) inside HOME, detached from our session, and
 * resolves with its PID once it printed "ready". `onPid` runs as soon as the PID is known (before waiting), so the
 * caller can record it at once.
 */
export function startServer(home: string, python: string, argv: readonly string[], onPid: (pid: number) => void, go: Promise<unknown>): Promise<number> {
  return startDetached(['ip', 'netns', 'exec', home, ...launcherArgv(python), ...argv], 'ready', onPid, go).catch((e: Error) => {
    throw new Error(`lab server: ${e.message}`);
  });
}

/** The command line of a live process, or undefined when it is gone or a zombie. */
export function processCmdline(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    if (state === 'Z' || state === 'X') return undefined;
    const raw = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    const parts = raw.split('\0');
    if (parts[parts.length - 1] === '') parts.pop();
    return parts;
  } catch {
    return undefined;
  }
}

/**
 * Whether a process's command line is ARGV: exec'd, or still on its way there (`ip netns exec NS ARGV` for a process
 * started in NS; `ip netns exec HOME PYTHON LAUNCHER ARGV` or `PYTHON LAUNCHER ARGV` for the lab server, whose home may be another
 * of the lab's namespaces).
 */
export function cmdlineMatches(cmdline: readonly string[], ns: string, argv: readonly string[]): boolean {
  const same = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);
  if (cmdline.length < argv.length || !same(cmdline.slice(cmdline.length - argv.length), argv)) return false;
  let before = cmdline.slice(0, cmdline.length - argv.length);
  if (before.length === 0) return true;
  const launcher = [...PYTHON_FLAGS, LAUNCHER_SCRIPT];
  if (before.length > launcher.length && same(before.slice(before.length - launcher.length), launcher)) {
    before = before.slice(0, before.length - launcher.length - 1);
    return before.length === 0 || (before.length === 4 && same(before.slice(0, 3), ['ip', 'netns', 'exec']));
  }
  return same(before, ['ip', 'netns', 'exec', ns]);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** SIGTERM, then SIGKILL after graceMs; resolves true when the process is gone. */
export async function terminate(pid: number, graceMs = 2000): Promise<boolean> {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return true;
  }
  for (let waited = 0; waited < graceMs; waited += 25) {
    if (processCmdline(pid) === undefined) return true;
    await sleep(25);
  }
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    return true;
  }
  for (let waited = 0; waited < 2000; waited += 25) {
    if (processCmdline(pid) === undefined) return true;
    await sleep(25);
  }
  return false;
}
