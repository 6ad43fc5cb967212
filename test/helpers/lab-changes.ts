// The small generated lab (3 nodes, 2 pods each) and the random run-time changes the memo tests make to it (addresses
// on the host-only network, interfaces down and up), for tests that compare a kept answer with the uncached one.
import fc from 'fast-check';
import { compileLabObject } from '../../topology/compile.js';
import { generateHostGwLab } from '../../topology/generate.js';

export const lab = compileLabObject('generated.yaml', generateHostGwLab(3, 2));
export const nodes = lab.devices.filter((d) => d.kind === 'node').map((d) => d.id);
export const pods = lab.devices.filter((d) => d.kind === 'pod').map((d) => d.id);

/** The last byte of a host-only address (192.168.56.10-13: the three nodes' and one nobody holds). */
export const host = fc.integer({ min: 10, max: 13 });
export const node = fc.constantFrom(...nodes);

/** A node's host-only address added or removed, a node's interface (of DEVS) or a pod's eth0 going down or up. */
export function addressAndLinkChanges(devs: readonly string[]): fc.Arbitrary<readonly [string, string]>[] {
  return [
    fc.tuple(node, host).map(([n, h]) => [n, `ip addr add 192.168.56.${h}/24 dev eth1`] as const),
    fc.tuple(node, host).map(([n, h]) => [n, `ip addr del 192.168.56.${h}/24 dev eth1`] as const),
    fc.tuple(node, fc.constantFrom(...devs), fc.constantFrom('down', 'up')).map(([n, dev, state]) => [n, `ip link set ${dev} ${state}`] as const),
    fc.tuple(fc.constantFrom(...pods), fc.constantFrom('down', 'up')).map(([p, state]) => [p, `ip link set eth0 ${state}`] as const),
  ];
}
