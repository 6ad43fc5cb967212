// Services in the address plan: ClusterIPs, endpoints from selectors (labels of the pods in the Service's namespace)
// or listed by name, named targetPorts resolved against the endpoints' listeners, NodePorts checked and allocated.
import { contains, formatCidr, type Cidr } from './address.js';
import type { LabFileService } from './labfile.js';
import type { Listener, Service, ServicePort } from './model.js';
import type { PlanContext } from './plan-context.js';
import type { PlannedPod } from './plan.js';

/** kube-apiserver's default --service-node-port-range. */
export const NODE_PORT_MIN = 30000;
export const NODE_PORT_MAX = 32767;

/** The number a Service port reaches on an endpoint with these listeners: its named port's, or targetPort. */
export function targetPortOf(port: ServicePort, listeners: readonly Listener[]): number | undefined {
  if (port.targetPortName === undefined) return port.targetPort;
  return listeners.find((l) => l.name === port.targetPortName && l.protocol === port.protocol)?.port;
}

/** Whether a pod's labels carry every label of SELECTOR (Kubernetes' equality-based selector). */
export function selectorMatches(selector: Readonly<Record<string, string>>, labels: Readonly<Record<string, string>> | undefined): boolean {
  if (!labels) return false;
  for (const key in selector) if (labels[key] !== selector[key]) return false;
  return true;
}

/**
 * Services: unique names per namespace, ClusterIPs in the service network, endpoints from the selector (pods of the
 * namespace whose labels match, in lab order) or the listed names, named targetPorts every endpoint serves, NodePorts.
 */
export function planServices(ctx: PlanContext, pods: readonly PlannedPod[], serviceNetwork: Cidr): Service[] {
  const list = ctx.file.services ?? [];
  // Only the pods some service lists are looked up by name.
  const listed = new Set(list.flatMap((s) => s.endpoints ?? []));
  const byName = new Map<string, PlannedPod>();
  if (listed.size > 0) for (const p of pods) if (listed.has(p.name)) byName.set(p.name, p);
  const serviceNames = new Set<string>();
  const services = list.map((s, i): Service => {
    const namespace = s.namespace ?? 'default';
    if (serviceNames.has(`${namespace}/${s.name}`)) ctx.err(['services', i, 'name'], `duplicate service "${namespace}/${s.name}"`);
    serviceNames.add(`${namespace}/${s.name}`);
    const ip = ctx.addr(['services', i, 'ip'], s.ip, s.ip);
    if (!contains(serviceNetwork, ip)) ctx.err(['services', i, 'ip'], `${s.ip} is outside the service network ${formatCidr(serviceNetwork)}`);
    ctx.claimAddress(ip, ['services', i, 'ip'], `service ${s.name}`);
    const endpoints = serviceEndpoints(ctx, s, i, namespace, pods, byName);
    const ports = s.ports.map((p, j) => servicePort(ctx, s, i, j, endpoints));
    return {
      name: s.name, namespace, ip, endpoints: endpoints.map((e) => e.name), ports,
      type: s.type ?? 'ClusterIP',
      ...(s.selector ? { selector: Object.freeze({ ...s.selector }) } : {}),
    };
  });
  allocateNodePorts(ctx, services);
  return services;
}

function serviceEndpoints(ctx: PlanContext, s: LabFileService, i: number, namespace: string, pods: readonly PlannedPod[], byName: ReadonlyMap<string, PlannedPod>): PlannedPod[] {
  if (s.selector) {
    if (s.endpoints !== undefined) ctx.err(['services', i, 'endpoints'], `service ${s.name} has a selector: its endpoints are the pods it selects (give either selector or endpoints)`);
    const selector = s.selector;
    return pods.filter((p) => p.namespace === namespace && selectorMatches(selector, p.labels));
  }
  const endpoints: PlannedPod[] = [];
  (s.endpoints ?? []).forEach((e, j) => {
    const pod = byName.get(e);
    if (pod) endpoints.push(pod);
    else ctx.err(['services', i, 'endpoints', j], `unknown pod "${e}" in endpoints of ${s.name}`);
  });
  return endpoints;
}

/** Port J of service S: targetPort as a number, or a name every endpoint serves (resolved from the first endpoint). */
function servicePort(ctx: PlanContext, s: LabFileService, i: number, j: number, endpoints: readonly PlannedPod[]): ServicePort {
  const p = s.ports[j]!;
  const base = { ...(p.name !== undefined ? { name: p.name } : {}), protocol: p.protocol, port: p.port };
  if (p.nodePort !== undefined && s.type !== 'NodePort') ctx.err(['services', i, 'ports', j, 'nodePort'], `nodePort needs type: NodePort (service ${s.name} is ${s.type ?? 'ClusterIP'})`);
  const nodePort = p.nodePort !== undefined ? { nodePort: p.nodePort } : {};
  if (typeof p.targetPort !== 'string') return { ...base, targetPort: p.targetPort ?? p.port, ...nodePort };
  const named: ServicePort = { ...base, targetPort: 0, targetPortName: p.targetPort, ...nodePort };
  let first: number | undefined;
  for (const pod of endpoints) {
    const resolved = targetPortOf(named, pod.listen);
    if (resolved === undefined) ctx.err(['services', i, 'ports', j, 'targetPort'], `endpoint ${pod.name} of ${s.name} serves no ${p.protocol} port named "${p.targetPort}" (its ports: ${describePorts(pod.listen)})`);
    first ??= resolved;
  }
  // No endpoint: the number stays 0 (kube-proxy rejects the port's traffic before any target port matters).
  return { ...named, targetPort: first ?? 0 };
}

function describePorts(listeners: readonly Listener[]): string {
  return listeners.length === 0 ? 'none' : listeners.map((l) => `${l.protocol}/${l.port}${l.name !== undefined ? ` "${l.name}"` : ''}`).join(', ');
}

/**
 * NodePorts: explicit ones are checked (one Service per number; within a Service, one per number and protocol), then
 * NodePort Services' ports without one get the lowest free number of the range, in lab order.
 */
function allocateNodePorts(ctx: PlanContext, services: Service[]): void {
  const owner = new Map<number, number>();
  const taken = new Set<string>();
  services.forEach((s, i) => {
    s.ports.forEach((p, j) => {
      if (p.nodePort === undefined) return;
      const other = owner.get(p.nodePort);
      if ((other !== undefined && other !== i) || taken.has(`${p.nodePort}/${p.protocol}`)) {
        ctx.err(['services', i, 'ports', j, 'nodePort'], `nodePort ${p.nodePort} is already allocated (service ${services[other ?? i]!.name})`);
      }
      owner.set(p.nodePort, i);
      taken.add(`${p.nodePort}/${p.protocol}`);
    });
  });
  let next = NODE_PORT_MIN;
  services.forEach((s, i) => {
    if (s.type !== 'NodePort') return;
    const ports = s.ports.map((p) => {
      if (p.nodePort !== undefined) return p;
      while (owner.has(next)) next++;
      if (next > NODE_PORT_MAX) {
        ctx.err(['services', i, 'ports'], `no free nodePort left in ${NODE_PORT_MIN}-${NODE_PORT_MAX}`);
        return p;
      }
      owner.set(next, i);
      return { ...p, nodePort: next };
    });
    services[i] = { ...s, ports };
  });
}
