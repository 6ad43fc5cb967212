// Builds a lab file (the YAML of topology/labs/three-node.yaml) from a live cluster's nodes, pods, services and endpoints.
import { stringify } from 'yaml';
import type { LabFile, LabFileNode, LabFilePod, LabFileService } from '../../topology/labfile.js';
import { contains, formatCidr, formatIp, networkOf, parseCidr, parseIp } from '../../topology/address.js';
import { UsageError } from '../backend.js';
import { kubectlJson, type KubectlRunner } from './cli.js';

/* The parts of Kubernetes objects the import reads (kubectl get -o json). */
interface Meta {
  readonly name: string;
  readonly namespace?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly creationTimestamp?: string;
}
export interface K8sObject {
  readonly kind?: string;
  readonly metadata: Meta;
  readonly spec?: any;
  readonly status?: any;
  readonly subsets?: any;
  readonly data?: Readonly<Record<string, string>>;
}
export interface K8sList {
  readonly items: readonly K8sObject[];
}

/** What the import needs from a cluster; configmaps are optional (kubeadm-config, kube-flannel-cfg). */
export interface ClusterObjects {
  readonly nodes: readonly K8sObject[];
  readonly pods: readonly K8sObject[];
  readonly services: readonly K8sObject[];
  readonly endpoints: readonly K8sObject[];
  readonly daemonsets: readonly K8sObject[];
  readonly configmaps: readonly K8sObject[];
}

/** Splits one mixed `kubectl get a,b,c -o json` List by kind. */
export function clusterObjectsFromList(list: K8sList, configmaps: readonly K8sObject[] = []): ClusterObjects {
  const of = (kind: string) => list.items.filter((i) => i.kind === kind);
  return { nodes: of('Node'), pods: of('Pod'), services: of('Service'), endpoints: of('Endpoints'), daemonsets: of('DaemonSet'), configmaps };
}

