// Martian sources (docs/kernel-facts.md §5.1): own address as source is dropped silently; outputs observed on the kernel.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { maskMilliseconds, openLab } from '../index.js';
import { loadScenarioFile, scenarioLibraryDir } from '../lab/scenario/index.js';

const scenario = loadScenarioFile(join(scenarioLibraryDir(), 'martian-own-source-loop.yaml'));
const TRACE = 'traceroute -n -q 1 -w 1 -m 4 10.244.9.5';

/** The three-node lab with the scenario's break applied (the loop for 10.244.9.0/24 between node-1 and node-2). */
function loopLab() {
  const lab = openLab();
  for (const step of scenario.breakSteps) if (step.kind === 'run') expect(lab.run(step.at, step.run).exitCode).toBe(0);
  return lab;
}

/** The last decision of hop `ttl`'s first probe, on its way out or back. */
function lastStep(trace: ReturnType<ReturnType<typeof openLab>['trace']>, ttl: number) {
  const steps = trace.hops[ttl - 1]!.probes[0]!.steps;
  return steps[steps.length - 1]!;
}

describe('martian source: own address as source', () => {
  it('matches the kernel-recorded probes of the scenario', () => {
    const lab = loopLab();
    for (const p of scenario.probes) {
      const r = lab.run(p.at, p.run);
      expect({ run: p.run, out: maskMilliseconds(r.stdout), exit: r.exitCode }).toEqual({ run: p.run, out: maskMilliseconds(p.expect), exit: p.exit });
    }
  });

  it('forwarding: node-1 drops its own probe that node-2 sends back (10.99.0.0/24 is not masqueraded)', () => {
    const trace = loopLab().trace('node-1', 'traceroute -n -q 1 -w 1 -m 3 10.99.0.5');
    expect(trace.hops[1]!.probes[0]!.disposition).toBe('martian-source');
    expect(trace.hops[1]!.probes[0]!.at).toBe('node-1');
    expect(trace.hops[1]!.probes[0]!.reply).toBeUndefined();
  });

  it('local delivery: node-1 drops its own Time Exceeded that node-2 un-masquerades back to it', () => {
    const trace = loopLab().trace('node-1', TRACE);
    expect(trace.hops[1]!.probes[0]!.reply).toBeUndefined();
    expect(lastStep(trace, 2)).toMatchObject({ direction: 'back', device: 'node-1', in: 'eth1' });
    expect(lastStep(trace, 2).decision).toMatch(/martian source/);
  });

  it('rp_filter does not matter: strict rp_filter on node-1 drops it the same way (kernel-observed)', () => {
    const lab = loopLab();
    lab.run('node-1', 'sysctl -w net.ipv4.conf.all.rp_filter=1');
    expect(maskMilliseconds(lab.run('node-1', 'traceroute -n -q 1 -w 1 -m 3 10.244.9.5').stdout)).toBe(maskMilliseconds(
      'traceroute to 10.244.9.5 (10.244.9.5), 3 hops max, 60 byte packets\n 1  192.168.56.12  0.161 ms\n 2  *\n 3  *\n'));
    expect(lastStep(lab.trace('node-1', 'traceroute -n -q 1 -w 1 -m 3 10.244.9.5'), 2).decision).toMatch(/martian source/);
  });

  it('accept_local=1 on node-1 (all or eth1) lets it through: Time Exceeded from node-1 at hop 2 (kernel-observed)', () => {
    for (const key of ['all', 'eth1']) {
      const lab = loopLab();
      lab.run('node-1', `sysctl -w net.ipv4.conf.${key}.accept_local=1`);
      expect(maskMilliseconds(lab.run('node-1', 'traceroute -n -q 1 -w 1 -m 3 10.244.9.5').stdout)).toBe(maskMilliseconds(
        'traceroute to 10.244.9.5 (10.244.9.5), 3 hops max, 60 byte packets\n 1  192.168.56.12  0.071 ms\n 2  192.168.56.11  0.032 ms\n 3  *\n'));
    }
  });
});
