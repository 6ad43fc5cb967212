// kubectl's nodes (printNode: NAME STATUS ROLES AGE VERSION, wide INTERNAL-IP EXTERNAL-IP OS-IMAGE KERNEL-VERSION
// CONTAINER-RUNTIME) and namespaces (NAME STATUS AGE), with their objects and describe node.
import { BOX_KERNEL, BOX_OS, RUNTIME, type KubeNode } from '../../../topology/kube-nodes.js';
import { age, metadata, timestamp } from './api-meta.js';
import { describeNode, machineIds, nodeAnnotations, nodeResources } from './describe-node.js';
import { registerKubectlResource, type KubectlCall, type KubeItem } from './registry.js';

export interface NodeItem extends KubeItem {
  readonly node: KubeNode;
}

/** The ROLES column: node-role.kubernetes.io/ROLE labels, sorted, comma-joined; `<none>` without any. */
export function nodeRoles(n: KubeNode): string {
  const roles = Object.keys(n.labels).filter((k) => k.startsWith('node-role.kubernetes.io/')).map((k) => k.slice('node-role.kubernetes.io/'.length)).sort();
  return roles.length === 0 ? '<none>' : roles.join(',');
}

function nodeObject(n: KubeNode, call: KubectlCall): Record<string, unknown> {
  const nowMs = call.nowMs;
  const resources = nodeResources(call.ctx.sim.model.vm);
  return {
    apiVersion: 'v1', kind: 'Node', metadata: { ...metadata('Node', n.name, undefined, n.labels, n.createdMs), annotations: nodeAnnotations(n, call) },
    spec: { ...(n.podCIDR ? { podCIDR: n.podCIDR, podCIDRs: [n.podCIDR] } : {}), ...(n.role === 'control-plane' ? { taints: [{ effect: 'NoSchedule', key: 'node-role.kubernetes.io/control-plane' }] } : {}) },
    status: {
      addresses: [{ address: n.internalIp, type: 'InternalIP' }, { address: n.name, type: 'Hostname' }],
      conditions: n.conditions.map((c) => ({ lastHeartbeatTime: timestamp(nowMs), lastTransitionTime: timestamp(n.createdMs), message: c.message, reason: c.reason, status: c.status, type: c.type })),
      allocatable: resources, capacity: resources,
      nodeInfo: { architecture: 'amd64', bootID: machineIds(n.name).bootID, containerRuntimeVersion: RUNTIME, kernelVersion: BOX_KERNEL, kubeProxyVersion: '', kubeletVersion: n.kubeletVersion, machineID: machineIds(n.name).machineID, operatingSystem: 'linux', osImage: BOX_OS, systemUUID: machineIds(n.name).systemUUID },
    },
  };
}

registerKubectlResource({
  plural: 'nodes', aliases: ['no', 'node'], group: '', kind: 'Node', namespaced: false,
  list: (call) => call.cluster.nodes.map((node) => ({ name: node.name, labels: node.labels, node, object: () => nodeObject(node, call) })),
  table: (items, call, wide) => ({
    header: ['NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION', ...(wide ? ['INTERNAL-IP', 'EXTERNAL-IP', 'OS-IMAGE', 'KERNEL-VERSION', 'CONTAINER-RUNTIME'] : [])],
    rows: items.map((i) => {
      const n = (i as NodeItem).node;
      return [n.name, 'Ready', nodeRoles(n), age(call, n.createdMs), n.kubeletVersion, ...(wide ? [n.internalIp || '<none>', '<none>', BOX_OS, BOX_KERNEL, RUNTIME] : [])];
    }),
  }),
  describe: (item, call) => describeNode((item as NodeItem).node, call),
  fields: ['spec.unschedulable'],
});

registerKubectlResource({
  plural: 'namespaces', aliases: ['ns', 'namespace'], group: '', kind: 'Namespace', namespaced: false,
  list: (call) => call.cluster.namespaces.map((ns) => {
    const labels = { 'kubernetes.io/metadata.name': ns.name };
    return { name: ns.name, labels, object: () => ({ apiVersion: 'v1', kind: 'Namespace', metadata: metadata('Namespace', ns.name, undefined, labels, ns.createdMs), spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' } }) };
  }),
  table: (items, call) => ({
    header: ['NAME', 'STATUS', 'AGE'],
    rows: items.map((i) => [i.name, 'Active', age(call, call.cluster.namespaces.find((n) => n.name === i.name)!.createdMs)]),
  }),
  fields: ['status.phase'],
});
