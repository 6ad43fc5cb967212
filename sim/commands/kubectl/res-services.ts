// kubectl's services, endpoints and endpointslices: printService, printEndpoints, printEndpointSlice and the objects.
import type { KubeService } from '../../../topology/kube-objects.js';
import { nameSuffix } from '../../../topology/kube-names.js';
import { age, metadata, timestamp } from './api-meta.js';
import { describeEndpoints, describeService, serviceAnnotations } from './describe-service.js';
import { registerKubectlResource, type KubectlCall, type KubeItem } from './registry.js';
import { labelsText } from './table.js';

export interface ServiceItem extends KubeItem {
  readonly svc: KubeService;
}

/** "IP:PORT" for every port and address, at most 3 (formatEndpoints), then " + N more...". */
export function endpointsText(svc: KubeService, portIndex?: number): string {
  const all: string[] = [];
  svc.ports.forEach((_, i) => {
    if (portIndex !== undefined && i !== portIndex) return;
    for (const e of svc.endpoints) if (e.ports[i] !== undefined) all.push(`${e.ip}:${e.ports[i]}`);
  });
  if (all.length === 0) return '<none>';
  return `${all.slice(0, 3).join(',')}${all.length > 3 ? ` + ${all.length - 3} more...` : ''}`;
}

function portsText(svc: KubeService): string {
  return svc.ports.map((p) => `${p.port}${p.nodePort !== undefined ? `:${p.nodePort}` : ''}/${p.protocol}`).join(',');
}

function annotationsOf(s: KubeService): { annotations?: Record<string, string> } {
  const map = serviceAnnotations(s);
  return Object.keys(map).length > 0 ? { annotations: map } : {};
}

function serviceObject(s: KubeService): Record<string, unknown> {
  return {
    apiVersion: 'v1', kind: 'Service', metadata: { ...metadata('Service', s.name, s.namespace, s.labels, s.createdMs), ...annotationsOf(s) },
    spec: {
      clusterIP: s.ip, clusterIPs: [s.ip], internalTrafficPolicy: 'Cluster', ipFamilies: ['IPv4'], ipFamilyPolicy: 'SingleStack',
      ports: s.ports.map((p) => ({ ...(p.name ? { name: p.name } : {}), ...(p.nodePort !== undefined ? { nodePort: p.nodePort } : {}), port: p.port, protocol: p.protocol, targetPort: p.targetPort })),
      ...(s.selector ? { selector: { ...s.selector } } : {}), sessionAffinity: 'None', type: s.type,
      ...(s.type === 'NodePort' ? { externalTrafficPolicy: 'Cluster' } : {}),
    },
    status: { loadBalancer: {} },
  };
}

function endpointsObject(s: KubeService): Record<string, unknown> {
  const subsets = s.endpoints.length === 0 ? [] : [{
    addresses: s.endpoints.map((e) => ({ ip: e.ip, ...(e.node ? { nodeName: e.node } : {}), ...(e.pod ? { targetRef: { kind: 'Pod', name: e.pod, namespace: s.namespace } } : {}) })),
    ports: s.ports.map((p, i) => ({ ...(p.name ? { name: p.name } : {}), port: s.endpoints[0]!.ports[i] ?? 0, protocol: p.protocol })),
  }];
  const annotations = { 'endpoints.kubernetes.io/last-change-trigger-time': timestamp(s.createdMs) };
  return { apiVersion: 'v1', kind: 'Endpoints', metadata: { ...metadata('Endpoints', s.name, s.namespace, s.labels, s.createdMs), annotations }, ...(subsets.length > 0 ? { subsets } : {}) };
}

/** The EndpointSlice controller's slice name: the Service's name and a generated suffix (`kubernetes` has its own). */
export function sliceName(s: KubeService, seed: number): string {
  return s.name === 'kubernetes' && s.namespace === 'default' ? 'kubernetes' : `${s.name}-${nameSuffix(seed, `endpointslice/${s.namespace}/${s.name}`)}`;
}

function sliceObject(s: KubeService, seed: number): Record<string, unknown> {
  return {
    addressType: 'IPv4', apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
    endpoints: s.endpoints.map((e) => ({ addresses: [e.ip], conditions: { ready: true, serving: true, terminating: false }, ...(e.node ? { nodeName: e.node } : {}) })),
    metadata: metadata('EndpointSlice', sliceName(s, seed), s.namespace, { ...s.labels, 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io', 'kubernetes.io/service-name': s.name }, s.createdMs),
    ports: s.ports.map((p, i) => ({ name: p.name ?? '', port: s.endpoints.find((e) => e.ports[i] !== undefined)?.ports[i] ?? null, protocol: p.protocol })),
  };
}

/** formatDiscoveryPorts / formatDiscoveryEndpoints: at most 3 values, `<unset>` for none. */
function listWithMore(values: readonly string[]): string {
  if (values.length === 0) return '<unset>';
  return `${values.slice(0, 3).join(',')}${values.length > 3 ? ` + ${values.length - 3} more...` : ''}`;
}

function serviceItems(call: KubectlCall, object: (s: KubeService) => Record<string, unknown>, name = (s: KubeService) => s.name): ServiceItem[] {
  return call.cluster.services.map((svc) => ({ name: name(svc), namespace: svc.namespace, labels: svc.labels, svc, object: () => object(svc) }));
}

const svcOf = (i: KubeItem) => (i as ServiceItem).svc;

registerKubectlResource({
  plural: 'services', aliases: ['svc', 'service'], group: '', kind: 'Service', namespaced: true,
  list: (call) => serviceItems(call, serviceObject),
  table: (items, call, wide) => ({
    header: ['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE', ...(wide ? ['SELECTOR'] : [])],
    rows: items.map((i) => [i.name, svcOf(i).type, svcOf(i).ip, '<none>', portsText(svcOf(i)), age(call, svcOf(i).createdMs), ...(wide ? [labelsText(svcOf(i).selector)] : [])]),
  }),
  describe: (item, call) => describeService(svcOf(item), call),
  fields: ['spec.clusterIP', 'spec.type'],
});

registerKubectlResource({
  plural: 'endpoints', aliases: ['ep'], group: '', kind: 'Endpoints', namespaced: true,
  list: (call) => serviceItems(call, endpointsObject),
  table: (items, call) => ({ header: ['NAME', 'ENDPOINTS', 'AGE'], rows: items.map((i) => [i.name, endpointsText(svcOf(i)), age(call, svcOf(i).createdMs)]) }),
  describe: (item, call) => describeEndpoints(svcOf(item), call),
});

registerKubectlResource({
  plural: 'endpointslices', aliases: ['endpointslice'], group: 'discovery.k8s.io', kind: 'EndpointSlice', namespaced: true,
  list: (call) => serviceItems(call, (s) => sliceObject(s, call.ctx.sim.dp.seed), (s) => sliceName(s, call.ctx.sim.dp.seed)),
  table: (items, call) => ({
    header: ['NAME', 'ADDRESSTYPE', 'PORTS', 'ENDPOINTS', 'AGE'],
    rows: items.map((i) => {
      const s = svcOf(i);
      const ports = s.ports.map((_, j) => s.endpoints.find((e) => e.ports[j] !== undefined)?.ports[j]).map((n) => (n === undefined ? '*' : String(n)));
      return [i.name, 'IPv4', s.endpoints.length === 0 ? '<unset>' : listWithMore(ports), listWithMore(s.endpoints.map((e) => e.ip)), age(call, s.createdMs)];
    }),
  }),
});
