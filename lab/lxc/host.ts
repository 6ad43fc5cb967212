// The root-namespace side of an LXC lab: the host-only bridge, lxc-net's NAT bridge, ip_forward; each change recorded first.
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { UsageError } from '../backend.js';
import { runArgv } from '../process.js';
import { saveLxcRecord, type LxcRecord } from './record.js';

export const LXC_NET = '/usr/libexec/lxc/lxc-net';
/** lxc-net's bridge and dnsmasq lease file (Debian defaults). */
export const LXC_NAT_BRIDGE = 'lxcbr0';
export const LXC_LEASES = '/var/lib/misc/dnsmasq.lxcbr0.leases';
const IP_FORWARD = '/proc/sys/net/ipv4/ip_forward';

async function must(argv: readonly string[], what: string): Promise<string> {
  const result = await runArgv(argv);
  if (result.exitCode !== 0) throw new UsageError(`${what} failed (exit ${result.exitCode}): ${(result.stderr || result.stdout).trim()}`);
  return result.stdout;
}

export async function linkExists(name: string): Promise<boolean> {
  return (await runArgv(['ip', 'link', 'show', 'dev', name])).exitCode === 0;
}

/** Makes the host-only bridge with the host's address, lxc-net's NAT, and records each change before making it. */
export async function prepareHost(path: string, record: LxcRecord, hostOnly: { bridge: string; hostCidr: string }, progress: (line: string) => void): Promise<void> {
  if (!(await linkExists(hostOnly.bridge))) {
    record.bridge = hostOnly.bridge;
    saveLxcRecord(path, record);
    progress(`host: bridge ${hostOnly.bridge} ${hostOnly.hostCidr}`);
    await must(['ip', 'link', 'add', hostOnly.bridge, 'type', 'bridge'], `ip link add ${hostOnly.bridge}`);
    await must(['ip', 'addr', 'add', hostOnly.hostCidr, 'dev', hostOnly.bridge], `ip addr add ${hostOnly.hostCidr}`);
    await must(['ip', 'link', 'set', hostOnly.bridge, 'up'], `ip link set ${hostOnly.bridge} up`);
  }
  if (!existsSync('/run/lxc/network_up')) {
    record.ipForward = (await readFile(IP_FORWARD, 'utf8')).trim();
    record.lxcNetStarted = true;
    if (!existsSync(LXC_LEASES)) record.leasesFile = LXC_LEASES;
    saveLxcRecord(path, record);
    progress(`host: starting lxc-net (${LXC_NAT_BRIDGE} 10.0.3.1/24, dnsmasq, nft masquerade)`);
    await must([LXC_NET, 'start'], 'lxc-net start');
  }
}

/** Undoes what the record says this lab changed on the host, in reverse order; tolerant of half-made changes. */
export async function restoreHost(record: LxcRecord, progress: (line: string) => void): Promise<void> {
  if (record.lxcNetStarted && existsSync('/run/lxc/network_up')) {
    progress('host: stopping lxc-net');
    await must([LXC_NET, 'stop'], 'lxc-net stop');
  }
  if (record.lxcNetStarted && (await linkExists(LXC_NAT_BRIDGE))) await must(['ip', 'link', 'del', LXC_NAT_BRIDGE], `ip link del ${LXC_NAT_BRIDGE}`);
  if (record.ipForward !== undefined) await writeFile(IP_FORWARD, `${record.ipForward}\n`);
  if (record.leasesFile) await rm(record.leasesFile, { force: true });
  if (record.bridge && (await linkExists(record.bridge))) {
    progress(`host: removing bridge ${record.bridge}`);
    await must(['ip', 'link', 'del', record.bridge], `ip link del ${record.bridge}`);
  }
}
