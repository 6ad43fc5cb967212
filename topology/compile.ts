// Compiles a lab file into the readonly LabModel: devices, interfaces, segments, routes and netfilter rules.
import { existsSync } from 'node:fs';
import { formatIp, type Cidr } from './address.js';
import { buildContext, buildExternals, CLUSTER_DOMAIN, kubeDnsIp, buildHost, buildNatEngines, buildNode, FLANNEL_ROUTE_SET } from './build-devices.js';
import type { LabFile } from './labfile.js';
import { deviceIndex } from './device-index.js';
import { buildLabGraph } from './graph.js';
import type { Device, LabModel, RouteSet, Segment } from './model.js';
import { isLabFilePath, libraryLabNames, resolveLabPath } from './paths.js';
import { planLab, type LabPlan } from './plan.js';
import { applyPolicyEngine } from './policy-engine.js';
import { labValidator } from './schema/validators.js';
import { parseYamlText, readYamlFile, SourceError, type YamlSource } from './yaml-source.js';

export { SourceError } from './yaml-source.js';
export { FLANNEL_ROUTE_SET } from './build-devices.js';
export { vethNameFor } from './device-names.js';

/** The lab schema validator (generated at build time from topology/schema/lab.schema.json). */
export { labValidator };

/** Loads and compiles a lab by name (three-node) or path. Throws SourceError with FILE:LINE:COL diagnostics. */
export function loadLab(nameOrPath: string): LabModel {
  const file = resolveLabPath(nameOrPath);
  if (!isLabFilePath(nameOrPath) && !existsSync(file)) {
    throw new SourceError([{ file, line: 1, col: 1, message: `cannot read: no lab "${nameOrPath}" (labs: ${libraryLabNames().join(', ')}; a lab file is named by a path like ./${nameOrPath}.yaml)` }]);
  }
  return compileLabSource(readYamlFile<LabFile>(file, labValidator()));
}

export function compileLabText(file: string, text: string): LabModel {
  return compileLabSource(parseYamlText<LabFile>(file, text, labValidator()));
}

/** Compiles an already parsed lab file object (used by model-level fault edits and generators). */
export function compileLabObject(file: string, data: LabFile): LabModel {
  return compileLabSource({ file, data, locate: () => ({ line: 1, col: 1 }), at: (_p, message) => ({ file, line: 1, col: 1, message }) });
}

export function compileLabSource(src: YamlSource<LabFile>): LabModel {
  const { plan, diagnostics } = planLab(src);
  if (diagnostics.length > 0) throw new SourceError(diagnostics);
  return buildModel(src.file, plan);
}

function buildModel(source: string, plan: LabPlan): LabModel {
  const ctx = buildContext(plan);
  const devices: Device[] = [];
  const segments: Segment[] = [{ id: 'host-only', kind: 'host-only', linkKind: 'host-only' }];
  for (const n of plan.nodes) for (const d of buildNode(ctx, n, segments)) devices.push(d);
  devices.push(buildHost(ctx));
  segments.push({ id: 'wan', kind: 'wan', linkKind: 'wan' });
  for (const d of buildNatEngines(ctx)) devices.push(d);
  for (const d of buildExternals(ctx)) devices.push(d);
  const routeSets: RouteSet[] = [{ id: FLANNEL_ROUTE_SET, routes: ctx.flannelRoutes }];
  const services = ctx.services;

  const enforced = applyPolicyEngine(devices, services, plan.serviceNetwork, plan.policies);
  const byId = deviceIndex(enforced);
  let graph: ReturnType<typeof buildLabGraph> | undefined;
  const model: LabModel = {
    name: plan.name,
    source,
    description: plan.description,
    cluster: {
      network: plan.clusterNetwork,
      serviceNetwork: plan.serviceNetwork,
      flannelBackend: 'host-gw',
      flannelIface: plan.flannelIface,
      kubeletNodeIp: plan.kubeletNodeIp,
      flannelStopped: plan.flannelStopped,
      joinOrder: plan.joinOrder,
      icmpRatelimit: plan.icmpRatelimit,
      domain: CLUSTER_DOMAIN,
      dnsIp: kubeDnsIp(services),
      networkPolicy: plan.policies.engine,
    },
    hostOnly: plan.hostOnly,
    nat: plan.nat,
    vm: plan.vm,
    devices: enforced,
    segments,
    routeSets,
    services,
    networkPolicies: plan.policies.policies,
    namespaceLabels: plan.policies.namespaceLabels,
    hosts: plan.externals.map((e) => ({ ip: e.ip, name: e.name })),
    device: byId,
    graph: () => (graph ??= buildLabGraph(model)),
  };
  return Object.freeze(model);
}

export function describeDevice(d: Device): string {
  const addrs = d.interfaces.filter((i) => i.kind !== 'loopback').flatMap((i) => i.addrs.map((a) => `${i.name} ${formatIp(a.ip)}/${a.len}`));
  return `${d.id} (${d.kind}): ${addrs.join(', ')}`;
}

export type { Cidr };
