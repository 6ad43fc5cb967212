// curl 7.88.1 (Debian 12's; FACTS-L4 §6): one HTTP GET or HEAD through the dataplane, with its verbose trace, its
// progress meter (stdout a pipe) or none (a terminal), -w write-out, and its error lines and exit codes.
import { formatIp } from '../../topology/address.js';
import type { CommandResult } from '../../topology/trace.js';
import { headerValue, httpResponseHead } from '../http.js';
import { STRERROR } from '../socket.js';
import type { ToolContext } from '../tool-context.js';
import { parseCurlArgs, type CurlOptions, type CurlUrl } from './curl-args.js';
import { lookupHost, openSession, responseStalled, type Session } from './tcp-client.js';
import { unsupported } from '../commands/output.js';
import { curlWriteOut, type WriteOutFacts } from './curl-writeout.js';

const VERSION = '7.88.1';
const METER_HEADER = '  % Total    % Received % Xferd  Average Speed   Time    Time     Time  Current\n'
  + '                                 Dload  Upload   Total   Spent    Left  Speed\n';

const KB = 1024;
const MB = KB * KB;

/** progress.c max5data(): a size or speed in 5 columns, in k (1024) or M above 99999 bytes. */
export function size5(n: number): string {
  if (n < 100_000) return String(n).padStart(5);
  if (n < 10_000 * KB) return `${String(Math.floor(n / KB)).padStart(4)}k`;
  if (n < 100 * MB) return `${String(Math.floor(n / MB)).padStart(2)}.${Math.floor((n % MB) / (MB / 10))}M`;
  return `${String(Math.floor(n / MB)).padStart(4)}M`;
}
const pct3 = (part: number, total: number): string => String(total > 0 ? Math.floor((part * 100) / total) : 0).padStart(3);
const clock8 = (ms: number | undefined): string => {
  if (ms === undefined || ms < 1000) return '--:--:--';
  const s = Math.floor(ms / 1000);
  return `${String(Math.floor(s / 3600)).padStart(2)}:${String(Math.floor(s / 60) % 60).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
};

/** One progress-meter update (without its leading `\r`): 78 columns as progress.c prints them. */
export function meterLine(total: number, received: number, spentMs: number, speed: number): string {
  const spent = clock8(spentMs);
  return `${pct3(received, total)} ${size5(total)}  ${pct3(received, total)} ${size5(received)}    0     0  ${size5(speed)}      0 --:--:-- ${spent === '--:--:--' ? '--:--:--' : spent} --:--:-- ${size5(speed)}`;
}

/** The text curl writes to stderr, built in the order it writes it. */
class Trace {
  text = '';
  constructor(private readonly meter: boolean, private readonly verbose: boolean) {
    if (meter) this.text += METER_HEADER;
  }
  tick(line: string): void {
    if (this.meter) this.text += `\r${line}`;
  }
  endMeter(): void {
    if (this.meter) this.text += '\n';
  }
  info(line: string): void {
    if (this.verbose) this.text += line;
  }
}

function requestLines(opts: CurlOptions, url: CurlUrl): string[] {
  const method = opts.method ?? (opts.head ? 'HEAD' : 'GET');
  const host = url.port === 80 ? url.host : `${url.host}:${url.port}`;
  const custom = opts.headers.map((h) => [h.slice(0, Math.max(h.indexOf(':'), 0)), h] as const);
  const override = (name: string, line: string): string | undefined => {
    const hit = custom.find(([k]) => k.toLowerCase() === name.toLowerCase());
    return hit ? (hit[1].trim().endsWith(':') ? undefined : hit[1]) : line;
  };
  const lines = [`${method} ${url.path} HTTP/1.1`, override('Host', `Host: ${host}`), override('User-Agent', `User-Agent: curl/${VERSION}`), override('Accept', 'Accept: */*')];
  const builtin = new Set(['host', 'user-agent', 'accept']);
  for (const [k, line] of custom) if (!builtin.has(k.toLowerCase()) && !line.trim().endsWith(':')) lines.push(line);
  return lines.filter((l): l is string => l !== undefined);
}

interface Ending {
  readonly stdout: string;
  readonly exitCode: number;
  readonly error?: string;
  readonly facts: Omit<WriteOutFacts, 'exitCode' | 'errormsg' | 'url'>;
}

/**
 * A connect that failed: the kernel's error, curl's --connect-timeout (`Failed to connect ... Timeout was reached`)
 * or -m running out first (`Connection timed out after N milliseconds`; kernel-checked).
 */
function connectFailure(t: Trace, url: CurlUrl, session: Session, ip: number, byMaxTime: boolean): Ending {
  const o = session.outcome;
  if (o.ok) throw new Error('connected');
  const ms = Math.round(o.elapsedMs);
  for (let s = 1000; s <= o.elapsedMs; s += 1000) t.tick(meterLine(0, 0, s, 0));
  let message: string;
  if (o.callerTimeout && byMaxTime) {
    message = `Connection timed out after ${ms} milliseconds`;
  } else {
    if (o.callerTimeout) t.info(`* ipv4 connect timeout after ${Math.max(ms - 1, 0)}ms, move on!\n`);
    else t.info(`* connect to ${formatIp(ip)} port ${url.port} failed: ${STRERROR[o.errno]}\n`);
    message = `Failed to connect to ${url.host} port ${url.port} after ${ms} ms: ${o.callerTimeout ? 'Timeout was reached' : "Couldn't connect to server"}`;
  }
  t.info(`* ${message}\n`);
  t.tick(meterLine(0, 0, o.elapsedMs, 0));
  t.endMeter();
  t.info('* Closing connection 0\n');
  const exitCode = o.callerTimeout || o.errno === 'ETIMEDOUT' ? 28 : 7;
  return { stdout: '', exitCode, error: message, facts: { httpCode: 0, ip, port: url.port, size: 0, elapsedMs: o.elapsedMs } };
}

/** -m ran out while the response never came (an MTU black hole after the handshake). */
function stalled(t: Trace, ctx: ToolContext, maxTimeMs: number, session: Session, ip: number, port: number): Ending {
  const connected = session.outcome.elapsedMs;
  if (maxTimeMs > connected) ctx.wait(maxTimeMs - connected);
  for (let s = 1000; s <= maxTimeMs; s += 1000) t.tick(meterLine(0, 0, s, 0));
  const message = `Operation timed out after ${maxTimeMs + 1} milliseconds with 0 bytes received`;
  t.info(`* ${message}\n`);
  t.tick(meterLine(0, 0, maxTimeMs, 0));
  t.endMeter();
  t.info('* Closing connection 0\n');
  return { stdout: '', exitCode: 28, error: message, facts: { httpCode: 0, ip, port, size: 0, elapsedMs: maxTimeMs } };
}

function exchange(t: Trace, ctx: ToolContext, opts: CurlOptions, url: CurlUrl, session: Session, ip: number, showData: boolean): Ending {
  const o = session.outcome;
  const elapsedMs = o.elapsedMs;
  t.info(`* Connected to ${url.host} (${formatIp(ip)}) port ${url.port} (#0)\n`);
  for (const line of requestLines(opts, url)) t.info(`> ${line}\r\n`);
  t.info('> \r\n');
  if (responseStalled(session)) return stalled(t, ctx, opts.maxTimeMs!, session, ip, url.port);
  const base = { ip, port: url.port, elapsedMs, sport: session.sport, src: o.ok ? o.src : 0 };
  const http = session.listener?.app === 'http' ? session.listener.http : undefined;
  if (!http) {
    t.info('* Empty reply from server\n');
    t.tick(meterLine(0, 0, elapsedMs, 0));
    t.endMeter();
    t.info('* Closing connection 0\n');
    return { stdout: '', exitCode: 52, error: 'Empty reply from server', facts: { ...base, httpCode: 0, size: 0 } };
  }
  const head = httpResponseHead(http);
  t.info(head.split('\r\n').slice(0, -1).map((l) => `< ${l}\r\n`).join(''));
  const total = Number(headerValue(http, 'Content-Length') ?? http.body.length);
  const facts = { ...base, httpCode: http.status, size: opts.head ? 0 : http.body.length, contentType: headerValue(http, 'Content-Type') };
  if (opts.fail && http.status >= 400) {
    t.info(`* The requested URL returned error: ${http.status}\n* Closing connection 0\n`);
    t.endMeter();
    return { stdout: '', exitCode: 22, error: `The requested URL returned error: ${http.status}`, facts };
  }
  if (!opts.head && showData) t.info(`{ [${http.body.length} bytes data]\n`);
  const speed = Math.floor((http.body.length * 1000) / Math.max(elapsedMs, 1));
  t.tick(opts.head ? meterLine(total, 0, elapsedMs, 0) : meterLine(total, http.body.length, elapsedMs, speed));
  t.endMeter();
  t.info(`* Connection #0 to host ${url.host} left intact\n`);
  const body = opts.head ? head : http.body;
  return { stdout: opts.output === undefined ? body : '', exitCode: 0, facts };
}

export function curl(args: readonly string[], ctx: ToolContext): CommandResult {
  const parsed = parseCurlArgs(args);
  if (!parsed.ok) return { stdout: '', stderr: parsed.stderr, exitCode: parsed.exitCode };
  const { opts, url } = parsed;
  const toFile = opts.output !== undefined;
  const t = new Trace(!opts.silent && (!ctx.tty || toFile), opts.verbose);
  const showData = !ctx.tty || toFile;
  t.tick(meterLine(0, 0, 0, 0));
  const found = lookupHost(ctx, url.host);
  let ending: Ending;
  if (!found.ok) {
    t.info(`* Could not resolve host: ${url.host}\n* Closing connection 0\n`);
    ending = { stdout: '', exitCode: 6, error: `Could not resolve host: ${url.host}`, facts: { httpCode: 0, port: url.port, size: 0, elapsedMs: found.elapsedMs } };
  } else {
    t.info(`*   Trying ${formatIp(found.ip)}:${url.port}...\n`);
    const connectLimit = opts.connectTimeoutMs ?? 300_000;
    const byMaxTime = opts.maxTimeMs !== undefined && opts.maxTimeMs < connectLimit;
    const session = openSession(ctx, 'tcp', found.ip, url.port, Math.min(connectLimit, opts.maxTimeMs ?? Infinity), opts.head || opts.method === 'HEAD' ? 'head' : 'full', `${requestLines(opts, url).join('\r\n')}\r\n\r\n`);
    if (responseStalled(session) && opts.maxTimeMs === undefined) return unsupported('curl without -m when the response never arrives (it would wait for ever)');
    ending = session.outcome.ok ? exchange(t, ctx, opts, url, session, found.ip, showData) : connectFailure(t, url, session, found.ip, byMaxTime);
  }
  const showError = ending.error !== undefined && (!opts.silent || opts.showError);
  const stderr = t.text + (showError ? `curl: (${ending.exitCode}) ${ending.error}\n` : '');
  const writeOut = opts.writeOut === undefined ? { stdout: '', stderr: '' } : curlWriteOut(opts.writeOut, { ...ending.facts, exitCode: ending.exitCode, errormsg: ending.error ?? '', url: url.effective });
  return { stdout: ending.stdout + writeOut.stdout, stderr: stderr + writeOut.stderr, exitCode: ending.exitCode };
}
