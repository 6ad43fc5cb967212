// A builtin chain's policy verdicts: one immutable object per chain name and policy, found per packet without a
// lookup by name (kept on the chain, or on the table's hook record: sim/netfilter.ts ChainMap.hook).
import type { Chain, Hook } from './netfilter.js';
import type { Verdict } from './netfilter-eval.js';

/** A builtin chain's policy verdict, kept on the chain (hidden) while its policy stays: no lookup by name per packet. */
const POLICY = Symbol('policy verdict');

/** policyVerdict() for the builtin chain `c` named `chain`: the same verdict objects, found without a Map lookup. */
export function chainPolicyVerdict(c: Chain, chain: string): Verdict {
  const policy = c.policy ?? 'ACCEPT';
  const held = c as Chain & { [POLICY]?: Verdict };
  const v = held[POLICY];
  if (v !== undefined && v.target === policy && v.chain === chain) return v;
  const made = policyVerdict(chain, policy);
  if (v === undefined) Object.defineProperty(held, POLICY, { value: made, writable: true, enumerable: false });
  else held[POLICY] = made;
  return made;
}

/** chainPolicyVerdict() kept on the table's hook record for `c` (no property lookup on the chain while its policy stays). */
export function hookPolicyVerdict(hook: Hook, c: Chain, chain: string): Verdict {
  const policy = c.policy ?? 'ACCEPT';
  if (hook.verdictPolicy !== policy) {
    hook.verdict = policyVerdict(chain, policy); // chainPolicyVerdict's object, without a hidden property on the chain
    hook.verdictPolicy = policy;
  }
  return hook.verdict as Verdict;
}

/** Policy verdicts by chain name, built once each (verdicts are immutable). */
const policyVerdicts = new Map<string, { readonly ACCEPT: Verdict; readonly DROP: Verdict }>();

/** The verdict of a builtin chain's policy. */
export function policyVerdict(chain: string, policy: 'ACCEPT' | 'DROP'): Verdict {
  let both = policyVerdicts.get(chain);
  if (both === undefined) policyVerdicts.set(chain, (both = { ACCEPT: { target: 'ACCEPT', chain }, DROP: { target: 'DROP', chain } }));
  return both[policy];
}
