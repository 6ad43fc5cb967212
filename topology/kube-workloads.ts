// The cluster's own workloads as kubeadm 1.31 and Flannel's kube-flannel.yml create them: the control plane's static
// pods, the kube-proxy and kube-flannel-ds DaemonSets (a pod per node), and the coredns Deployment and its ReplicaSet.
import { formatIp } from './address.js';
import type { KubeEdits } from './kube-edits.js';
import { KUBE_ALPHANUMS, nameSuffix, revisionHash, safeEncodedHash } from './kube-names.js';
import { CLUSTER_AGE_MS, type KubeNode } from './kube-nodes.js';
import type { KubePod } from './kube-objects.js';
import type { LabModel } from './model.js';

export interface KubeWorkload {
  readonly kind: 'Deployment' | 'DaemonSet' | 'ReplicaSet';
  readonly name: string;
  readonly namespace: string;
  /** Deployments and ReplicaSets: spec.replicas; DaemonSets: the nodes it runs on. */
  readonly desired: number;
  readonly current: number;
  readonly selector: Readonly<Record<string, string>>;
  readonly labels: Readonly<Record<string, string>>;
  readonly containers: readonly { readonly name: string; readonly image: string }[];
  readonly nodeSelector?: Readonly<Record<string, string>>;
  readonly createdMs: number;
  /** ReplicaSets: the Deployment that owns them. */
  readonly owner?: string;
  /** Deployments: the pod-template hash of their ReplicaSet. */
  readonly replicaSetHash?: string;
}

const K8S_IMAGES = 'registry.k8s.io';
/** kube-flannel.yml's image at the time of Kubernetes 1.31. */
const FLANNEL_IMAGE = 'docker.io/flannel/flannel:v0.25.6';
/** kubeadm 1.31's CoreDNS (constants.CoreDNSVersion) and etcd (SupportedEtcdVersion for 1.31). */
const COREDNS_IMAGE = `${K8S_IMAGES}/coredns/coredns:v1.11.3`;
const ETCD_IMAGE = `${K8S_IMAGES}/etcd:3.5.15-0`;
/** Flannel was applied two minutes after kubeadm init. */
const FLANNEL_DELAY_MS = 2 * 60_000;

/** The coredns Deployment's model devices: kube-system pods of the coredns image, in lab order. */
export function corednsDevices(model: LabModel): string[] {
  return model.devices.filter((d) => d.kind === 'pod' && (d.namespace ?? 'default') === 'kube-system' && /(^|\/)coredns(:|$)/.test(d.image ?? '')).map((d) => d.id);
}

export interface Workloads {
  readonly all: KubeWorkload[];
  readonly coredns: { readonly replicaSet: string; readonly replicas: number; readonly devices: readonly string[] };
}

export function workloads(model: LabModel, seed: number, nodes: readonly KubeNode[], edits: KubeEdits): Workloads {
  const version = `v${model.vm.kubernetesVersion}.0`;
  const devices = corednsDevices(model);
  const replicas = edits.replicas['kube-system/coredns'] ?? devices.length;
  const running = Math.min(replicas, devices.length);
  const rs = `coredns-${importedHash(devices) ?? safeEncodedHash(seed, 'kube-system/coredns')}`;
  const dnsSelector = { 'k8s-app': 'kube-dns' };
  const coredns = [{ name: 'coredns', image: COREDNS_IMAGE }];
  const ds = (name: string, namespace: string, labels: Record<string, string>, container: string, image: string, nodeSelector?: Record<string, string>): KubeWorkload => ({
    kind: 'DaemonSet', name, namespace, desired: nodes.length, current: nodes.length, selector: name === 'kube-proxy' ? { 'k8s-app': 'kube-proxy' } : { app: 'flannel' },
    labels, containers: [{ name: container, image }], ...(nodeSelector ? { nodeSelector } : {}),
    createdMs: -CLUSTER_AGE_MS + (name === 'kube-proxy' ? 0 : FLANNEL_DELAY_MS),
  });
  const all: KubeWorkload[] = [
    { kind: 'Deployment', name: 'coredns', namespace: 'kube-system', desired: replicas, current: running, selector: dnsSelector, labels: dnsSelector, containers: coredns, createdMs: -CLUSTER_AGE_MS, replicaSetHash: rs.slice('coredns-'.length) },
    { kind: 'ReplicaSet', name: rs, namespace: 'kube-system', desired: replicas, current: running, selector: { ...dnsSelector, 'pod-template-hash': rs.slice('coredns-'.length) }, labels: { ...dnsSelector, 'pod-template-hash': rs.slice('coredns-'.length) }, containers: coredns, createdMs: -CLUSTER_AGE_MS, owner: 'coredns' },
    ds('kube-proxy', 'kube-system', { 'k8s-app': 'kube-proxy' }, 'kube-proxy', `${K8S_IMAGES}/kube-proxy:${version}`, { 'kubernetes.io/os': 'linux' }),
    ds('kube-flannel-ds', 'kube-flannel', { app: 'flannel', 'k8s-app': 'flannel', tier: 'node' }, 'kube-flannel', FLANNEL_IMAGE),
  ];
  return { all, coredns: { replicaSet: rs, replicas: running, devices } };
}

