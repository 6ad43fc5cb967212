// The interface-listing mask: a kernel listing recorded in the namespace lab and the simulator's VM listing compare
// equal, while a difference the network makes (MTU, state, an address) is still seen.
import { describe, expect, it } from 'vitest';
import { loadScenarios } from '../lab/scenario/index.js';
import { createSimBackend } from '../lab/sim.js';
import { maskForComparison } from '../sim/tools/mask.js';

const [scenario] = loadScenarios(['scenarios/generated/interface-listings.yaml']);

describe('maskForComparison on interface listings', () => {
  it('masks the by-backend fields of every recorded listing form', async () => {
    const sim = createSimBackend();
    await sim.up(scenario!.lab);
    for (const step of scenario!.breakSteps) if (step.kind === 'run') await sim.run(step.at, step.run);
    let differBeforeMasking = 0;
    for (const probe of scenario!.probes) {
      const got = await sim.run(probe.at, probe.run);
      if (got.stdout !== probe.expect) differBeforeMasking++;
      expect(maskForComparison(got.stdout), `${probe.at}: ${probe.run}`).toBe(maskForComparison(probe.expect));
    }
    // Most listings differ by backend (ifindex, @ifN, qdisc, link-netns): the mask is what makes them agree.
    expect(differBeforeMasking).toBeGreaterThan(scenario!.probes.length / 2);
  });

  it('still sees an MTU, a state or an address that differs', () => {
    const kernel = scenario!.probes.find((p) => p.at === 'node-1' && p.run === 'ip addr')!.expect;
    for (const [from, to] of [['mtu 1400', 'mtu 1500'], ['state UP', 'state DOWN'], ['10.244.1.1/24', '10.244.1.9/24']] as const) {
      expect(kernel).toContain(from);
      expect(maskForComparison(kernel.replace(from, to)), from).not.toBe(maskForComparison(kernel));
    }
  });

  it('leaves other outputs as they are', () => {
    const route = 'default via 10.0.2.2 dev eth0 \n10.0.2.0/24 dev eth0 proto kernel scope link src 10.0.2.15 \n';
    expect(maskForComparison(route)).toBe(route);
  });
});
