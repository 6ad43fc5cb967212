// Names the NetworkPolicy behind a kube-router reject for `--explain`: the pod whose KUBE-POD-FW-* chain rejected the
// packet, the direction (ingress to it, egress from it) and the policies of that direction that select it.
import { formatIp } from '../topology/address.js';
import { podChainName, policyPodsOf } from '../topology/kube-router-rules.js';
import type { Dataplane } from './dataplane.js';
import { policiesOfDataplane } from './kube-state.js';
import { selectorMatches } from '../topology/network-policy.js';
import type { Verdict } from './netfilter-eval.js';

/** What the probe looked like to the rule: addresses, protocol and destination port. */
export interface PolicyProbe {
  readonly src: number;
  readonly dst: number;
  readonly protocol: string;
  readonly dport: number;
}

/** "dropped by policy NS/NAME: no ingress rule admits SRC to DST:PROTO PORT; ", or '' when no policy rejected it. */
export function policyVerdictNote(dp: Dataplane, device: string, v: Verdict, p: PolicyProbe): string {
  const model = dp.model;
  if (!v.chain.startsWith('KUBE-POD-FW-') || model.cluster.networkPolicy !== 'kube-router') return '';
  const pod = policyPodsOf(model.devices).find((x) => x.node === device && podChainName(x) === v.chain);
  if (!pod) return '';
  // The policies and labels as kubectl left them (apply/delete -f, label), not only the lab file's.
  const now = policiesOfDataplane(dp);
  const labels = now.labelsOf(pod.name) ?? pod.labels;
  const dir = p.dst === pod.ip ? 'Ingress' : 'Egress';
  const names = now.policies
    .filter((n) => n.namespace === pod.namespace && n.policyTypes.includes(dir) && selectorMatches(n.podSelector, labels))
    .map((n) => `${n.namespace}/${n.name}`);
  if (names.length === 0) return '';
  const port = p.protocol === 'icmp' ? 'ICMP' : `${p.protocol.toUpperCase()} ${p.dport}`;
  const what = dir === 'Ingress' ? `${formatIp(p.src)} to ${formatIp(p.dst)}:${port}` : `${formatIp(p.dst)}:${port} from ${formatIp(p.src)}`;
  return `dropped by ${names.length > 1 ? 'policies' : 'policy'} ${names.join(', ')}: no ${dir.toLowerCase()} rule admits ${what}; `;
}
