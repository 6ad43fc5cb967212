// `ip -s link`'s statistics block: the layout (iproute2 6.1's print_stats64, columns widened to the widest number) is
// checked by laying out this machine's real `ip -s link` and `ip -s -s link` numbers for lo again; which frames count
// on which interface is compared with the kernel by test/link-stats-netns.test.ts.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { linkStatsLines, type LinkStatsView } from '../sim/commands/ip-link-stats.js';
import { Simulator } from '../sim/simulator.js';
import { compileLabText } from '../topology/compile.js';
import { packageRoot } from '../topology/paths.js';

const THREE_NODE = readFileSync(join(packageRoot(), 'topology', 'labs', 'three-node.yaml'), 'utf8');
const ipThere = spawnSync('ip', ['-s', 'link', 'show', 'lo']).status === 0;

/** The real block's lines (after the header and link/ line) and the numbers in it, in print order. */
function realBlock(level: number): { lines: string[]; nums: number[] } {
  const args = [...Array<string>(level).fill('-s'), 'link', 'show', 'lo'];
  const lines = spawnSync('ip', args, { encoding: 'utf8' }).stdout.split('\n').slice(2).filter(Boolean);
  const nums = lines.filter((l) => !/[A-Za-z]/.test(l)).flatMap((l) => l.trim().split(/\s+/).map(Number));
  return { lines, nums };
}

function view(level: number, n: number[]): LinkStatsView {
  const [rxBytes, rxPackets, rxErrors, rxDropped, rxMissed, multicast] = n;
  const rxErr = level > 1 ? n.slice(6, 11) : [0, 0, 0, 0, 0];
  const tx = level > 1 ? n.slice(11, 17) : n.slice(6, 12);
  const txErr = level > 1 ? n.slice(17, 22) : [0, 0, 0, 0, 0];
  return {
    rxBytes: rxBytes!, rxPackets: rxPackets!, rxErrors: rxErrors!, rxDropped: rxDropped!, rxMissed: rxMissed!, multicast: multicast!,
    rxLength: rxErr[0]!, rxCrc: rxErr[1]!, rxFrame: rxErr[2]!, rxFifo: rxErr[3]!, rxOver: rxErr[4]!,
    txBytes: tx[0]!, txPackets: tx[1]!, txErrors: tx[2]!, txDropped: tx[3]!, txCarrier: tx[4]!, collisions: tx[5]!,
    txAborted: txErr[0]!, txFifo: txErr[1]!, txWindow: txErr[2]!, txHeartbeat: txErr[3]!, carrierChanges: txErr[4]!,
  };
}

describe('ip -s link', () => {
  it.skipIf(!ipThere)('lays out the statistics as the real ip does, with -s and -s -s', () => {
    for (const level of [1, 2]) {
      const real = realBlock(level);
      expect(linkStatsLines(view(level, real.nums), level), `level ${level}`).toEqual(real.lines);
    }
  });

  it('prints a block under each interface for ip -s link and ip -s addr, none with -br, and refuses -s elsewhere', () => {
    const sim = new Simulator(compileLabText('three-node.yaml', THREE_NODE));
    const link = sim.run('node-1', 'ip -s link show dev cni0').stdout.split('\n');
    expect(link[2]).toMatch(/^ {4}RX: {2}bytes packets errors dropped {2}missed {3}mcast {11}$/);
    expect(sim.run('node-1', 'ip -s -s link show cni0').stdout).toMatch(/TX errors: aborted {3}fifo {2}window heartbt transns\n/);
    expect(sim.run('node-1', 'ip -s addr show dev cni0').stdout).toMatch(/valid_lft forever preferred_lft forever\n {4}RX: /);
    expect(sim.run('node-1', 'ip -s -br link').stdout).toBe(sim.run('node-1', 'ip -br link').stdout);
    expect(sim.run('node-1', 'ip -s neigh').exitCode).toBe(3);
  });
});
