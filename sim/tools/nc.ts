// nc port checks (-z) and netcat-openbsd's idle data connection (-w without -z): netcat-openbsd 1.219 (netshoot, nodes) and
// busybox's "nc 1.10" flavour (FACTS-L4 §7), their messages for success, refusal, ICMP errors, -w timeouts and unknown
// names, and their exit codes.
import { formatIp } from '../../topology/address.js';
import type { CommandResult } from '../../topology/trace.js';
import { unsupported } from '../commands/output.js';
import { STRERROR, type SocketErrno } from '../socket.js';
import type { ToolContext } from '../tool-context.js';
import { getopt } from './getopt.js';
import { tcpServiceName, tcpServicePort } from './tcp-services.js';
import { parseCInteger } from './traceroute-args.js';
import { lookupHost, openSession } from './tcp-client.js';

interface NcArgs {
  /** -z: a port check; without it a data connection (stdin to the server, the server's data to stdout). */
  readonly zero: boolean;
  readonly verbose: number;
  readonly udp: boolean;
  readonly timeoutMs?: number;
  readonly host: string;
  readonly port: number;
}

type Parsed = { ok: true; args: NcArgs } | { ok: false; result: CommandResult };

function parseNc(args: readonly string[], optstring: string, usage: (message: string) => CommandResult): Parsed {
  const p = getopt(args, optstring);
  if (!p.ok) return { ok: false, result: usage(p.message) };
  const [host, portText] = p.operands;
  if (host === undefined || portText === undefined) return { ok: false, result: usage('') };
  const port = parseCInteger(portText) ?? tcpServicePort(portText);
  if (port === undefined || port < 1 || port > 65535) return { ok: false, result: { stdout: '', stderr: `nc: port number invalid: ${portText}\n`, exitCode: 1 } };
  const w = p.options.filter((o) => o.key === 'w').at(-1)?.value;
  const timeoutMs = w === undefined ? undefined : (parseCInteger(w) ?? 0) * 1000;
  const verbose = p.options.filter((o) => o.key === 'v').length;
  const zero = p.options.some((o) => o.key === 'z');
  const udp = p.options.some((o) => o.key === 'u');
  // A data connection sends stdin (open, nothing typed: no pipes into nc) and prints what the server sends until -w's
  // idle timeout; without -w, once connected, it waits for stdin for ever (ncOpenbsd). UDP data (udptest's race with
  // the ICMP error) is not modelled.
  if (!zero && udp) return { ok: false, result: unsupported('nc -u without -z') };
  return { ok: true, args: { zero, verbose, udp, host, port, ...(timeoutMs ? { timeoutMs } : {}) } };
}

type Check = { readonly ok: true } | { readonly ok: false; readonly errno: SocketErrno; readonly callerTimeout?: boolean };

/**
 * Whether the port answers. TCP: connect() through the dataplane (-w bounds it). UDP (netcat-openbsd -zu): connect()
 * sends nothing and fails only on a route error; udptest() then writes four `X` at once, before any ICMP error can
 * come back, so a port check over UDP succeeds (kernel-checked).
 */
function check(ctx: ToolContext, a: NcArgs, ip: number): Check {
  if (!a.udp) return openSession(ctx, 'tcp', ip, a.port, a.timeoutMs).outcome;
  const route = ctx.sourceRoute(ip);
  return route.ok ? { ok: true } : { ok: false, errno: route.error };
}

const OPENBSD_USAGE = 'usage: nc [-46CDdFhklNnrStUuvZz] [-I length] [-i interval] [-M ttl]\n'
  + '\t  [-m minttl] [-O length] [-P proxy_username] [-p source_port]\n'
  + '\t  [-q seconds] [-s sourceaddr] [-T keyword] [-V rtable] [-W recvlimit]\n'
  + '\t  [-w timeout] [-X proxy_protocol] [-x proxy_address[:port]]\n'
  + '\t  [destination] [port]\n';

