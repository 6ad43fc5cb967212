// Renders the Ansible inventory and group variables of the real lab from the model (never copied by hand).
import { stringify } from 'yaml';
import { factsOfImage } from '../topology/images.js';
import type { LabModel } from '../topology/model.js';
import { UsageError } from './backend.js';
import { networkOnlyNodes } from './lxc/render-network.js';
import { realLabFacts, VIRTUALBOX_DEFAULT_HOST_ONLY, type RealLabFacts, type RealLabPod } from './render-facts.js';


/** Flannel release the playbook's manifest follows (images docker.io/flannel/flannel and flannel-cni-plugin). */
export const FLANNEL_VERSION = 'v0.26.1';
export const FLANNEL_CNI_PLUGIN_VERSION = 'v1.6.0-flannel1';

/** The patch release installed for each Kubernetes minor the model may name (pkgs.k8s.io has one repository per minor). */
export const KUBERNETES_PATCH_RELEASES: Readonly<Record<string, string>> = {
  '1.29': '1.29.10',
  '1.30': '1.30.6',
  '1.31': '1.31.4',
  '1.32': '1.32.0',
};

/** The exact kubelet/kubeadm/kubectl version for a model's minor version; unknown minors are refused. */
export function kubernetesPatchRelease(minor: string): string {
  const patch = KUBERNETES_PATCH_RELEASES[minor];
  if (!patch) {
    throw new UsageError(`the real lab pins Kubernetes ${Object.keys(KUBERNETES_PATCH_RELEASES).join(', ')}; vm.kubernetesVersion ${minor} has no pinned release (add it to KUBERNETES_PATCH_RELEASES)`);
  }
  return patch;
}

/** The reference a model's image name stands for: pinned in topology/images.ts; a name with "/" or ":" as written. */
export function imageRef(image: string): string {
  if (image.includes('/') || image.includes(':')) return image;
  return factsOfImage(image).ref ?? `${image}:latest`;
}

/** CoreDNS pods and the kube-dns service are kubeadm's own: the playbook does not create them. */
function isKubeadmPod(pod: RealLabPod): boolean {
  return pod.image === 'coredns' || pod.image.includes('/coredns');
}

export interface InventoryOptions {
  /** Directory holding `.vagrant/machines/NAME/virtualbox/private_key` files; default `.vagrant/machines`. */
  readonly machinesDir?: string;
  readonly allowedRanges?: readonly string[];
  /** Vagrant provider whose machine directory holds the keys (`.vagrant/machines/NAME/PROVIDER/private_key`). */
  readonly provider?: 'virtualbox' | 'lxc';
  /** SSH user on the VMs; default vagrant. */
  readonly user?: string;
}

function hostVars(node: RealLabFacts['nodes'][number], machinesDir: string, provider: string): Record<string, unknown> {
  return {
    ansible_host: node.ip,
    ansible_ssh_private_key_file: `${machinesDir}/${node.name}/${provider}/private_key`,
    tracelab_node_ip: node.ip,
    tracelab_pod_subnet: node.podSubnet,
  };
}

/** YAML inventory: groups control_plane and workers (workers in join order), connecting over eth1. */
export function renderInventory(lab: LabModel, opts: InventoryOptions = {}): string {
  const facts = realLabFacts(lab, opts.allowedRanges ?? VIRTUALBOX_DEFAULT_HOST_ONLY);
  const machinesDir = opts.machinesDir ?? '.vagrant/machines';
  const group = (role: 'control-plane' | 'worker') =>
    Object.fromEntries(facts.nodes.filter((n) => n.role === role).map((n) => [n.name, hostVars(n, machinesDir, opts.provider ?? 'virtualbox')]));
  const inventory = {
    all: {
      vars: {
        ansible_user: opts.user ?? 'vagrant',
        ansible_ssh_common_args: '-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null',
      },
      children: {
        control_plane: { hosts: group('control-plane') },
        workers: { hosts: group('worker') },
      },
    },
  };
  return `# Rendered by \`tracelab lab render --backend ansible\` from lab ${facts.name}; do not edit.\n${stringify(inventory, { lineWidth: 0 })}`;
}

