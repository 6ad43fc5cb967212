// Services as the API server holds them for the lab (the `kubernetes` Service kubeadm's API server creates, and the
// lab's), with the endpoints the EndpointSlice controller derives from their selectors over the live pods.
import { formatIp } from './address.js';
import type { KubeEdits } from './kube-edits.js';
import { WORKLOAD_AGE_MS, CLUSTER_AGE_MS } from './kube-nodes.js';
import type { KubePod } from './kube-objects.js';
import type { LabModel, Service } from './model.js';
import { selectorMatches } from './plan-services.js';

export interface KubeServicePort {
  readonly name?: string;
  readonly protocol: 'TCP' | 'UDP';
  readonly port: number;
  /** A number or a container port's name. */
  readonly targetPort: number | string;
  readonly nodePort?: number;
}

/** One ready endpoint address and the port number each Service port reaches on it (undefined: no such named port). */
export interface KubeEndpoint {
  readonly pod: string;
  readonly device: string;
  readonly ip: string;
  readonly node: string;
  readonly ports: readonly (number | undefined)[];
}

export interface KubeService {
  readonly name: string;
  readonly namespace: string;
  readonly ip: string;
  readonly type: 'ClusterIP' | 'NodePort';
  readonly ports: readonly KubeServicePort[];
  readonly selector?: Readonly<Record<string, string>>;
  readonly labels: Readonly<Record<string, string>>;
  /** Ready endpoints in IP order (the Endpoints object's order). */
  readonly endpoints: readonly KubeEndpoint[];
  readonly createdMs: number;
  /** Whether the lab's model has this Service (kube-proxy's rules come from those; `kubernetes` is the API server's). */
  readonly inModel: boolean;
}

/** Labels kubeadm's kube-dns Service carries (its addon manifest). */
const KUBE_DNS_LABELS = { 'k8s-app': 'kube-dns', 'kubernetes.io/cluster-service': 'true', 'kubernetes.io/name': 'CoreDNS' };

function ipOrder(a: string, b: string): number {
  const n = (ip: string) => ip.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
  return n(a) - n(b);
}

function portNumber(port: KubeServicePort, pod: KubePod): number | undefined {
  if (typeof port.targetPort === 'number') return port.targetPort;
  return pod.ports.find((p) => p.name === port.targetPort && p.protocol === port.protocol)?.port;
}

function endpointsOf(ports: readonly KubeServicePort[], pods: readonly KubePod[]): KubeEndpoint[] {
  return pods
    .map((p) => ({ pod: p.name, device: p.device, ip: p.ip, node: p.node, ports: ports.map((port) => portNumber(port, p)) }))
    .sort((a, b) => ipOrder(a.ip, b.ip));
}

/** The API server's own Service: default/kubernetes, the service network's first address, https 443 -> 6443. */
function kubernetesService(model: LabModel, pods: readonly KubePod[]): KubeService {
  const apiserver = pods.find((p) => p.labels['component'] === 'kube-apiserver');
  const ports: KubeServicePort[] = [{ name: 'https', protocol: 'TCP', port: 443, targetPort: 6443 }];
  return {
    name: 'kubernetes', namespace: 'default', ip: formatIp((model.cluster.serviceNetwork.addr + 1) >>> 0), type: 'ClusterIP', ports,
    labels: { component: 'apiserver', provider: 'kubernetes' },
    endpoints: apiserver ? [{ pod: '', device: apiserver.device, ip: apiserver.ip, node: apiserver.node, ports: [6443] }] : [],
    createdMs: -CLUSTER_AGE_MS, inModel: false,
  };
}

function labService(s: Service, pods: readonly KubePod[], edits: KubeEdits): KubeService {
  const patch = edits.services[`${s.namespace}/${s.name}`];
  const selector = patch?.selector ?? s.selector;
  const ports = s.ports.map((p, i): KubeServicePort => ({
    ...(p.name !== undefined ? { name: p.name } : {}), protocol: p.protocol === 'tcp' ? 'TCP' : 'UDP', port: p.port,
    targetPort: patch?.targetPorts?.[i] ?? p.targetPortName ?? p.targetPort, ...(p.nodePort !== undefined ? { nodePort: p.nodePort } : {}),
  }));
  const live = pods.filter((p) => p.namespace === s.namespace && !p.hostNetwork);
  const selected = selector ? live.filter((p) => selectorMatches(selector, p.labels)) : live.filter((p) => s.endpoints.includes(p.device));
  const dns = s.namespace === 'kube-system' && s.name === 'kube-dns';
  return {
    name: s.name, namespace: s.namespace, ip: formatIp(s.ip), type: s.type ?? 'ClusterIP', ports, ...(selector ? { selector } : {}),
    labels: dns ? KUBE_DNS_LABELS : {}, endpoints: endpointsOf(ports, selected), createdMs: dns ? -CLUSTER_AGE_MS : -WORKLOAD_AGE_MS, inModel: true,
  };
}

export function kubeServices(model: LabModel, pods: readonly KubePod[], edits: KubeEdits): KubeService[] {
  return [kubernetesService(model, pods), ...model.services.map((s) => labService(s, pods, edits))];
}

/**
 * The lab's Services as the model states them, with the endpoints and target ports of the API objects: what
 * kube-proxy programs after the edits (sim/kube-state.ts and the netns lab rebuild the nodes' rules from these).
 */
export function modelServicesOf(model: LabModel, services: readonly KubeService[]): Service[] {
  return model.services.map((s) => {
    const k = services.find((x) => x.inModel && x.name === s.name && x.namespace === s.namespace)!;
    const ports = s.ports.map((p, i) => {
      const target = k.ports[i]!.targetPort;
      if (typeof target === 'string') return { ...p, targetPortName: target, targetPort: k.endpoints.map((e) => e.ports[i]).find((n) => n !== undefined) ?? 0 };
      const { targetPortName: _unused, ...rest } = p;
      return { ...rest, targetPort: target };
    });
    return { ...s, ports, endpoints: k.endpoints.map((e) => e.device), ...(k.selector ? { selector: k.selector } : {}) };
  });
}
