// Dataplane.neighbourOn's kept answers per link (8 slots by address) give the same holder as the uncached lookup
// (Dataplane.neighbour), after random address changes, sysctl writes and interfaces going down and up, asked again and again.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Simulator } from '../sim/simulator.js';
import { addressAndLinkChanges, host, lab, node, pods } from './helpers/lab-changes.js';

const change = fc.oneof(
  ...addressAndLinkChanges(['eth1', 'cni0']),
  fc.tuple(node, fc.constantFrom(0, 1)).map(([n, v]) => [n, `sysctl -w net.ipv4.conf.all.arp_ignore=${v}`] as const),
);
const target = host.map((h) => (192 << 24 | 168 << 16 | 56 << 8 | h) >>> 0);
/** A node asking on eth1, or a pod asking its node's cni0 address on eth0. */
const ask = fc.oneof(fc.tuple(node, target).map(([n, ip]) => [n, 'eth1', ip] as const), fc.constantFrom(...pods).map((p) => [p, 'eth0', undefined] as const));

describe("neighbourOn's kept answer", () => {
  it('names the holder the uncached lookup names, whatever changed in between', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(change, ask), { minLength: 1, maxLength: 24 }), (steps) => {
        const sim = new Simulator(lab);
        const dp = sim.dp;
        for (const step of steps) {
          if (step.length === 2) {
            sim.run(step[0], step[1]);
            continue;
          }
          const [at, dev, target] = step;
          const s = dp.state(at);
          const i = s.ifaces.get(dev)!;
          const ip = target ?? s.lookup(0)?.route.via ?? 0;
          const kept = dp.neighbourOn(dp.linkOf(i), i.segment!, ip, at, dev);
          const uncached = dp.neighbour(i.segment!, ip, at, dev);
          expect(kept && `${kept.device} ${kept.iface}`).toBe(uncached && `${uncached.device} ${uncached.iface}`);
          expect(kept?.ifaceState).toBe(uncached?.ifaceState);
        }
      }),
      {
        numRuns: 1000,
        examples: [
          // The holder's carrier goes: the pod's gateway (cni0) goes down between two asks.
          [[['p1-0', 'eth0', undefined], ['node-1', 'ip link set cni0 down'], ['p1-0', 'eth0', undefined]]],
          // Two holders of one address: the first is passed over for its carrier, then comes back.
          [[['node-1', 'ip addr add 192.168.56.13/24 dev eth1'], ['node-2', 'ip addr add 192.168.56.13/24 dev eth1'], ['node-1', 'ip link set eth1 down'],
            ['controlplane', 'eth1', 0xc0a8380d], ['node-1', 'ip link set eth1 up'], ['controlplane', 'eth1', 0xc0a8380d]]],
          // The holder's address goes away (an address change on a device already readdressed).
          [[['node-1', 'ip addr add 192.168.56.13/24 dev eth1'], ['controlplane', 'eth1', 0xc0a8380d], ['node-1', 'ip addr del 192.168.56.13/24 dev eth1'], ['controlplane', 'eth1', 0xc0a8380d]]],
        ],
      },
    );
  });
});
