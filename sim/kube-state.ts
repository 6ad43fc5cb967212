// The API edits made in a running simulator (kubectl scale, delete pod, label, patch) and their effect on the
// dataplane: kube-proxy rewrites its KUBE-* chains on every node from the Services' new endpoints.
import { kubeObjects, type KubeCluster } from '../topology/kube-objects.js';
import { emptyKubeEdits, type KubeEdits } from '../topology/kube-edits.js';
import { modelServicesOf } from '../topology/kube-services.js';
import { nodeNetfilterRules } from '../topology/netfilter-rules.js';
import type { Device, LabModel } from '../topology/model.js';
import { parseSave } from './netfilter.js';
import type { Simulator } from './simulator.js';

const editsBySim = new WeakMap<Simulator, KubeEdits>();

export function kubeEditsOf(sim: Simulator): KubeEdits {
  return editsBySim.get(sim) ?? emptyKubeEdits();
}

/** The cluster's objects as they are now in this simulator. */
export function kubeClusterOf(sim: Simulator): KubeCluster {
  return kubeObjects(sim.model, sim.dp.seed, kubeEditsOf(sim));
}

/** Records EDITS and lets kube-proxy resync every node's rules (the watch of Services and EndpointSlices). */
export function setKubeEdits(sim: Simulator, edits: KubeEdits): void {
  editsBySim.set(sim, edits);
  syncKubeProxy(sim, kubeClusterOf(sim));
}

/** Every node's netfilter lines (iptables-save form) with kube-proxy's rules for the Services as CLUSTER has them. */
export function nodeRulesFor(model: LabModel, cluster: KubeCluster): (node: Device) => string[] {
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
function syncKubeProxy(sim: Simulator, cluster: KubeCluster): void {
  const rulesOf = nodeRulesFor(sim.model, cluster);
  for (const node of sim.model.devices.filter((d) => d.kind === 'node')) {
    const parsed = parseSave(rulesOf(node));
    if (!parsed.ok) throw new Error(`${node.id}: ${parsed.error}`);
    const tables = sim.dp.state(node.id).tables;
    for (const table of ['filter', 'nat'] as const) {
      const live = tables[table];
      for (const name of [...live.keys()]) if (name.startsWith('KUBE-')) live.delete(name);
      for (const [name, chain] of parsed.value[table]) if (name.startsWith('KUBE-')) live.set(name, chain);
    }
  }
}