export interface GroupVarsOptions {
  readonly allowedRanges?: readonly string[];
  /** The network-only lab (LXC machines, no kubeadm): routes, cni0 and pods plumbed by the `network_only` role. */
  readonly networkOnly?: boolean;
}

export interface GroupVars {
  readonly [key: string]: unknown;
}

export function groupVars(lab: LabModel, opts: GroupVarsOptions = {}): GroupVars {
  const facts = realLabFacts(lab, opts.allowedRanges ?? VIRTUALBOX_DEFAULT_HOST_ONLY);
  const controlPlane = facts.nodes[0]!;
  const pods = facts.nodes
    .flatMap((n) => n.pods)
    .filter((p) => !isKubeadmPod(p))
    .map((p) => ({
      name: p.name,
      node: p.node,
      image: imageRef(p.image),
      command: factsOfImage(p.image).exitsAtOnce === true ? ['sleep', '1000000000'] : [],
      ports: p.ports.map((port) => ({ protocol: port.protocol, port: port.port })),
      expected_ip: p.ip,
      services: facts.services.filter((s) => s.endpoints.includes(p.name)).map((s) => s.name),
    }));
  const kubeadmPodList = facts.nodes.flatMap((n) => n.pods).filter(isKubeadmPod);
  const kubeadmPods = new Set(kubeadmPodList.map((p) => p.name));
  const services = facts.services
    .filter((s) => !(s.namespace === 'kube-system' && s.endpoints.every((e) => kubeadmPods.has(e))))
    .map((s) => ({
      name: s.name,
      namespace: s.namespace,
      cluster_ip: s.clusterIp,
      ports: s.ports.map((p) => ({ ...(p.name ? { name: p.name } : {}), protocol: p.protocol, port: p.port, target_port: p.targetPort })),
    }));
  return {
    tracelab_lab_name: facts.name,
    tracelab_network_only: opts.networkOnly === true,
    tracelab_kubernetes_version: facts.vm.kubernetesVersion,
    // Pinned to a patch release (any Debian revision of it), then held.
    tracelab_kubernetes_package_version: `${kubernetesPatchRelease(facts.vm.kubernetesVersion)}-*`,
    tracelab_control_plane_name: controlPlane.name,
    tracelab_control_plane_ip: controlPlane.ip,
    tracelab_cluster_network: facts.clusterNetwork,
    tracelab_service_network: facts.serviceNetwork,
    tracelab_host_only_iface: facts.hostOnly.iface,
    tracelab_flannel_iface: facts.flannelIface,
    tracelab_flannel_stopped: [...facts.flannelStopped],
    tracelab_flannel_version: FLANNEL_VERSION,
    tracelab_flannel_cni_plugin_version: FLANNEL_CNI_PLUGIN_VERSION,
    tracelab_kubelet_node_ip: facts.kubeletNodeIp,
    tracelab_icmp_ratelimit: facts.icmpRatelimit,
    tracelab_join_order: [...facts.joinOrder],
    // kubeadm's CoreDNS, pinned where the model has it, before Flannel makes any node Ready (so it gets .2 and .3).
    tracelab_coredns_node: kubeadmPodList[0]?.node ?? null,
    tracelab_pods: pods,
    ...(opts.networkOnly ? { tracelab_network_nodes: networkOnlyNodes(lab) } : {}),
    tracelab_services: services,
  };
}

/** group_vars/all.yml: every variable the roles read, from the model. */
export function renderGroupVars(lab: LabModel, opts: GroupVarsOptions = {}): string {
  return `---\n# Rendered by \`tracelab lab render --backend ansible\` from lab ${lab.name}; do not edit.\n${stringify(groupVars(lab, opts), { lineWidth: 0 })}`;
}