/** Pods imported from a real cluster (lab/kubectl/import.ts) keep their names: coredns-<hash>-<suffix>. */
const IMPORTED_COREDNS = new RegExp(`^coredns-([${KUBE_ALPHANUMS}]{6,10})-[${KUBE_ALPHANUMS}]{5}$`);

function importedHash(devices: readonly string[]): string | undefined {
  return devices.length > 0 && devices.every((d) => IMPORTED_COREDNS.exec(d)?.[1] === IMPORTED_COREDNS.exec(devices[0]!)?.[1]) ? IMPORTED_COREDNS.exec(devices[0]!)?.[1] : undefined;
}

/** A controller's pod NAME for slot KEY: generateName plus 5 characters, new ones after each delete. */
function podName(seed: number, prefix: string, key: string, edits: KubeEdits): string {
  const generation = edits.recreated[key]?.count ?? 0;
  return `${prefix}-${nameSuffix(seed, generation === 0 ? key : `${key}#${generation}`)}`;
}

function recreatedAt(edits: KubeEdits, slot: string): number | undefined {
  return edits.recreated[slot]?.atMs;
}

/** The pods kubeadm's static manifests run on the control-plane node(s): host network, owned by the Node. */
export function staticPods(nodes: readonly KubeNode[]): KubePod[] {
  const version = (n: KubeNode) => n.kubeletVersion;
  return nodes.filter((n) => n.role === 'control-plane').flatMap((n) =>
    (['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler'] as const).map((component): KubePod => ({
      name: `${component}-${n.name}`, namespace: 'kube-system', device: n.name, node: n.name, ip: n.internalIp, hostIp: n.internalIp, hostNetwork: true,
      labels: { component, tier: 'control-plane' }, container: component,
      image: component === 'etcd' ? ETCD_IMAGE : `${K8S_IMAGES}/${component}:${version(n)}`, ports: [],
      owner: { kind: 'Node', name: n.name }, createdMs: n.createdMs, priorityClass: 'system-node-critical',
    })));
}

/** DaemonSet pods (one per node, host network) and the coredns ReplicaSet's pods on their model devices. */
export function controllerPods(model: LabModel, loads: Workloads, seed: number, nodes: readonly KubeNode[], edits: KubeEdits): KubePod[] {
  const out: KubePod[] = [];
  for (const ds of loads.all.filter((w) => w.kind === 'DaemonSet')) {
    const hash = revisionHash(seed, `${ds.namespace}/${ds.name}`);
    for (const n of nodes) {
      out.push({
        name: podName(seed, ds.name, `${ds.namespace}/${ds.name}#${n.name}`, edits), slot: `${ds.namespace}/${ds.name}#${n.name}`, namespace: ds.namespace, device: n.name, node: n.name,
        ip: n.internalIp, hostIp: n.internalIp, hostNetwork: true,
        labels: { ...ds.labels, 'controller-revision-hash': hash, 'pod-template-generation': '1' }, container: ds.containers[0]!.name, image: ds.containers[0]!.image,
        ports: [], owner: { kind: 'DaemonSet', name: ds.name }, createdMs: recreatedAt(edits, `${ds.namespace}/${ds.name}#${n.name}`) ?? Math.max(ds.createdMs, n.createdMs), priorityClass: 'system-node-critical',
      });
    }
  }
  const { replicaSet, replicas, devices } = loads.coredns;
  devices.slice(0, replicas).forEach((id) => {
    const d = model.device(id)!;
    const node = nodes.find((n) => n.name === d.node);
    const ip = d.interfaces.find((i) => i.name === 'eth0')?.addrs[0]?.ip;
    out.push({
      name: IMPORTED_COREDNS.test(id) && !edits.recreated[`kube-system/${replicaSet}#${id}`] ? id : podName(seed, replicaSet, `kube-system/${replicaSet}#${id}`, edits), slot: `kube-system/${replicaSet}#${id}`, namespace: 'kube-system', device: id, node: d.node ?? '',
      ip: ip !== undefined ? formatIp(ip) : '', hostIp: node?.internalIp ?? '', hostNetwork: false,
      labels: { ...(d.labels ?? {}), 'pod-template-hash': replicaSet.slice('coredns-'.length) }, container: 'coredns', image: COREDNS_IMAGE,
      ports: [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53, protocol: 'TCP' }, { name: 'metrics', port: 9153, protocol: 'TCP' }],
      owner: { kind: 'ReplicaSet', name: replicaSet }, createdMs: recreatedAt(edits, `kube-system/${replicaSet}#${id}`) ?? -CLUSTER_AGE_MS, priorityClass: 'system-cluster-critical',
    });
  });
  return out;
}
