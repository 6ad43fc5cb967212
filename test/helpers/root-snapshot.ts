// The root namespace as the LXC lab must leave it: links, addresses, routes, iptables, nft ruleset, ip_forward, lxc-net's leases.
import { existsSync, readFileSync } from 'node:fs';
import { runArgv } from '../../lab/process.js';

const COMMANDS: readonly (readonly string[])[] = [
  ['ip', '-br', 'link'],
  ['ip', '-br', 'addr'],
  ['ip', 'route', 'show', 'table', 'all'],
  ['ip', 'rule'],
  ['iptables-save'],
  ['nft', 'list', 'ruleset'],
];

export async function hostSnapshot(): Promise<string> {
  const parts: string[] = [];
  for (const argv of COMMANDS) {
    const r = await runArgv(argv);
    parts.push(`$ ${argv.join(' ')}\n${r.stdout}${r.stderr}exit ${r.exitCode}\n`);
  }
  parts.push(`ip_forward ${readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8')}`);
  parts.push(`leases ${existsSync('/var/lib/misc/dnsmasq.lxcbr0.leases')}\n`);
  // iptables-save prints a timestamp comment.
  return parts.join('').replace(/^# (Generated|Completed) .*$/gm, '#');
}
