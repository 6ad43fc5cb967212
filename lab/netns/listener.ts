// Listener processes inside lab namespaces: TCP ports that answer SYN-ACK (and HTTP apps their modelled response),
// UDP ports that swallow datagrams.
import { readFileSync } from 'node:fs';
import type { Listener } from '../../topology/model.js';
import { httpResponseBytes } from '../../sim/http.js';
import { startDetached } from '../process.js';

/**
 * Runs under `node -e`: binds every tcp:PORT / udp:PORT given as an argument on 0.0.0.0 (IPv4 only, so the
 * resolver's [::1]:53 stays closed), closes accepted connections, reads and ignores datagrams, prints
 * "ready" once everything is bound, and exits on SIGTERM. `tcp:PORT:http:BASE64` serves HTTP/1.1: to every request
 * (its head read up to the empty line) the exact bytes BASE64 decodes to (status line, headers, body; a HEAD gets
 * them up to the empty line), keeping the connection open like Apache (until `Connection: close`, or 5 s idle).
 */
export const LISTENER_SCRIPT = [
  "'use strict';",
  "const net = require('node:net'), dgram = require('node:dgram');",
  'const specs = process.argv.slice(1); let pending = specs.length;',
  'const http = (response) => (c) => {',
  "  const head = response.subarray(0, response.indexOf('\\r\\n\\r\\n') + 4); let buf = '';",
  "  c.setTimeout(5000, () => c.end()); c.on('error', () => {});",
  "  c.on('data', (d) => { buf += d.toString('latin1'); let end;",
  "    while ((end = buf.indexOf('\\r\\n\\r\\n')) >= 0) { const req = buf.slice(0, end); buf = buf.slice(end + 4);",
  "      c.write(req.startsWith('HEAD ') ? head : response); if (/^connection: *close/im.test(req)) { c.end(); return; } } });",
  '};',
  "const fail = (e) => { process.stderr.write('tracelab-listener: ' + e.message + '\\n'); process.exit(1); };",
  "const bound = () => { if (--pending === 0) process.stdout.write('ready\\n'); };",
  'for (const spec of specs) {',
  "  const [proto, port, app, data] = spec.split(':');",
  "  const serve = app === 'http' ? http(Buffer.from(data, 'base64')) : (c) => c.destroy();",
  "  if (proto === 'tcp') { const s = net.createServer(serve); s.on('error', fail); s.listen({ port: Number(port), host: '0.0.0.0', backlog: 511 }, bound); }",
  "  else { const s = dgram.createSocket('udp4'); s.on('error', fail); s.on('message', () => {}); s.bind(Number(port), '0.0.0.0', bound); }",
  '}',
  "process.on('SIGTERM', () => process.exit(0));",
  "process.on('SIGHUP', () => {});",
].join('\n');

/** The command a listener runs as (after `ip netns exec` exec's it). */
export function listenerArgv(listeners: readonly Listener[], nodePath: string = process.execPath): string[] {
  return [nodePath, '-e', LISTENER_SCRIPT, ...listeners.map(listenerSpec)];
}

/** One listener as the script's argument: an HTTP app carries its whole response, base64-encoded. */
function listenerSpec(l: Listener): string {
  const spec = `${l.protocol}:${l.port}`;
  return l.protocol === 'tcp' && l.app === 'http' && l.http ? `${spec}:http:${Buffer.from(httpResponseBytes(l.http), 'latin1').toString('base64')}` : spec;
}

/**
 * Starts ARGV inside NS, detached from our session, and resolves with its PID once it printed "ready".
 * `onPid` runs as soon as the PID is known (before waiting), so the caller can record it at once.
 */
export function startListener(ns: string, argv: readonly string[], onPid: (pid: number) => void): Promise<number> {
  return startDetached(['ip', 'netns', 'exec', ns, ...argv], 'ready', onPid).catch((e: Error) => {
    throw new Error(`listener in ${ns}: ${e.message}`);
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

/** Whether a process's command line is ARGV, either already exec'd or still `ip netns exec NS ARGV`. */
export function cmdlineMatches(cmdline: readonly string[], ns: string, argv: readonly string[]): boolean {
  const same = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);
  return same(cmdline, argv) || same(cmdline, ['ip', 'netns', 'exec', ns, ...argv]);
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
