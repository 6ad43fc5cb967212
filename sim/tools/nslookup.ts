// BIND nslookup (non-interactive): the search-list walk asking A until an answer, then AAAA for the found name;
// `;; Got recursion not available` per reply without RA; PTR for an address; everything on stdout (FACTS-L4 §3).
import type { Packet as DnsMessage, RecordType } from 'dns-packet';
import { formatIp, parseIp } from '../../topology/address.js';
import type { CommandResult } from '../../topology/trace.js';
import { unsupported } from '../commands/output.js';
import { addressesIn, rcodeOf, searchCandidates } from '../dns/stub.js';
import { buildQuery } from '../dns/wire.js';
import type { ToolContext } from '../tool-context.js';
import { BIND_TIMEOUT_S, BIND_TRIES, bindSend, clientServer } from './bind-query.js';
import { authoritative, rdataText, recursionAvailable, reverseName } from './dns-format.js';

interface NslookupOptions {
  name: string;
  server?: string;
  /** -type=X; undefined: the default lookups (A then AAAA, or PTR for an address). */
  type?: RecordType;
}

function parse(args: readonly string[]): NslookupOptions | CommandResult {
  let name: string | undefined;
  let server: string | undefined;
  let type: RecordType | undefined;
  for (const a of args) {
    const m = /^-(?:type|querytype|q|t)=(\w+)$/i.exec(a);
    if (m) type = m[1]!.toUpperCase() as RecordType;
    else if (a.startsWith('-')) return unsupported(`nslookup ${a}`);
    else if (name === undefined) name = a;
    else if (server === undefined) server = a;
    else return unsupported('nslookup with more than NAME SERVER');
  }
  if (name === undefined) return unsupported('interactive nslookup');
  return { name, ...(server !== undefined ? { server } : {}), ...(type !== undefined ? { type } : {}) };
}

/**
 * One reply's own line: BIND prints it as the reply arrives, for a server from resolv.conf only; with the server on
 * the command line (`nslookup httpd 10.244.0.2`) no reply gets it (kernel-checked: namespace lab, BIND 9.18).
 */
const noRecursion = (m: DnsMessage, server: number, named: boolean): string =>
  (named || recursionAvailable(m) ? '' : `;; Got recursion not available from ${formatIp(server)}\n`);

export function nslookup(args: readonly string[], ctx: ToolContext): CommandResult {
  const parsed = parse(args);
  if ('exitCode' in parsed) return parsed;
  const server = clientServer(ctx, parsed.server);
  if (server === undefined) return { stdout: `;; Got no answer from ${parsed.server}\n`, stderr: '', exitCode: 1 };
  const header = `Server:\t\t${formatIp(server)}\nAddress:\t${formatIp(server)}#53\n\n`;
  const address = parseIp(parsed.name);
  const type: RecordType = parsed.type ?? (address !== undefined ? 'PTR' : 'A');
  const name = address !== undefined ? reverseName(formatIp(address)) : parsed.name;
  // The Server header goes with an explicit -type's replies and with the default A lookup, not with PTR or AAAA.
  const withHeader = parsed.type !== undefined || type === 'A';
  const conf = ctx.dns.conf();
  const candidates = address !== undefined ? [name] : searchCandidates(name, conf.search, conf.ndots);
  let out = '';
  for (const [i, candidate] of candidates.entries()) {
    const got = bindSend(ctx, server, buildQuery(candidate, type, { id: ctx.dns.nextId() }), BIND_TRIES, BIND_TIMEOUT_S);
    out += got.errors.join('');
    if (!got.ok) return { stdout: `${out};; no servers could be reached\n\n`, stderr: '', exitCode: 1 };
    out += noRecursion(got.reply, server, parsed.server !== undefined);
    const rcode = rcodeOf(got.reply);
    if (rcode === 'NXDOMAIN' && i < candidates.length - 1) continue;
    if (rcode !== 'NOERROR') return { stdout: `${out}${withHeader ? header : ''}** server can't find ${parsed.name}: ${rcode}\n\n`, stderr: '', exitCode: 1 };
    out += (withHeader ? header : '') + answerText(got.reply, candidate, type);
    if (parsed.type === undefined && type === 'A') out += aaaaFollowUp(ctx, server, candidate, parsed.server !== undefined);
    return { stdout: `${out}\n`, stderr: '', exitCode: 0 };
  }
  return { stdout: out, stderr: '', exitCode: 1 };
}

/** The answer block: `Non-authoritative answer:` for a reply without aa, then `Name:`/`Address:` or `name =` lines. */
function answerText(reply: DnsMessage, name: string, type: RecordType): string {
  let t = authoritative(reply) ? '' : 'Non-authoritative answer:\n';
  for (const a of reply.answers ?? []) {
    if (a.type === 'A' || a.type === 'AAAA') t += `Name:\t${name}\nAddress: ${rdataText(a)}\n`;
    else if (a.type === 'PTR') t += `${a.name}\tname = ${rdataText(a)}\n`;
    else t += `${a.name}\t${a.type.toLowerCase()} = ${rdataText(a)}\n`;
  }
  if ((reply.answers ?? []).length === 0 && type !== 'AAAA') t += `*** Can't find ${name}: No answer\n`;
  return t;
}

/** The default lookup's AAAA for the found name: its addresses, and its reply's own line. */
function aaaaFollowUp(ctx: ToolContext, server: number, name: string, named: boolean): string {
  const got = bindSend(ctx, server, buildQuery(name, 'AAAA', { id: ctx.dns.nextId() }), BIND_TRIES, BIND_TIMEOUT_S);
  if (!got.ok) return got.errors.join('');
  const v6 = addressesIn(got.reply, 'AAAA').map((a) => `Name:\t${name}\nAddress: ${a}\n`).join('');
  return got.errors.join('') + v6 + noRecursion(got.reply, server, named);
}
