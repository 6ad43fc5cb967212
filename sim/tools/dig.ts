// BIND dig: the default report (header, OPT pseudosection with the echoed cookie, sections, stats), +short, @server,
// +search, -x, +noall +answer, +tcp; 3 tries x 5 s, exit 9 when no server answered (FACTS-L4 §5).
import type { Packet as DnsMessage, RecordType } from 'dns-packet';
import { formatIp } from '../../topology/address.js';
import type { CommandResult } from '../../topology/trace.js';
import { unsupported } from '../commands/output.js';
import { rcodeOf, searchCandidates } from '../dns/stub.js';
import { buildQuery, encodedLength } from '../dns/wire.js';
import type { ToolContext } from '../tool-context.js';
import { BIND_TIMEOUT_S, BIND_TRIES, bindSend, clientServer } from './bind-query.js';
import { absolute, flagWords, questionLine, rdataText, recordLine, recursionAvailable, reverseName } from './dns-format.js';
import { bindVersion, clockText } from './dns-clients.js';
import { tcpSend } from './dig-tcp.js';

const TYPES = new Set(['A', 'AAAA', 'PTR', 'SOA', 'NS', 'MX', 'TXT', 'SRV', 'CNAME', 'ANY']);
/** dig's EDNS0 UDP size (BIND 9.18: 1232). */
const EDNS_UDP = 1232;

interface DigOptions {
  server?: string;
  name?: string;
  type: RecordType;
  short: boolean;
  search: boolean;
  /** +tcp: the query over a TCP connection (dig-tcp.ts). */
  tcp: boolean;
  /** +noall +answer: only the answer section's records. */
  answerOnly: boolean;
  tries: number;
  timeoutS: number;
}

function parse(args: readonly string[]): DigOptions | CommandResult {
  const o: DigOptions = { type: 'A', short: false, search: false, tcp: false, answerOnly: false, tries: BIND_TRIES, timeoutS: BIND_TIMEOUT_S };
  let noall = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a.startsWith('@')) o.server = a.slice(1);
    else if (a === '-x' && args[i + 1] !== undefined) {
      o.name = reverseName(args[++i]!);
      o.type = 'PTR';
    } else if (a === '-t' && args[i + 1] !== undefined) o.type = args[++i]!.toUpperCase() as RecordType;
    else if (a.startsWith('+')) {
      const [key, value] = a.slice(1).split('=') as [string, string?];
      if (key === 'short') o.short = true;
      else if (key === 'search') o.search = true;
      else if (key === 'nosearch') o.search = false;
      else if (key === 'tcp' || key === 'vc') o.tcp = true;
      else if (key === 'notcp' || key === 'novc') o.tcp = false;
      else if (key === 'noall') noall = true;
      else if (key === 'answer' && noall) o.answerOnly = true;
      else if ((key === 'tries' || key === 'retry') && value !== undefined) o.tries = Math.max(1, Number(value) + (key === 'retry' ? 1 : 0));
      else if (key === 'timeout' && value !== undefined) o.timeoutS = Math.max(1, Number(value));
      else return unsupported(`dig ${a}`);
    } else if (a.startsWith('-')) return unsupported(`dig ${a}`);
    else if (TYPES.has(a.toUpperCase())) o.type = a.toUpperCase() as RecordType;
    else if (o.name === undefined) o.name = a;
    else return unsupported('dig with several names');
  }
  return o;
}

/** The client cookie dig sends (8 random bytes; here from the query id, masked in comparisons). */
function clientCookie(id: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeUInt32BE((id * 2654435761) >>> 0, 0);
  b.writeUInt32BE((id * 40503 + 0x5bd1e995) >>> 0, 4);
  return b;
}

