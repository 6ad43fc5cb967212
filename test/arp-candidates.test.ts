// The per-link index of who could answer a who-has (sim/arp.ts candidatesFor) gives the same answerer as asking every
// receiver on the link, after random address changes, ARP sysctl writes and links going down, on touched and untouched devices.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { arpAnswerer, arpReply, segmentReceivers } from '../sim/arp.js';
import type { Attachment, Dataplane } from '../sim/dataplane.js';
import { Simulator } from '../sim/simulator.js';
import { compileLabObject } from '../topology/compile.js';
import { generateHostGwLab } from '../topology/generate.js';

const lab = compileLabObject('generated.yaml', generateHostGwLab(6, 2));
const nodes = lab.devices.filter((d) => d.kind === 'node').map((d) => d.id);

/** The answerer by asking every receiver in order, as arp.c's broadcast reaches them all (the reference). */
function answererByScan(dp: Dataplane, segment: string, asker: Attachment, sip: number, tip: number): string | undefined {
  let proxy: string | undefined;
  for (const r of segmentReceivers(dp, segment)) {
    if (r.device === asker.device && r.iface === asker.iface) continue;
    const s = dp.state(r.device);
    const i = s.ifaces.get(r.iface);
    if (i === undefined || !dp.carrierOf(s, i)) continue;
    const how = arpReply(s, r.iface, sip, tip);
    if (how === 'owner') return r.device;
    if (how === 'proxy') proxy ??= r.device;
  }
  return proxy;
}

const host = fc.integer({ min: 10, max: 20 });
const node = fc.constantFrom(...nodes);
const change = fc.oneof(
  fc.tuple(node, host).map(([n, h]) => [n, `ip addr add 192.168.56.${h}/24 dev eth1`] as const),
  fc.tuple(node, host).map(([n, h]) => [n, `ip addr del 192.168.56.${h}/24 dev eth1`] as const),
  fc.tuple(node, host).map(([n, h]) => [n, `ip addr add 10.99.0.${h}/32 dev lo`] as const),
  fc.tuple(node, fc.constantFrom('all', 'eth1', 'default'), fc.constantFrom('proxy_arp', 'arp_ignore', 'arp_filter'), fc.constantFrom(0, 1, 2))
    .map(([n, where, key, v]) => [n, `sysctl -w net.ipv4.conf.${where}.${key}=${v}`] as const),
  fc.tuple(node, fc.constantFrom('down', 'up')).map(([n, state]) => [n, `ip link set eth1 ${state}`] as const),
  fc.tuple(node, fc.constantFrom('10.99.0.0/24', '10.244.0.0/16')).map(([n, net]) => [n, `ip route replace ${net} dev eth1`] as const),
);
const target = fc.oneof(host.map((h) => (192 << 24 | 168 << 16 | 56 << 8 | h) >>> 0), host.map((h) => (10 << 24 | 99 << 16 | h) >>> 0));

describe('the per-link ARP candidate index', () => {
  it('answers as a scan of every receiver would, whatever was changed before', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(change, fc.tuple(node, target)), { minLength: 1, maxLength: 16 }), (steps) => {
        const sim = new Simulator(lab);
        for (const [at, what] of steps) {
          if (typeof what === 'string') {
            sim.run(at, what);
            continue;
          }
          const s = sim.dp.state(at);
          const eth1 = s.ifaces.get('eth1')!;
          const sip = eth1.addrs[0]?.ip ?? 0;
          const where = { device: at, iface: 'eth1' };
          const indexed = arpAnswerer(sim.dp, eth1.segment!, where, sip, what)?.device; // first: untouched devices stay so
          expect(indexed).toBe(answererByScan(sim.dp, eth1.segment!, where, sip, what));
        }
      }),
      { numRuns: 1000 },
    );
  });
});
