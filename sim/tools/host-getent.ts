// BIND host (A, AAAA and MX of the name through the search list; PTR for an address) and `getent hosts` (libc's
// hosts database: /etc/hosts, then DNS), with their exit codes.
import type { RecordType } from 'dns-packet';
import { formatIp, parseIp } from '../../topology/address.js';
import type { CommandResult } from '../../topology/trace.js';
import { unsupported } from '../commands/output.js';
import { rcodeOf, searchCandidates } from '../dns/stub.js';
import { buildQuery } from '../dns/wire.js';
import type { ToolContext } from '../tool-context.js';
import { BIND_TIMEOUT_S, bindSend, clientServer } from './bind-query.js';
import { rdataText, reverseName } from './dns-format.js';

/** host's default: one retry (two tries) of each query over UDP (host.c: tries 2). [ASSUMED from host(1)'s -R default 1] */
const HOST_TRIES = 2;

/** What host prints for one answer record. */
function hostLine(type: string, name: string, data: string): string {
  if (type === 'A') return `${name} has address ${data}\n`;
  if (type === 'AAAA') return `${name} has IPv6 address ${data}\n`;
  if (type === 'MX') return `${name} mail is handled by ${data}\n`;
  if (type === 'PTR') return `${name} domain name pointer ${data}\n`;
  return `${name} has ${type} record ${data}\n`;
}

export function host(args: readonly string[], ctx: ToolContext): CommandResult {
  const operands = args.filter((a) => !a.startsWith('-'));
  if (operands.length !== args.length) return unsupported(`host ${args.find((a) => a.startsWith('-'))}`);
  const [name, serverArg] = operands;
  if (name === undefined || operands.length > 2) return unsupported('host without NAME [SERVER]');
  const server = clientServer(ctx, serverArg);
  if (server === undefined) return { stdout: '', stderr: `host: couldn't get address for '${serverArg}': not found\n`, exitCode: 1 };
  const head = serverArg === undefined ? '' : `Using domain server:\nName: ${serverArg}\nAddress: ${formatIp(server)}#53\nAliases: \n\n`;
  const address = parseIp(name);
  const conf = ctx.dns.conf();
  const candidates = address !== undefined ? [reverseName(formatIp(address))] : searchCandidates(name, conf.search, conf.ndots);
  const types: RecordType[] = address !== undefined ? ['PTR'] : ['A', 'AAAA', 'MX'];
  let out = head;
  for (const [i, candidate] of candidates.entries()) {
    const first = bindSend(ctx, server, buildQuery(candidate, types[0]!, { id: ctx.dns.nextId() }), HOST_TRIES, BIND_TIMEOUT_S);
    out += first.errors.join('');
    if (!first.ok) return { stdout: `${out};; no servers could be reached\n`, stderr: '', exitCode: 1 };
    const rcode = rcodeOf(first.reply);
    if (rcode === 'NXDOMAIN' && i < candidates.length - 1) continue;
    if (rcode !== 'NOERROR') return { stdout: `${out}Host ${address !== undefined ? candidate : name} not found: ${(first.reply.flags ?? 0) & 0xf}(${rcode})\n`, stderr: '', exitCode: 1 };
    for (const a of first.reply.answers ?? []) out += hostLine(a.type, a.name, rdataText(a));
    for (const type of types.slice(1)) {
      const more = bindSend(ctx, server, buildQuery(candidate, type, { id: ctx.dns.nextId() }), HOST_TRIES, BIND_TIMEOUT_S);
      out += more.errors.join('');
      if (more.ok) for (const a of more.reply.answers ?? []) out += hostLine(a.type, a.name, rdataText(a));
    }
    return { stdout: out, stderr: '', exitCode: 0 };
  }
  return { stdout: out, stderr: '', exitCode: 1 };
}

/** `getent hosts KEY...`: `%-15s %s` per found key (address, then the canonical name); exit 2 when a key is not found. */
export function getent(args: readonly string[], ctx: ToolContext): CommandResult {
  const [database, ...keys] = args;
  if (database !== 'hosts' || keys.length === 0) return unsupported(`getent ${args.join(' ')}`);
  let out = '';
  let exitCode = 0;
  for (const key of keys) {
    const address = parseIp(key);
    if (address !== undefined) {
      const name = ctx.reverse(address);
      if (name === undefined) exitCode = 2;
      else out += `${formatIp(address).padEnd(15)} ${name}\n`;
      continue;
    }
    const r = ctx.lookup(key);
    if (!r.ok) exitCode = 2;
    else out += `${formatIp(r.ip).padEnd(15)} ${r.canonical}\n`;
  }
  return { stdout: out, stderr: '', exitCode };
}