/** netcat-openbsd: `Connection to HOST (IP) PORT port [tcp/http] succeeded!`, `nc: connect to ... failed: REASON`. */
export function ncOpenbsd(args: readonly string[], ctx: ToolContext): CommandResult {
  const parsed = parseNc(args, '46CDdFhklNnrStUuvZzI:i:M:m:O:P:p:q:s:T:V:W:w:X:x:', (m) => ({ stdout: '', stderr: `${m ? `nc: ${m}\n` : ''}${OPENBSD_USAGE}`, exitCode: 1 }));
  if (!parsed.ok) return parsed.result;
  const a = parsed.args;
  const found = lookupHost(ctx, a.host);
  if (!found.ok) return { stdout: '', stderr: `nc: getaddrinfo for host "${a.host}" port ${a.port}: Name or service not known\n`, exitCode: 1 };
  const ip = formatIp(found.ip);
  const who = found.numeric ? ip : `${a.host} (${ip})`;
  const proto = a.udp ? 'udp' : 'tcp';
  const s = check(ctx, a, found.ip);
  // Without -z or -w a failed connect ends nc as -z's does (kernel-checked); a connected one waits for stdin for ever.
  if (s.ok && !a.zero && a.timeoutMs === undefined) return unsupported('nc without -z or -w once connected (waits for stdin for ever)');
  if (s.ok) {
    // -w N without -z: connected, nothing to send, and the lab's servers send nothing unasked: idle for N s, exit 0.
    if (!a.zero) ctx.wait(a.timeoutMs ?? 0);
    const service = a.udp ? (a.port === 53 ? 'domain' : undefined) : tcpServiceName(a.port);
    return { stdout: '', stderr: a.verbose > 0 ? `Connection to ${who} ${a.port} port [${proto}/${service ?? '*'}] succeeded!\n` : '', exitCode: 0 };
  }
  if (a.verbose === 0) return { stdout: '', stderr: '', exitCode: 1 };
  const how = s.callerTimeout ? 'timed out: Operation now in progress' : `failed: ${STRERROR[s.errno]}`;
  return { stdout: '', stderr: `nc: connect to ${who} port ${a.port} (${proto}) ${how}\n`, exitCode: 1 };
}

/** busybox nc (NC_110_COMPAT): `HOST (IP:PORT) open`; a refusal is silent below -vv; -vv adds `sent 0, rcvd 0`. */
export function ncBusybox(args: readonly string[], ctx: ToolContext): CommandResult {
  const parsed = parseNc(args, 'zvuw:p:s:lntei:q:o:', (m) => ({ stdout: '', stderr: `${m ? `nc: ${m}\n` : ''}BusyBox v1.37.0 (2024-09-26 21:31:42 UTC) multi-call binary.\n`, exitCode: 1 }));
  if (!parsed.ok) return parsed.result;
  const a = parsed.args;
  // Debian's busybox (1.35) nc cannot check the image's (1.37) data mode against the kernel: not modelled.
  if (!a.zero) return unsupported('busybox nc without -z (a data connection)');
  const found = lookupHost(ctx, a.host);
  if (!found.ok) return { stdout: '', stderr: `nc: bad address '${a.host}'\n`, exitCode: 1 };
  const who = `${a.host} (${formatIp(found.ip)}:${a.port})`;
  const s = check(ctx, a, found.ip);
  const tally = a.verbose > 1 ? 'sent 0, rcvd 0\n' : '';
  if (s.ok) return { stdout: '', stderr: a.verbose > 0 ? `${who} open\n${tally}` : '', exitCode: 0 };
  const errno = s.callerTimeout ? 'ETIMEDOUT' : s.errno;
  const say = a.verbose > 1 || (a.verbose > 0 && errno !== 'ECONNREFUSED');
  return { stdout: '', stderr: say ? `nc: ${who}: ${STRERROR[errno]}\n${tally}` : '', exitCode: 1 };
}
