// `nstat -a` for the ICMP MIB: the line layout checked by laying out this machine's real `nstat -asz` counters again;
// which names, in which order (the kernel's /proc/net/snmp order, IcmpMsg types only once seen); the counts themselves
// are compared with the kernel by the scenario nstat-icmp-counters (verify).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nstatLine } from '../sim/commands/nstat.js';
import { ICMP_COLUMNS } from '../sim/snmp.js';
import { Simulator } from '../sim/simulator.js';
import { compileLabText } from '../topology/compile.js';
import { packageRoot } from '../topology/paths.js';

const THREE_NODE = readFileSync(join(packageRoot(), 'topology', 'labs', 'three-node.yaml'), 'utf8');
// -s: read without writing nstat's history file.
const real = spawnSync('nstat', ['-asz', 'Icmp*'], { encoding: 'utf8' });
const hasNstat = !real.error && real.status === 0;

describe('nstat -a (ICMP counters)', () => {
  it.skipIf(!hasNstat)('lays out counters as the real nstat does, Icmp columns in /proc/net/snmp order', () => {
    const lines = real.stdout.split('\n').filter((l) => /^Icmp(In|Out|Msg)/.test(l));
    for (const l of lines) {
      const [name, value] = l.split(/\s+/);
      expect(nstatLine(name!, Number(value))).toBe(`${l}\n`);
    }
    const snmp = readFileSync('/proc/net/snmp', 'utf8').split('\n').find((l) => l.startsWith('Icmp: In'))!;
    expect(ICMP_COLUMNS).toEqual(snmp.split(' ').slice(1));
    // The names in the real nstat's order: the Ip line before the Icmp line, whatever order they were asked in.
    const asked = ['IcmpOutTimeExcds', 'IpForwDatagrams', 'IcmpInMsgs'];
    const order = (text: string) => text.split('\n').slice(1).filter(Boolean).map((l) => l.split(/\s+/)[0]);
    const sim = new Simulator(compileLabText('three-node.yaml', THREE_NODE));
    expect(order(sim.run('node-1', `nstat -asz ${asked.join(' ')}`).stdout)).toEqual(order(spawnSync('nstat', ['-asz', ...asked], { encoding: 'utf8' }).stdout));
  });

  it('prints only the named counters, zeros with -z, and refuses what it does not count', () => {
    const sim = new Simulator(compileLabText('three-node.yaml', THREE_NODE));
    expect(sim.run('node-1', 'nstat -asz IcmpOutTimeExcds IcmpInMsgs IcmpMsgOutType11').stdout)
      .toBe(`#kernel\n${nstatLine('IcmpInMsgs', 0)}${nstatLine('IcmpOutTimeExcds', 0)}`);
    sim.run('netshoot', 'traceroute -n -q 1 -m 2 10.244.1.3');
    expect(sim.run('node-1', 'nstat -as IcmpInMsgs IcmpOutTimeExcds IcmpMsgOutType11').stdout)
      .toBe(`#kernel\n${nstatLine('IcmpOutTimeExcds', 1)}${nstatLine('IcmpMsgOutType11', 1)}`);
    for (const line of ['nstat', 'nstat -az', 'nstat -az TcpInSegs', 'nstat -az Icmp*', 'nstat IcmpInMsgs']) expect(sim.run('node-1', line).exitCode, line).toBe(3);
    expect(sim.run('traceroute', 'nstat -az IcmpInMsgs')).toMatchObject({ stderr: 'sh: nstat: not found\n', exitCode: 127 });
  });
});
