// runProbe's one route lookup for the probe's source and its send (originateAt's `known` route, used only while nat
// OUTPUT keeps the destination) against originateAt looking the route up itself, in two simulators changed alike
// (nat OUTPUT DNATs, routes, addresses, links, the input sysctls); and a journey's visited list (slots and a count)
// against a plain list; a link record's kept bridge state against the state by name.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Route } from '../topology/model.js';
import type { DeviceState } from '../sim/dataplane.js';
import { Journey, addressFor, originateAt } from '../sim/engine.js';
import { ICMP_ECHO, icmpHeader, makePacket } from '../sim/packet.js';
import { Simulator } from '../sim/simulator.js';
import { addressAndLinkChanges, host, lab, node, nodes, pods } from './helpers/lab-changes.js';

const subnet = fc.integer({ min: 0, max: 2 });
const podIp = fc.tuple(subnet, fc.integer({ min: 1, max: 3 })).map(([k, h]) => `10.244.${k}.${h}`);
const change = fc.oneof(
  ...addressAndLinkChanges(['eth1', 'cni0', 'eth0']),
  fc.tuple(node, podIp, podIp).map(([n, from, to]) => [n, `iptables -t nat -A OUTPUT -d ${from} -j DNAT --to-destination ${to}`] as const),
  node.map((n) => [n, 'iptables -t nat -F OUTPUT'] as const),
  fc.tuple(node, subnet, host).map(([n, k, h]) => [n, `ip route replace 10.244.${k}.0/24 via 192.168.56.${h} dev eth1`] as const),
  fc.tuple(node, subnet).map(([n, k]) => [n, `ip route del 10.244.${k}.0/24`] as const),
  fc.tuple(node, subnet, fc.constantFrom('blackhole', 'unreachable', 'prohibit', 'throw')).map(([n, k, t]) => [n, `ip route replace ${t} 10.244.${k}.0/24`] as const),
  fc.tuple(node, fc.constantFrom('all', 'eth1', 'cni0'), fc.constantFrom(0, 1, 2)).map(([n, dev, v]) => [n, `sysctl -w net.ipv4.conf.${dev}.rp_filter=${v}`] as const),
  fc.tuple(node, fc.constantFrom(0, 1)).map(([n, v]) => [n, `sysctl -w net.ipv4.ip_forward=${v}`] as const),
  fc.tuple(node, fc.constantFrom(0, 1)).map(([n, v]) => [n, `sysctl -w net.ipv4.conf.all.accept_local=${v}`] as const),
);
const dst = fc.oneof(podIp, host.map((h) => `192.168.56.${h}`), fc.constant('10.244.0.255'));
const probe = fc.tuple(fc.constantFrom(...nodes, ...pods), dst, fc.constantFrom('udp', 'icmp', 'tcp'), fc.integer({ min: 1, max: 4 }));

function ip(text: string): number {
  return text.split('.').reduce((n, b) => n * 256 + Number(b), 0);
}

/** What runProbe looks up once: the unicast route to DST, unless DST is local or a local broadcast. */
function knownRoute(s: DeviceState, to: number): Route | undefined {
  if (s.isLocalBroadcast(to) || s.isLocal(to)) return undefined;
  const r = s.lookup(to)?.route;
  return r?.type === 'unicast' ? r : undefined;
}

/** A probe sent from AT through originateAt, with or without the known route: its outcome, steps, time and counters. */
function send(sim: Simulator, at: string, to: number, protocol: 'udp' | 'icmp' | 'tcp', ttl: number, seq: number, withKnown: boolean): string {
  const dp = sim.dp;
  const s = dp.state(at);
  const route = knownRoute(s, to);
  const src = route ? (route.src ?? addressFor(s, route.dev, route.via ?? to) ?? 0) : 0;
  const icmp = protocol === 'icmp' ? icmpHeader(ICMP_ECHO, 0) : undefined;
  const packet = makePacket(src, to, protocol, 40000 + seq, 33434, ttl, 60, false, icmp, protocol === 'tcp' ? 'syn' : undefined);
  const j = new Journey(dp, 'out', [], dp.limiter, seq);
  const outcome = withKnown ? originateAt(j, s, packet, false, route) : originateAt(j, s, packet, false);
  const counters = [...dp.touched()].map((t) => `${t.id} ${Array.from(t.ipMib ?? []).join(',')}`).join(';');
  return JSON.stringify({ outcome, steps: j.steps, elapsed: j.elapsedMs, visited: j.visitedDevices(), counters });
}

describe('runProbe\'s one route lookup', () => {
  it('sends as originateAt does when it looks the route up itself, whatever nat OUTPUT and the routes say', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(change, probe), { minLength: 1, maxLength: 30 }), (steps) => {
        const kept = new Simulator(lab);
        const uncached = new Simulator(lab);
        kept.dp.recordSteps = uncached.dp.recordSteps = true;
        steps.forEach((step, seq) => {
          if (step.length === 2) {
            expect(kept.run(step[0], step[1])).toEqual(uncached.run(step[0], step[1]));
            return;
          }
          const [at, to, protocol, ttl] = step;
          expect(send(kept, at, ip(to), protocol, ttl, seq, true)).toBe(send(uncached, at, ip(to), protocol, ttl, seq, false));
        });
      }),
      {
        numRuns: 400,
        examples: [
          // nat OUTPUT moves the destination to another node's pods: the known route is not the one to take.
          [[['controlplane', 'iptables -t nat -A OUTPUT -d 10.244.1.2 -j DNAT --to-destination 10.244.2.2'], ['controlplane', '10.244.1.2', 'udp', 4]]],
        ],
      },
    );
  });
});

describe('a journey\'s visited list', () => {
  it('holds the devices entered in order and finds a device entered twice, as a plain list does', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f'), { maxLength: 12 }), fc.constantFrom('a', 'b', 'c'), (entered, probeDevice) => {
        const sim = new Simulator(lab);
        const state = sim.dp.state(lab.devices[0]!.id);
        const j = new Journey(sim.dp, 'out', [], sim.dp.limiter, 0);
        // A reused journey (probe.ts) holds nothing of its last run: the same list after a first run of other devices.
        for (const d of [...entered].reverse()) j.enter(`${d}2`, state);
        j.release();
        j.start(sim.dp, 'out', [], sim.dp.limiter, 0);
        const plain: string[] = [];
        for (const d of entered) { j.enter(d, state); plain.push(d); }
        expect(j.visitedDevices()).toEqual(plain);
        expect(j.visitedCount).toBe(plain.length);
        expect(j.enteredTwice(probeDevice)).toBe(plain.filter((d) => d === probeDevice).length >= 2);
      }),
      { numRuns: 300 },
    );
  });
});

describe('a link record\'s bridge state', () => {
  it('is the bridge device\'s state of its own simulator, after any changes and traffic', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(change, probe), { minLength: 1, maxLength: 12 }), (steps) => {
        const sims = [new Simulator(lab), new Simulator(lab)];
        steps.forEach((step, seq) => {
          for (const sim of sims) {
            if (step.length === 2) sim.run(step[0], step[1]);
            else send(sim, step[0], ip(step[1]), step[2], step[3], seq, true);
          }
          for (const sim of sims) {
            for (const s of [...sim.dp.touched()]) {
              for (const i of s.ifaces.values()) {
                if (i.segment === undefined) continue;
                const link = sim.dp.linkOf(i);
                if (link.bridge !== undefined) expect(sim.dp.bridgeStateOf(link)).toBe(sim.dp.state(link.bridge.device));
              }
            }
          }
        });
      }),
      { numRuns: 100 },
    );
  });
});
