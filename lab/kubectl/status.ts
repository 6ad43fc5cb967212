// The nodes of a live cluster as the lab sees them: name, InternalIP, pod subnet, Ready, from `kubectl get nodes -o json`.
import { kubectlJson, type KubectlRunner } from './cli.js';
import { nodesInJoinOrder, type K8sList } from './import.js';

export interface ClusterNodeStatus {
  readonly name: string;
  readonly internalIp: string;
  readonly podCidr: string;
  readonly ready: boolean;
  readonly controlPlane: boolean;
}

/** Reads the nodes in creation (join) order. */
export async function readClusterStatus(kubectl: KubectlRunner): Promise<ClusterNodeStatus[]> {
  const nodes = await kubectlJson<K8sList>(kubectl, ['get', 'nodes']);
  return nodesInJoinOrder(nodes.items).map((n) => {
      const addresses: { type: string; address: string }[] = n.status?.addresses ?? [];
      const conditions: { type: string; status: string }[] = n.status?.conditions ?? [];
      const labels = n.metadata.labels ?? {};
      return {
        name: n.metadata.name,
        internalIp: addresses.find((a) => a.type === 'InternalIP')?.address ?? '',
        podCidr: (n.spec?.podCIDR as string | undefined) ?? '',
        ready: conditions.some((c) => c.type === 'Ready' && c.status === 'True'),
        controlPlane: 'node-role.kubernetes.io/control-plane' in labels,
      };
    });
}

/** A table like `kubectl get nodes`, with the columns the lab cares about. */
export function formatClusterStatus(nodes: readonly ClusterNodeStatus[]): string {
  const rows = [['NAME', 'ROLE', 'INTERNAL-IP', 'POD-CIDR', 'READY'], ...nodes.map((n) => [n.name, n.controlPlane ? 'control-plane' : 'worker', n.internalIp || '-', n.podCidr || '-', n.ready ? 'yes' : 'no'])];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ')).join('\n') + '\n';
}
