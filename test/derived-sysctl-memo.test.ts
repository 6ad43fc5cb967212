// A device's numbers derived from sysctls (DeviceState.derivedSysctl, inputSysctls: kept in arrays on its sysctl map)
// answer as the computation asked afresh, over random sysctl writes and removals and reads by several functions and
// interfaces: every write must drop them.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DeviceState, InputSysctls } from '../sim/device-state.js';
import { Simulator } from '../sim/simulator.js';
import { lab, nodes } from './helpers/lab-changes.js';

const ifaces = ['all', 'eth0', 'cni0'];
const keys = ['rp_filter', 'forwarding', 'proxy_arp'];
const confKey = fc.tuple(fc.constantFrom(...ifaces), fc.constantFrom(...keys)).map(([i, k]) => `net.ipv4.conf.${i}.${k}`);

const get = (s: DeviceState, i: string, k: string) => Number(s.sysctl(`net.ipv4.conf.${i}.${k}`, '0'));
/** Three derived numbers, by interface (or '' for none): each reads its interface's and `all`'s values. */
const computations = [
  (s: DeviceState, dev: string) => Math.max(get(s, 'all', 'rp_filter'), get(s, dev || 'all', 'rp_filter')),
  (s: DeviceState, dev: string) => get(s, dev || 'all', 'proxy_arp') * 10 + get(s, 'all', 'forwarding'),
  (s: DeviceState, dev: string) => get(s, dev || 'eth0', 'forwarding'),
];
const inputsOf = (s: DeviceState, dev: string): InputSysctls => ({ forwarding: get(s, dev, 'forwarding'), rpFilter: get(s, dev, 'rp_filter'), acceptLocal: get(s, 'all', 'forwarding') });

const op = fc.oneof(
  fc.tuple(fc.constant('set' as const), confKey, fc.constantFrom('0', '1', '2')),
  fc.tuple(fc.constant('delete' as const), confKey, fc.constant('')),
  fc.tuple(fc.constant('derived' as const), fc.constantFrom('', ...ifaces), fc.integer({ min: 0, max: computations.length - 1 }).map(String)),
  fc.tuple(fc.constant('inputs' as const), fc.constantFrom(...ifaces), fc.constant('')),
);

describe("a device's numbers derived from sysctls", () => {
  it('answer as computed afresh after any sysctl write or removal', () => {
    fc.assert(
      fc.property(fc.constantFrom(...nodes), fc.array(op, { minLength: 20, maxLength: 80 }), (node, ops) => {
        const s = new Simulator(lab).dp.state(node);
        for (const [what, a, b] of ops) {
          if (what === 'set') s.sysctls.set(a, b);
          else if (what === 'delete') s.sysctls.delete(a);
          else if (what === 'derived') {
            const compute = computations[Number(b)]!;
            expect(s.derivedSysctl(compute, a)).toBe(compute(s, a));
          } else expect(s.inputSysctls(a, inputsOf)).toEqual(inputsOf(s, a));
        }
      }),
      { numRuns: 500 },
    );
  });
});
