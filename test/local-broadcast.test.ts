// DeviceState.isLocalBroadcast (its one-test "no" from the longest prefix's host bits, then the kept broadcast
// addresses) answers as a scan of the up interfaces' addresses does, after random addresses of any length are added
// and removed and interfaces go down and up.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { broadcastOf, formatIp, subnetOf } from '../topology/address.js';
import type { DeviceState } from '../sim/device-state.js';
import { Simulator } from '../sim/simulator.js';
import { compileLabObject } from '../topology/compile.js';
import { generateHostGwLab } from '../topology/generate.js';

const lab = compileLabObject('generated.yaml', generateHostGwLab(2, 1));

/** The reference: 255.255.255.255, or the broadcast address of a subnet (shorter than /31) of an up interface's address. */
function scan(s: DeviceState, addr: number): boolean {
  if (addr === 0xffffffff) return true;
  for (const i of s.ifaces.values()) {
    if (i.kind === 'loopback' || !i.up) continue;
    for (const a of i.addrs) if (a.len < 31 && broadcastOf(subnetOf(a)) === addr) return true;
  }
  return false;
}

/** A small space, so that asked broadcasts meet added subnets often. */
const ip = fc.tuple(fc.integer({ min: 0, max: 1 }), fc.integer({ min: 0, max: 15 })).map(([c, d]) => ((10 << 24) | (9 << 16) | (c << 8) | d) >>> 0);
const change = fc.oneof(
  fc.tuple(ip, fc.integer({ min: 26, max: 32 }), fc.constantFrom('eth1', 'cni0')).map(([a, len, dev]) => `ip addr add ${formatIp(a)}/${len} dev ${dev}`),
  fc.tuple(ip, fc.integer({ min: 26, max: 32 }), fc.constantFrom('eth1', 'cni0')).map(([a, len, dev]) => `ip addr del ${formatIp(a)}/${len} dev ${dev}`),
  fc.tuple(fc.constantFrom('eth1', 'cni0', 'eth0'), fc.constantFrom('down', 'up')).map(([dev, state]) => `ip link set ${dev} ${state}`),
);
/** Broadcast addresses of random subnets, and any addresses. */
const ask = fc.oneof(fc.tuple(ip, fc.integer({ min: 26, max: 32 })).map(([a, len]) => broadcastOf(subnetOf({ ip: a, len }))), ip, fc.constant(0xffffffff));

describe('isLocalBroadcast', () => {
  it('answers as the scan of the up interfaces does', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(change, ask), { minLength: 1, maxLength: 30 }), (steps) => {
        const sim = new Simulator(lab);
        const s = sim.dp.state('controlplane');
        for (const step of steps) {
          if (typeof step === 'string') sim.run('controlplane', step);
          else expect(s.isLocalBroadcast(step)).toBe(scan(s, step));
        }
      }),
      { numRuns: 1000 },
    );
  });
});
