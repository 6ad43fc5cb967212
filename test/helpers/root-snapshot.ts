// Snapshots of the root namespace that a lab must leave as it found it: the commands' outputs (the namespace lab's
// test names its own list), and the LXC lab's: links, addresses, routes, iptables, nft ruleset, ip_forward, leases.
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

/** Each command's output, stderr and exit code, then EXTRA; iptables-save's timestamp comments masked. */
export async function commandsSnapshot(commands: readonly (readonly string[])[], extra = ''): Promise<string> {
  const parts: string[] = [];
  for (const argv of commands) {
    const r = await runArgv(argv);
    parts.push(`$ ${argv.join(' ')}\n${r.stdout}${r.stderr}exit ${r.exitCode}\n`);
  }
  return (parts.join('') + extra).replace(/^# (Generated|Completed) .*$/gm, '#');
}

export async function hostSnapshot(): Promise<string> {
  const forward = `ip_forward ${readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8')}`;
  return commandsSnapshot(COMMANDS, `${forward}leases ${existsSync('/var/lib/misc/dnsmasq.lxcbr0.leases')}\n`);
}