export function dig(args: readonly string[], ctx: ToolContext): CommandResult {
  const parsed = parse(args);
  if ('exitCode' in parsed) return parsed;
  const o = parsed;
  const banner = `\n; <<>> DiG ${bindVersion(ctx)} <<>> ${args.join(' ')}\n`;
  const server = clientServer(ctx, o.server);
  if (server === undefined) return { stdout: '', stderr: `dig: couldn't get address for '${o.server}': not found\n`, exitCode: 10 };
  const name = o.name ?? '.';
  const conf = ctx.dns.conf();
  const candidates = o.search ? searchCandidates(name, conf.search, conf.ndots) : [name.replace(/\.$/, '') || '.'];
  let out = '';
  for (const [i, candidate] of candidates.entries()) {
    const id = ctx.dns.nextId();
    const query = buildQuery(candidate, o.type, { id, edns: { udpSize: EDNS_UDP, cookie: clientCookie(id) } });
    const got = o.tcp ? tcpSend(ctx, server, candidate, query, o.tries, o.timeoutS) : bindSend(ctx, server, query, o.tries, o.timeoutS);
    out += got.errors.join('');
    // Over TCP each failed connection already said "no servers could be reached" (BIND 9.18, kernel-checked).
    if (!got.ok && o.tcp) return { stdout: out, stderr: '', exitCode: 9 };
    if (!got.ok) {
      const tail = o.short ? '' : `${banner}${o.server !== undefined ? '; (1 server found)\n' : ''};; global options: +cmd\n`;
      return { stdout: `${out}${tail};; no servers could be reached\n`, stderr: '', exitCode: 9 };
    }
    if (rcodeOf(got.reply) === 'NXDOMAIN' && i < candidates.length - 1) continue;
    if (o.short) return { stdout: out + (got.reply.answers ?? []).map((a) => `${rdataText(a)}\n`).join(''), stderr: '', exitCode: 0 };
    if (o.answerOnly) return { stdout: out + (got.reply.answers ?? []).map((a) => `${recordLine(a)}\n`).join(''), stderr: '', exitCode: 0 };
    const head = `${banner}${o.server !== undefined ? '; (1 server found)\n' : ''};; global options: +cmd\n`;
    return { stdout: out + head + report(got.reply, query, candidate, o.type, server, got.rttMs, ctx, o.tcp), stderr: '', exitCode: 0 };
  }
  return { stdout: out, stderr: '', exitCode: 0 };
}

/** ";; Got answer:" to the MSG SIZE line and the final empty line. */
function report(reply: DnsMessage, query: DnsMessage, name: string, type: string, server: number, rttMs: number, ctx: ToolContext, tcp: boolean): string {
  const answers = reply.answers ?? [];
  const authorities = reply.authorities ?? [];
  const extras = (reply.additionals ?? []).filter((a) => a.type !== 'OPT');
  const opt = (reply.additionals ?? []).find((a) => a.type === 'OPT') as { udpPayloadSize?: number; options?: { code: number; data?: Buffer }[] } | undefined;
  let t = ';; Got answer:\n';
  if (/(^|\.)local\.?$/i.test(name)) t += ';; WARNING: .local is reserved for Multicast DNS\n;; You are currently testing what happens when an mDNS query is leaked to DNS\n';
  t += `;; ->>HEADER<<- opcode: QUERY, status: ${rcodeOf(reply)}, id: ${reply.id}\n`;
  t += `;; flags: ${flagWords(reply)}; QUERY: 1, ANSWER: ${answers.length}, AUTHORITY: ${authorities.length}, ADDITIONAL: ${extras.length + (opt ? 1 : 0)}\n`;
  if (!recursionAvailable(reply)) t += ';; WARNING: recursion requested but not available\n';
  t += '\n';
  if (opt) {
    t += `;; OPT PSEUDOSECTION:\n; EDNS: version: 0, flags:; udp: ${opt.udpPayloadSize}\n`;
    const cookie = opt.options?.find((x) => x.code === 10)?.data;
    const sent = (query.additionals?.[0] as { options?: { data?: Buffer }[] } | undefined)?.options?.[0]?.data;
    if (cookie) t += `; COOKIE: ${cookie.toString('hex')}${sent && cookie.equals(sent) ? ' (echoed)' : ''}\n`;
  }
  t += `;; QUESTION SECTION:\n${questionLine(absolute(name), type)}\n\n`;
  for (const [title, records] of [['ANSWER', answers], ['AUTHORITY', authorities], ['ADDITIONAL', extras]] as const) {
    if (records.length > 0) t += `;; ${title} SECTION:\n${records.map((r) => `${recordLine(r)}\n`).join('')}\n`;
  }
  t += `;; Query time: ${Math.round(rttMs)} msec\n`;
  t += `;; SERVER: ${formatIp(server)}#53(${formatIp(server)}) (${tcp ? 'TCP' : 'UDP'})\n`;
  t += `;; WHEN: ${clockText(ctx.nowMs())}\n`;
  t += `;; MSG SIZE  rcvd: ${encodedLength(reply)}\n\n`;
  return t;
}
