// The API edits made in a running simulator (kubectl scale, delete pod, label, patch, apply/delete -f) and their
// effect on the dataplane: kube-proxy rewrites its KUBE-* chains on every node from the Services' new endpoints, and
// kube-router (when the lab runs it) its KUBE-ROUTER-*/KUBE-NWPLCY-*/KUBE-POD-FW-* chains and ipsets.
import { kubeObjects, WORKLOAD_AGE_MS, type KubeCluster } from '../topology/kube-objects.js';
import { emptyKubeEdits, type AppliedPolicy, type KubeEdits } from '../topology/kube-edits.js';
import { kubeRouterRulesNow, mergeFilter } from '../topology/policy-engine.js';
import { modelServicesOf } from '../topology/kube-services.js';
import { nodeNetfilterRules } from '../topology/netfilter-rules.js';
import type { Device, LabModel } from '../topology/model.js';
import { parseSave } from './netfilter.js';
import type { NetworkPolicy } from '../topology/network-policy.js';
import type { Dataplane } from './dataplane.js';
import type { Simulator } from './simulator.js';

/** The edits by the simulator's dataplane (what the packet engine holds: --explain names applied policies). */
const editsByDataplane = new WeakMap<Dataplane, KubeEdits>();

export function kubeEditsOf(sim: Simulator): KubeEdits {
  return editsByDataplane.get(sim.dp) ?? emptyKubeEdits();
}

/** The NetworkPolicies and pod labels the API server holds now, for the engine's verdict notes. */
export function policiesOfDataplane(dp: Dataplane): { policies: readonly NetworkPolicy[]; labelsOf: (pod: string) => Readonly<Record<string, string>> | undefined } {
  const edits = editsByDataplane.get(dp) ?? emptyKubeEdits();
  const labels = edits.podLabels;
  return { policies: policiesNow(dp.model, edits).map((a) => a.policy), labelsOf: (pod) => labels[`${dp.model.device(pod)?.namespace ?? 'default'}/${pod}`] };
}

/** The cluster's objects as they are now in this simulator. */
export function kubeClusterOf(sim: Simulator): KubeCluster {
  return kubeObjects(sim.model, sim.dp.seed, kubeEditsOf(sim));
}

/** The NetworkPolicies the API server holds after EDITS: the applied ones, else the lab file's. */
export function policiesNow(model: LabModel, edits: KubeEdits): readonly AppliedPolicy[] {
  return edits.policies ?? (model.networkPolicies ?? []).map((policy) => ({ policy, createdMs: -WORKLOAD_AGE_MS }));
}

/** Records EDITS and lets kube-proxy resync every node's rules (the watch of Services and EndpointSlices). */
export function setKubeEdits(sim: Simulator, edits: KubeEdits): void {
  editsByDataplane.set(sim.dp, edits);
  syncKubeProxy(sim, kubeClusterOf(sim), edits);
}

/** What the node agents leave on a node: netfilter lines (iptables-save form) and kube-router's ipsets. */
export interface NodeAgentRules {
  readonly lines: readonly string[];
  readonly ipsets: readonly string[];
}

/**
 * Every node's netfilter lines with kube-proxy's rules for the Services as CLUSTER has them and kube-router's for the
 * policies and pod labels after EDITS.
 */
export function nodeRulesFor(model: LabModel, cluster: KubeCluster, edits: KubeEdits): (node: Device) => NodeAgentRules {
  const labels = new Map(cluster.pods.map((p) => [p.device, p.labels]));
  const router = kubeRouterRulesNow(model, policiesNow(model, edits).map((a) => a.policy), (pod) => labels.get(pod));
  const proxy = kubeProxyRulesFor(model, cluster);
  return (node) => {
    const add = router(node);
    return add ? { lines: mergeFilter(proxy(node), add), ipsets: add.ipsets } : { lines: proxy(node), ipsets: node.ipsets ?? [] };
  };
}

function kubeProxyRulesFor(model: LabModel, cluster: KubeCluster): (node: Device) => string[] {
  const services = modelServicesOf(model, cluster.services);
  const byDevice = new Map(model.devices.map((d) => [d.id, d]));
  const rules = nodeNetfilterRules({
    clusterNetwork: model.cluster.network, services,
    endpointIps: (svc) => svc.endpoints.map((id) => {
      const d = byDevice.get(id)!;
      return { pod: id, ip: d.interfaces.find((i) => i.name === 'eth0')!.addrs[0]!.ip, ports: d.listeners };
    }),
  });
  return (node) => rules(model.cluster.joinOrder.includes(node.id) ? node.podSubnet : undefined);
}

/**
 * kube-proxy's full sync (iptables-restore --noflush of its own chains): every KUBE-* chain of the filter and nat
 * tables is replaced by the freshly computed one and stale ones are deleted; other chains and rules stay as they are.
 */
function syncKubeProxy(sim: Simulator, cluster: KubeCluster, edits: KubeEdits): void {
  const rulesOf = nodeRulesFor(sim.model, cluster, edits);
  for (const node of sim.model.devices.filter((d) => d.kind === 'node')) {
    const want = rulesOf(node);
    const parsed = parseSave(want.lines);
    if (!parsed.ok) throw new Error(`${node.id}: ${parsed.error}`);
    const tables = sim.dp.state(node.id).tables;
    for (const table of ['filter', 'nat'] as const) {
      const live = tables[table];
      for (const name of [...live.keys()]) if (name.startsWith('KUBE-')) live.delete(name);
      for (const [name, chain] of parsed.value[table]) if (name.startsWith('KUBE-')) live.set(name, chain);
    }
    sim.dp.state(node.id).setIpsets(want.ipsets);
  }
}
