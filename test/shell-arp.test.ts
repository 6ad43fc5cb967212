// `arp` at the lab's places: net-tools' table and BSD lines and busybox's lines, checked by laying out this machine's
// /proc/net/arp entries and comparing with the real `arp -n`, `arp -an` and `busybox arp -n`; then the lab's states.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Simulator } from '../sim/simulator.js';
import { ARP_TABLE_HEADER, arpBsdLine, arpTableLine, type ArpEntry } from '../sim/commands/arp.js';
import { compileLabText } from '../topology/compile.js';
import { packageRoot } from '../topology/paths.js';

const THREE_NODE = readFileSync(join(packageRoot(), 'topology', 'labs', 'three-node.yaml'), 'utf8');

function real(argv: readonly string[]): string | undefined {
  const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8' });
  return r.error || r.status !== 0 ? undefined : r.stdout;
}

/** /proc/net/arp's entries (IP, HW type, flags, HW address, mask, device), as arp reads them. */
function procArp(): ArpEntry[] {
  return readFileSync('/proc/net/arp', 'utf8').trim().split('\n').slice(1).map((l) => l.split(/\s+/)).map(([ip, , flags, mac, , dev]) => {
    const f = Number(flags);
    return { ip: ip!, dev: dev!, permanent: (f & 0x4) !== 0, ...((f & 0x2) !== 0 ? { mac: mac! } : {}) };
  });
}

const entries = procArp();
const tools = real(['arp', '-n']) !== undefined && real(['busybox', 'arp', '-n']) !== undefined;

describe('arp layouts (checked against the real net-tools and busybox arp)', () => {
  it.skipIf(!tools || entries.length === 0)('net-tools arp -n, arp -an and busybox arp -n lay out this machine\'s cache alike', () => {
    expect(ARP_TABLE_HEADER + entries.map(arpTableLine).join('')).toBe(real(['arp', '-n']));
    expect(entries.map((e) => arpBsdLine(e, false)).join('')).toBe(real(['arp', '-an']));
    expect(entries.map((e) => arpBsdLine(e, true)).join('')).toBe(real(['busybox', 'arp', '-n']));
  });

  it.skipIf(!tools || entries.length === 0)('the "no match" answers are the real ones', () => {
    const sim = new Simulator(compileLabText('three-node.yaml', THREE_NODE));
    // The lab's fresh node-1 has learnt nothing yet; one ping fills its cache with the pod's entry.
    sim.run('node-1', 'ping -c 1 10.244.1.2');
    const n = sim.dp.state('node-1').neighbours.entries().length;
    const realCount = entries.length;
    const withCount = (text: string, count: number) => text.replace(`${count} entries`, 'N entries');
    expect(withCount(sim.run('node-1', 'arp -n -i eth0').stdout, n)).toBe(withCount(real(['arp', '-n', '-i', 'nosuch'])!, realCount));
    expect(sim.run('node-1', 'arp -n 192.0.2.99').stdout).toBe(real(['arp', '-n', '192.0.2.99']));
  });
});

describe('arp in the lab', () => {
  it('shows a complete entry after a ping and (incomplete) for an address that did not answer', () => {
    const sim = new Simulator(compileLabText('three-node.yaml', THREE_NODE));
    expect(sim.run('node-1', 'arp -n')).toMatchObject({ stdout: '', exitCode: 0 });
    sim.run('node-1', 'ping -c 1 -W 1 10.244.1.2');
    sim.run('node-1', 'ping -c 1 -W 1 10.244.1.77');
    const out = sim.run('node-1', 'arp -n').stdout;
    expect(out.startsWith(ARP_TABLE_HEADER)).toBe(true);
    expect(out).toMatch(/^10\.244\.1\.2 {15}ether {3}([0-9a-f]{2}:){5}[0-9a-f]{2} {3}C {21}cni0$/m);
    expect(out).toContain(`${'10.244.1.77'.padEnd(23)}  ${''.padEnd(8)}${'(incomplete)'.padEnd(20)}${''.padEnd(21)} cni0\n`);
    expect(sim.run('traceroute', 'arp -n').exitCode).toBe(0);
    expect(sim.run('nginx', 'arp -n')).toMatchObject({ stderr: 'sh: 1: arp: not found\n', exitCode: 127 });
  });
});
