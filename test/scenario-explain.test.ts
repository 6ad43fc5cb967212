// `--explain`: the simulator's trace records rendered hop by hop, each hop folding the path it shares with the last.
import { describe, expect, it, vi } from 'vitest';
import { explainTraces } from '../cli/explain.js';
import { createSimBackend } from '../lab/sim.js';
import { loadLab } from '../topology/compile.js';

// The machine is shared: building labs and running probes may be slow, never wrong.
vi.setConfig({ testTimeout: 60_000 });

async function traces(place: string, command: string) {
  const sim = createSimBackend();
  await sim.up(loadLab('three-node'));
  const r = await sim.run(place, command);
  expect(r.traces?.length, `${command} gave no trace record: ${r.stderr}`).toBeGreaterThan(0);
  return r.traces!;
}

describe('explainTraces', () => {
  it('prints one summary line per hop, the decisions as -> and <- lines, and folds shared path prefixes', async () => {
    const text = explainTraces(await traces('node-2/netshoot', 'traceroute -n -q 1 -m 4 10.244.1.3'));
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toBe('explain: traceroute to 10.244.1.3 (10.244.1.3), udp');
    const hops = lines.filter((l) => l.startsWith('hop '));
    expect(hops).toEqual([
      'hop 1: time-exceeded at node-2; time-exceeded from 10.244.2.1',
      'hop 2: time-exceeded at node-1; time-exceeded from 192.168.56.11',
      'hop 3: reached at httpd; unreachable code 3 from 10.244.1.3',
    ]);
    for (const l of lines.slice(1)) expect(l).toMatch(/^(hop \d+: |    -> |    <- |    \.\. as hop \d+ through )/);
    expect(lines).toContain('    .. as hop 2 through node-2');
    // Hop 1 starts at the prober; the router's decision that ended it is printed in full.
    expect(lines[2]).toMatch(/^ {4}-> netshoot \[out eth0\]: /);
    expect(lines.some((l) => /^ {4}-> node-1 \[in eth1, out cni0\]: TTL 1 expires here/.test(l))).toBe(true);
  });

  it('shows the DNAT rule that makes a ClusterIP answer at every hop', async () => {
    const text = explainTraces(await traces('node-2/netshoot', 'traceroute -n -q 1 -m 3 -T -p 80 10.96.0.20'));
    expect(text.split('\n').filter((l) => l.startsWith('hop '))).toEqual([
      'hop 1: time-exceeded at node-2; time-exceeded from 10.96.0.20',
      'hop 2: time-exceeded at node-1; time-exceeded from 10.96.0.20',
      'hop 3: reached at httpd; tcp-synack from 10.96.0.20',
    ]);
    expect(text).toMatch(/-> node-2 \[in cni0\]: DNAT 10\.96\.0\.20:80 -> 10\.244\.1\.3:80/);
  });

  it('names the sysctl that silenced a router', async () => {
    const sim = createSimBackend();
    await sim.up(loadLab('three-node'));
    const brk = await sim.run('node-1', 'sysctl -w net.ipv4.ip_forward=0');
    expect(brk.exitCode, brk.stderr).toBe(0);
    const r = await sim.run('node-2/netshoot', 'traceroute -n -q 1 -w 1 -m 3 10.244.1.3');
    const text = explainTraces(r.traces ?? []);
    expect(text).toMatch(/^hop 2: forwarding-off at node-1; no reply \(\*\)$/m);
    expect(text).toMatch(/ip_forward/);
  });

  it('is empty without trace records', () => {
    expect(explainTraces([])).toBe('');
  });
});