/** "registry.k8s.io/coredns/coredns:v1.11.3" -> "coredns"; "docker.io/library/busybox:1.36" -> "busybox". */
export function shortImageName(image: string): string {
  const noDigest = image.split('@')[0]!;
  const last = noDigest.split('/').pop()!;
  return last.split(':')[0]!;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

function labelOf(name: string): string {
  const cleaned = name.toLowerCase().replace(/[^-a-z0-9]/g, '-').replace(/^-+|-+$/g, '').slice(0, 63).replace(/-+$/, '');
  return DNS_LABEL.test(cleaned) ? cleaned : 'x';
}

/** A pod's own labels (Services select by them); the controllers' generated ones are the model's to add. */
function podLabels(pod: K8sObject): { labels?: Record<string, string> } {
  const generated = new Set(['pod-template-hash', 'controller-revision-hash', 'pod-template-generation']);
  const labels = Object.fromEntries(Object.entries(pod.metadata.labels ?? {}).filter(([k]) => !generated.has(k)));
  return Object.keys(labels).length > 0 ? { labels } : {};
}

function internalIp(node: K8sObject): string | undefined {
  const addresses: { type: string; address: string }[] = node.status?.addresses ?? [];
  return addresses.find((a) => a.type === 'InternalIP' && parseIp(a.address) !== undefined)?.address;
}

function kubeadmNetworking(configmaps: readonly K8sObject[]): { podSubnet?: string; serviceSubnet?: string } {
  const cm = configmaps.find((c) => c.metadata.name === 'kubeadm-config');
  const text = cm?.data?.['ClusterConfiguration'] ?? '';
  const pod = /^\s*podSubnet:\s*(\S+)/m.exec(text)?.[1];
  const svc = /^\s*serviceSubnet:\s*(\S+)/m.exec(text)?.[1];
  return { ...(pod ? { podSubnet: pod.split(',')[0] } : {}), ...(svc ? { serviceSubnet: svc.split(',')[0] } : {}) };
}

function flannelNetwork(configmaps: readonly K8sObject[]): string | undefined {
  const cm = configmaps.find((c) => c.metadata.name === 'kube-flannel-cfg');
  const text = cm?.data?.['net-conf.json'];
  if (!text) return undefined;
  try {
    const network = (JSON.parse(text) as { Network?: string }).Network;
    return network && parseCidr(network) ? network : undefined;
  } catch {
    return undefined;
  }
}

/** Flannel's --iface: a string, null when flannel runs without one, undefined when there is no flannel DaemonSet. */
function flannelIface(daemonsets: readonly K8sObject[]): string | null | undefined {
  const ds = daemonsets.find((d) => /flannel/.test(d.metadata.name));
  if (!ds) return undefined;
  const containers: { name: string; command?: string[]; args?: string[] }[] = ds.spec?.template?.spec?.containers ?? [];
  for (const c of containers) {
    for (const arg of [...(c.command ?? []), ...(c.args ?? [])]) {
      const m = /^--iface=(.+)$/.exec(arg);
      if (m) return m[1]!;
    }
  }
  return null;
}

/** The smallest prefix holding every address (a /24 at most specific). */
function coveringPrefix(addresses: readonly number[], longest: number): string {
  for (let len = longest; len >= 0; len--) {
    const net = networkOf(addresses[0]!, len);
    if (addresses.every((a) => networkOf(a, len) === net)) return formatCidr({ addr: net, len });
  }
  return '0.0.0.0/0';
}

/** Nodes by creation time (kubeadm's join order, which decided their pod subnets), then by name. */
export function nodesInJoinOrder<T extends K8sObject>(nodes: readonly T[]): T[] {
  return [...nodes].sort(
    (a, b) => (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? '') || a.metadata.name.localeCompare(b.metadata.name),
  );
}

/** The workstation's address on the nodes' network: .1 as on VirtualBox, or the first address no node holds. */
function hostAddress(network: string, nodeIps: readonly string[]): string {
  const prefix = parseCidr(network, false)!;
  const taken = new Set(nodeIps.map((ip) => parseIp(ip)!));
  let candidate = (prefix.addr + 1) >>> 0;
  while (taken.has(candidate) && contains(prefix, (candidate + 1) >>> 0)) candidate = (candidate + 1) >>> 0;
  return formatIp(candidate);
}

export interface ImportOptions {
  /** Lab name (a DNS label); default "imported". */
  readonly name?: string;
  readonly description?: string;
}

/** The lab file for a cluster: nodes in creation (join) order, their pods by address, services with pod endpoints. */
export function labFileFromCluster(cluster: ClusterObjects, opts: ImportOptions = {}): LabFile {
  const nodes = nodesInJoinOrder(cluster.nodes);
  if (nodes.length === 0) throw new UsageError('the cluster has no nodes to import');
  const nodeIps = nodes.map((n) => {
    const ip = internalIp(n);
    if (!ip) throw new UsageError(`node ${n.metadata.name} has no InternalIP address`);
    return ip;
  });
  const distinctIps = new Set(nodeIps);
  if (distinctIps.size < nodes.length) {
    const shared = nodeIps.find((ip, i) => nodeIps.indexOf(ip) !== i)!;
    throw new UsageError(
      `several nodes report InternalIP ${shared}: kubelet runs without --node-ip (on VirtualBox every VM's NAT address is ` +
        '10.0.2.15), so the nodes\' own addresses are unknown; give kubelet --node-ip (KUBELET_EXTRA_ARGS) and import again',
    );
  }
  const kubeadm = kubeadmNetworking(cluster.configmaps);
  const podCidrs = nodes.map((n) => n.spec?.podCIDR as string | undefined).filter((c): c is string => !!c && parseCidr(c) !== undefined);
  const network =
    flannelNetwork(cluster.configmaps) ??
    kubeadm.podSubnet ??
    (podCidrs.length > 0 ? coveringPrefix(podCidrs.map((c) => parseCidr(c)!.addr), 16) : '10.244.0.0/16');
  const iface = flannelIface(cluster.daemonsets);
  const hostOnlyNetwork = coveringPrefix(nodeIps.map((ip) => parseIp(ip)!), 24);

  // Pods: not host-network, scheduled, with an address in the cluster network; names made unique across namespaces.
  const clusterNet = parseCidr(network, false)!;
  const taken = new Set<string>();
  const podNames = new Map<string, string>();
  const podsByNode = new Map<string, { ip: number; pod: LabFilePod }[]>();
  for (const pod of cluster.pods) {
    const ip = parseIp(pod.status?.podIP ?? '');
    const node: string | undefined = pod.spec?.nodeName;
    if (pod.spec?.hostNetwork || ip === undefined || !node || !contains(clusterNet, ip)) continue;
    if (pod.status?.phase && pod.status.phase !== 'Running' && pod.status.phase !== 'Pending') continue;
    let name = labelOf(pod.metadata.name);
    if (taken.has(name)) name = labelOf(`${pod.metadata.name}-${pod.metadata.namespace ?? 'default'}`);
    taken.add(name);
    podNames.set(`${pod.metadata.namespace ?? 'default'}/${pod.metadata.name}`, name);
    const containers: { image?: string; ports?: { containerPort: number; protocol?: string }[] }[] = pod.spec?.containers ?? [];
    const listen = [...new Set(containers.flatMap((c) => (c.ports ?? []).filter((p) => (p.protocol ?? 'TCP') !== 'SCTP').map((p) => `${(p.protocol ?? 'TCP').toLowerCase()}/${p.containerPort}`)))];
    // The namespace stays (kube-system's coredns pods are the coredns Deployment's replicas: topology/kube-workloads.ts).
    const namespace = pod.metadata.namespace && pod.metadata.namespace !== 'default' ? { namespace: pod.metadata.namespace } : {};
    const entry: LabFilePod = { name, ...namespace, ip: pod.status.podIP, ...(containers[0]?.image ? { image: shortImageName(containers[0].image) } : {}), ...podLabels(pod), ...(listen.length ? { listen } : {}) };
    const list = podsByNode.get(node) ?? [];
    list.push({ ip, pod: entry });
    podsByNode.set(node, list);
  }

  const labNodes: LabFileNode[] = nodes.map((n, i) => {
    const labels = n.metadata.labels ?? {};
    const controlPlane = 'node-role.kubernetes.io/control-plane' in labels || 'node-role.kubernetes.io/master' in labels;
    const pods = (podsByNode.get(n.metadata.name) ?? []).sort((a, b) => a.ip - b.ip).map((p) => p.pod);
    return {
      name: labelOf(n.metadata.name),
      role: controlPlane ? 'control-plane' : 'worker',
      ip: nodeIps[i]!,
      ...(n.spec?.podCIDR ? { podSubnet: n.spec.podCIDR as string } : {}),
      ...(pods.length ? { pods } : {}),
    };
  });

  const services: LabFileService[] = [];
  for (const svc of cluster.services) {
    const ns = svc.metadata.namespace ?? 'default';
    if (ns === 'default' && svc.metadata.name === 'kubernetes') continue; // the API server: endpoints are nodes
    const clusterIp: string | undefined = svc.spec?.clusterIP;
    if (!clusterIp || parseIp(clusterIp) === undefined) continue; // headless or ExternalName
    const ep = cluster.endpoints.find((e) => e.metadata.name === svc.metadata.name && (e.metadata.namespace ?? 'default') === ns);
    const subsets: { addresses?: { targetRef?: { kind: string; name: string; namespace?: string } }[]; ports?: { name?: string; port: number }[] }[] = ep?.subsets ?? [];
    const endpoints = [
      ...new Set(
        subsets
          .flatMap((s) => s.addresses ?? [])
          .filter((a) => a.targetRef?.kind === 'Pod')
          .map((a) => podNames.get(`${a.targetRef!.namespace ?? ns}/${a.targetRef!.name}`))
          .filter((n): n is string => n !== undefined),
      ),
    ];
    const ports = ((svc.spec?.ports ?? []) as { name?: string; protocol?: string; port: number; targetPort?: number | string }[])
      .filter((p) => (p.protocol ?? 'TCP') !== 'SCTP')
      .map((p) => {
        const named = subsets.flatMap((s) => s.ports ?? []).find((q) => q.name !== undefined && q.name === p.name);
        const target = typeof p.targetPort === 'number' ? p.targetPort : (named?.port ?? p.port);
        return { ...(p.name ? { name: p.name } : {}), protocol: (p.protocol ?? 'TCP').toLowerCase() as 'tcp' | 'udp', port: p.port, targetPort: target };
      });
    if (ports.length === 0) continue;
    services.push({ name: labelOf(svc.metadata.name), ...(ns !== 'default' ? { namespace: ns } : {}), ip: clusterIp, ports, endpoints });
  }
  services.sort((a, b) => (parseIp(a.ip)! - parseIp(b.ip)!));

  return {
    name: labelOf(opts.name ?? 'imported'),
    description: opts.description ?? `imported from a live cluster: ${nodes.length} nodes`,
    cluster: {
      network,
      ...(kubeadm.serviceSubnet ? { serviceNetwork: kubeadm.serviceSubnet } : {}),
      ...(iface !== undefined ? { flannel: { backend: 'host-gw' as const, iface } } : {}),
      joinOrder: labNodes.map((n) => n.name),
    },
    hostOnly: { network: hostOnlyNetwork, host: hostAddress(hostOnlyNetwork, nodeIps), ...(iface && parseIp(iface) === undefined ? { iface } : {}) },
    nodes: labNodes,
    ...(services.length ? { services } : {}),
  };
}

/** The lab file as YAML text, with a header saying where it came from. */
export function renderLabYaml(lab: LabFile, source = 'a live cluster'): string {
  return `# Imported by \`tracelab lab import\` from ${source}; edit freely.\n${stringify(lab, { lineWidth: 0, flowCollectionPadding: false })}`;
}

/** Reads the cluster through kubectl and returns the lab file's YAML text. */
export async function importLab(kubectl: KubectlRunner, opts: ImportOptions & { readonly source?: string } = {}): Promise<string> {
  const list = await kubectlJson<K8sList>(kubectl, ['get', 'nodes,pods,services,endpoints,daemonsets', '--all-namespaces']);
  const configmaps: K8sObject[] = [];
  for (const [namespace, name] of [['kube-system', 'kubeadm-config'], ['kube-flannel', 'kube-flannel-cfg'], ['kube-system', 'kube-flannel-cfg']] as const) {
    const result = await kubectl(['get', 'configmap', name, `--namespace=${namespace}`, '--ignore-not-found', '--output=json']);
    if (result.exitCode === 0 && result.stdout.trim()) configmaps.push(JSON.parse(result.stdout) as K8sObject);
  }
  return renderLabYaml(labFileFromCluster(clusterObjectsFromList(list, configmaps), opts), opts.source);
}
