// kubectl's networkpolicies (networking.k8s.io): the lab's NetworkPolicy objects in kubectl's registry, printed by
// kubectl-policy.ts (printNetworkPolicy's NAME, POD-SELECTOR, AGE; describeNetworkPolicy's layout).
import type { NetworkPolicy, PolicyRule } from '../../../topology/network-policy.js';
import { formatSelector } from '../../../topology/network-policy.js';
import { kubeEditsOf, policiesNow } from '../../kube-state.js';
import { describeNetworkPolicy } from '../kubectl-policy.js';
import { age, metadata } from './api-meta.js';
import { registerKubectlResource, type KubeItem } from './registry.js';

interface PolicyItem extends KubeItem {
  readonly policy: NetworkPolicy;
  /** Simulated ms: the lab file's were created with the workloads, applied ones when kubectl apply ran. */
  readonly createdMs: number;
}

function ruleObject(r: PolicyRule, peerKey: 'from' | 'to'): Record<string, unknown> {
  return {
    ...(r.peers.length > 0 ? { [peerKey]: r.peers.map((p) => ({ ...p })) } : {}),
    ...(r.ports.length > 0 ? { ports: r.ports.map((p) => ({ ...p })) } : {}),
  };
}

function policyObject(p: NetworkPolicy, createdMs: number): Record<string, unknown> {
  return {
    apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: metadata('NetworkPolicy', p.name, p.namespace, {}, createdMs),
    spec: {
      ...(p.egress ? { egress: p.egress.map((r) => ruleObject(r, 'to')) } : {}),
      ...(p.ingress ? { ingress: p.ingress.map((r) => ruleObject(r, 'from')) } : {}),
      podSelector: { ...p.podSelector }, policyTypes: [...p.policyTypes],
    },
  };
}

const policyOf = (i: KubeItem) => (i as PolicyItem).policy;
const createdOf = (i: KubeItem) => (i as PolicyItem).createdMs;

registerKubectlResource({
  plural: 'networkpolicies', aliases: ['netpol', 'networkpolicy'], group: 'networking.k8s.io', kind: 'NetworkPolicy', namespaced: true,
  list: (call) => policiesNow(call.ctx.sim.model, kubeEditsOf(call.ctx.sim)).map(({ policy, createdMs }): PolicyItem => (
    { name: policy.name, namespace: policy.namespace, labels: {}, policy, createdMs, object: () => policyObject(policy, createdMs) })),
  table: (items, call) => ({ header: ['NAME', 'POD-SELECTOR', 'AGE'], rows: items.map((i) => [i.name, formatSelector(policyOf(i).podSelector), age(call, createdOf(i))]) }),
  describe: (item) => describeNetworkPolicy(policyOf(item), createdOf(item)),
});
