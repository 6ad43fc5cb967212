// busybox nslookup (1.36+, networking/nslookup.c): every query at once from one socket (A per candidate, then AAAA),
// the search list only for a name without a dot, one block per reply, exit 1 on any NXDOMAIN (FACTS-L4 §4).
import type { Packet as DnsMessage } from 'dns-packet';
import { formatIp, parseIp } from '../../topology/address.js';
import type { CommandResult } from '../../topology/trace.js';
import { unsupported } from '../commands/output.js';
import { rcodeOf } from '../dns/stub.js';
import { buildQuery } from '../dns/wire.js';
import type { ToolContext } from '../tool-context.js';
import { clientServer } from './bind-query.js';
import { authoritative, rdataText, reverseName } from './dns-format.js';

/** busybox's default_timeout: 5 s for the whole exchange (resent every 2.5 s). */
const TIMEOUT_MS = 5000;

/** The names asked for NAME: with no dot, NAME under every search domain (never bare); else NAME only (ndots ignored). */
function candidates(name: string, search: readonly string[]): string[] {
  const bare = name.replace(/\.$/, '');
  return name.includes('.') || search.length === 0 ? [bare] : search.map((s) => `${bare}.${s}`);
}

/** One reply's block, each followed by an empty line (NODATA: the empty line alone). */
function block(reply: DnsMessage, name: string): string {
  const rcode = rcodeOf(reply);
  if (rcode !== 'NOERROR') return `** server can't find ${name}: ${rcode}\n\n`;
  let t = authoritative(reply) ? '' : 'Non-authoritative answer:\n';
  for (const a of reply.answers ?? []) {
    if (a.type === 'A' || a.type === 'AAAA') t += `Name:\t${name}\nAddress: ${rdataText(a)}\n`;
    else if (a.type === 'PTR') t += `${a.name}\tname = ${rdataText(a).replace(/\.$/, '')}\n`;
  }
  return `${t}\n`;
}

export function busyboxNslookup(args: readonly string[], ctx: ToolContext): CommandResult {
  const operands = args.filter((a) => !a.startsWith('-'));
  if (operands.length !== args.length) return unsupported(`busybox nslookup ${args.find((a) => a.startsWith('-'))}`);
  const [name, serverArg] = operands;
  if (name === undefined || operands.length > 2) return unsupported('busybox nslookup without NAME [SERVER]');
  const server = clientServer(ctx, serverArg);
  if (server === undefined) return { stdout: '', stderr: `nslookup: bad address '${serverArg}'\n`, exitCode: 1 };
  const address = parseIp(name);
  const names = address !== undefined ? [reverseName(formatIp(address))] : candidates(name, ctx.dns.conf().search);
  const queries = address !== undefined
    ? [buildQuery(names[0]!, 'PTR', { id: ctx.dns.nextId() })]
    : [...names.map((n) => buildQuery(n, 'A', { id: ctx.dns.nextId() })), ...names.map((n) => buildQuery(n, 'AAAA', { id: ctx.dns.nextId() }))];
  const got = ctx.dns.send(server, queries, TIMEOUT_MS);
  const timedOut = ';; connection timed out; no servers could be reached\n\n';
  if (!got.ok) {
    const stderr = got.failure === 'refused' ? `nslookup: write to '${formatIp(server)}': Connection refused\n` : '';
    return { stdout: timedOut, stderr, exitCode: 1 };
  }
  let out = `Server:\t\t${formatIp(server)}\nAddress:\t${formatIp(server)}:53\n\n`;
  got.replies.forEach((reply, i) => {
    out += block(reply, queries[i]!.questions![0]!.name);
  });
  const failed = got.replies.some((r) => rcodeOf(r) === 'NXDOMAIN');
  return { stdout: out, stderr: '', exitCode: failed ? 1 : 0 };
}
