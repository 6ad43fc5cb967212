// busybox wget (1.37; 1.35 prints the same, FACTS-L4 §7): one HTTP GET, its "Connecting to" / "saving to" lines and
// progress bar (stdout a pipe: no `\r`), -q, -O FILE|-, -T, --spider, and its error lines (exit 1).
import { formatIp } from '../../topology/address.js';
import type { CommandResult } from '../../topology/trace.js';
import { STRERROR } from '../socket.js';
import type { ToolContext } from '../tool-context.js';
import { parseUrl } from './curl-args.js';
import { getopt } from './getopt.js';
import { lookupHost, openSession, responseStalled } from './tcp-client.js';
import { parseCInteger } from './traceroute-args.js';

const LONG = { quiet: null, 'output-document': 'file', timeout: 'sec', spider: null, header: 'str', 'user-agent': 'agent' };
const ALIASES = { quiet: 'q', 'output-document': 'O', timeout: 'T', header: 'header', 'user-agent': 'U' };

const failed = (stderr: string): CommandResult => ({ stdout: '', stderr, exitCode: 1 });

/** The progress bar's line for a finished download of SIZE bytes to NAME (name padded to 20 columns). */
function bar(name: string, size: number, tty: boolean): string {
  return `${tty ? '\r' : ''}${name.padEnd(20)} 100% |${'*'.repeat(32)}| ${String(size).padStart(5)}  0:00:00 ETA\n`;
}

export function wgetBusybox(args: readonly string[], ctx: ToolContext): CommandResult {
  const p = getopt(args, 'qO:T:U:', LONG, ALIASES);
  if (!p.ok) return failed(`wget: ${p.message}\nBusyBox v1.37.0 (2024-09-26 21:31:42 UTC) multi-call binary.\n`);
  const opt = (k: string) => p.options.filter((o) => o.key === k).at(-1)?.value;
  const quiet = p.options.some((o) => o.key === 'q');
  const spider = p.options.some((o) => o.key === 'spider');
  const output = opt('O');
  const timeoutMs = opt('T') === undefined ? 900_000 : (parseCInteger(opt('T')!) ?? 0) * 1000;
  const url = p.operands[0] === undefined ? undefined : parseUrl(p.operands[0]);
  if (!url || 'error' in url) return failed('wget: not an http or ftp url\n');
  const say = (line: string): string => (quiet ? '' : line);
  const found = lookupHost(ctx, url.host);
  if (!found.ok) return failed(`wget: bad address '${url.host}'\n`);
  const authority = url.port === 80 ? url.host : `${url.host}:${url.port}`;
  let stderr = say(`Connecting to ${authority} (${formatIp(found.ip)}:${url.port})\n`);
  // busybox wget.c's request (--spider sends a GET too); the client closes first, as with curl (kernel-checked).
  const request = `GET ${url.path} HTTP/1.1\r\nHost: ${authority}\r\nUser-Agent: Wget\r\nConnection: close\r\n\r\n`;
  const s = openSession(ctx, 'tcp', found.ip, url.port, timeoutMs, 'full', request);
  if (!s.outcome.ok) {
    if (s.outcome.callerTimeout) return failed(`${stderr}wget: download timed out\n`);
    return failed(`${stderr}wget: can't connect to remote host (${formatIp(found.ip)}): ${STRERROR[s.outcome.errno]}\n`);
  }
  if (responseStalled(s)) {
    ctx.wait(Math.max(timeoutMs - s.outcome.elapsedMs, 0)); // the response never arrives (an MTU black hole)
    return failed(`${stderr}wget: download timed out\n`);
  }
  const http = s.listener?.app === 'http' ? s.listener.http : undefined;
  if (!http) return failed(`${stderr}wget: error getting response\n`);
  if (http.status >= 400) return failed(`${stderr}wget: server returned error: HTTP/1.1 ${http.status} ${http.reason}\n`);
  if (spider) return { stdout: '', stderr: stderr + say('remote file exists\n'), exitCode: 0 };
  const toStdout = output === '-';
  const name = output ?? (url.path.split('/').at(-1) || 'index.html');
  stderr += say(toStdout ? 'writing to stdout\n' : `saving to '${name}'\n`);
  stderr += say(bar(toStdout ? '-' : name, http.body.length, ctx.tty));
  stderr += say(toStdout ? 'written to stdout\n' : `'${name}' saved\n`);
  return { stdout: toStdout ? http.body : '', stderr, exitCode: 0 };
}
