// A device's kept egress plans (sim/egress-plan.ts) name what the uncached computation names — the route's out
// interface, the gateway unless it is the device's own address, the link, its carrier and who holds the next hop on
// it (Dataplane.neighbour) — after random address changes (a node taking its peer's gateway address), interfaces
// going down and up, routes added and deleted, sysctl writes, asked again and again for random destinations.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { egressPlan, nextHopOf, planCarrier, planLink, planNeighbour } from '../sim/egress-plan.js';
import { Simulator } from '../sim/simulator.js';
import { addressAndLinkChanges, host, lab, node, nodes, pods } from './helpers/lab-changes.js';

const change = fc.oneof(
  ...addressAndLinkChanges(['eth1', 'cni0', 'eth0']),
  fc.tuple(node, fc.integer({ min: 0, max: 2 }), host).map(([n, k, h]) => [n, `ip route replace 10.244.${k}.0/24 via 192.168.56.${h} dev eth1`] as const),
  fc.tuple(node, fc.integer({ min: 0, max: 2 })).map(([n, k]) => [n, `ip route del 10.244.${k}.0/24`] as const),
  fc.tuple(node, fc.integer({ min: 0, max: 2 })).map(([n, k]) => [n, `ip route add 10.244.${k}.0/24 dev cni0`] as const),
  fc.tuple(node, fc.constantFrom(0, 1)).map(([n, v]) => [n, `sysctl -w net.ipv4.conf.all.rp_filter=${v}`] as const),
);
const dst = fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 1, max: 3 })).map(([k, h]) => (10 << 24 | 244 << 16 | k << 8 | h) >>> 0);
const ask = fc.tuple(fc.constantFrom(...nodes, ...pods), fc.oneof(dst, host.map((h) => (192 << 24 | 168 << 16 | 56 << 8 | h) >>> 0)));

describe('egress plans', () => {
  it('name what the uncached computation names, whatever changed in between', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(change, ask), { minLength: 1, maxLength: 30 }), (steps) => {
        const sim = new Simulator(lab);
        const dp = sim.dp;
        for (const [at, what] of steps) {
          if (typeof what === 'string') {
            sim.run(at, what);
            continue;
          }
          const s = dp.state(at);
          const route = s.lookup(what)?.route;
          if (route?.type !== 'unicast') continue;
          const plan = egressPlan(s, route);
          const iface = route.dev === undefined ? undefined : s.ifaces.get(route.dev);
          expect(plan.iface).toBe(iface);
          expect(nextHopOf(plan, what)).toBe(route.via !== undefined && !s.isLocal(route.via) ? route.via : what);
          const link = iface?.segment ? dp.linkOf(iface) : undefined;
          expect(planLink(dp, plan)).toBe(link);
          if (link === undefined) continue;
          expect(planCarrier(dp, s, plan)).toBe(dp.carrierOf(s, iface!));
          const kept = planNeighbour(dp, s, plan, link, nextHopOf(plan, what));
          const uncached = dp.neighbour(iface!.segment!, nextHopOf(plan, what), at, iface!.name);
          expect(kept && `${kept.device} ${kept.iface}`).toBe(uncached && `${uncached.device} ${uncached.iface}`);
        }
      }),
      {
        numRuns: 1000,
        examples: [
          // The gateway's holder changes by addresses alone, between devices already readdressed (only the addressing epoch tells).
          [[['controlplane', 0x0af40102], ['node-2', 'ip addr add 192.168.56.11/24 dev eth1'], ['node-1', 'ip addr del 192.168.56.11/24 dev eth1'],
            ['controlplane', 0x0af40102], ['node-1', 'ip addr add 192.168.56.11/24 dev eth1'], ['controlplane', 0x0af40102]]],
        ],
      },
    );
  });
});
