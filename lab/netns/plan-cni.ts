// Which pods the namespace lab attaches through the CNI bridge plugin, with what configuration, and which of the
// model's pod routes the plugin installs itself (the plan leaves those out). Pure, like plan.ts.
import { formatIp, formatRouteDst, sameCidr, subnetOf } from '../../topology/address.js';
import type { Device, Interface, LabModel, Route } from '../../topology/model.js';
import { flannelDelegate, type CniAttach } from './cni.js';

/** A pod interface the bridge plugin makes: the pod's end, the node's port and the bridge it is enslaved to. */
export interface CniPort {
  readonly pod: Device;
  readonly podIface: Interface;
  readonly node: Device;
  readonly port: Interface;
  readonly bridge: Interface;
}

/** Pod interfaces whose veth peer is a bridge port on a node with a pod subnet: key `device\0iface` for both ends. */
export function cniPorts(lab: LabModel): Map<string, CniPort> {
  const ports = new Map<string, CniPort>();
  for (const pod of lab.devices) {
    if (pod.kind !== 'pod') continue;
    for (const podIface of pod.interfaces) {
      const node = podIface.peer ? lab.device(podIface.peer.device) : undefined;
      const port = node?.interfaces.find((i) => i.name === podIface.peer!.iface);
      const bridge = port?.master !== undefined ? node!.interfaces.find((i) => i.name === port.master && i.kind === 'bridge') : undefined;
      if (!node?.podSubnet || !port || !bridge || podIface.addrs.length !== 1) continue;
      const entry = { pod, podIface, node, port, bridge };
      ports.set(`${pod.id}\u0000${podIface.name}`, entry);
      ports.set(`${node.id}\u0000${port.name}`, entry);
    }
  }
  return ports;
}

const key = (device: Device, iface: Interface): string => `${device.id}\u0000${iface.name}`;

export function isCniMade(ports: ReadonlyMap<string, CniPort>, device: Device, iface: Interface): boolean {
  return ports.has(key(device, iface));
}

/** The gateway the plugin gives the pod: the bridge's address in the pod's subnet (host-local's default, .1). */
function gatewayOf(p: CniPort): number {
  const a = p.podIface.addrs[0]!;
  const own = p.bridge.addrs.find((b) => sameCidr(subnetOf(b), subnetOf(a)));
  return own?.ip ?? ((subnetOf(a).addr + 1) >>> 0);
}

/** The routes `bridge` + `host-local` install in the pod for Flannel's delegate: default and cluster network via cni0. */
export function cniRoutes(p: CniPort, lab: LabModel): Route[] {
  const via = gatewayOf(p);
  const dev = p.podIface.name;
  return [
    { dst: { addr: 0, len: 0 }, type: 'unicast', via, dev },
    { dst: lab.cluster.network, type: 'unicast', via, dev },
  ];
}

function sameRoute(a: Route, b: Route): boolean {
  return a.type === b.type && sameCidr(a.dst, b.dst) && a.via === b.via && a.dev === b.dev && a.proto === b.proto && a.metric === b.metric && !a.onlink === !b.onlink && a.scope === b.scope && a.src === b.src;
}

/** Of a CNI-attached pod's model routes: the ones the plugin does not install, and the plugin's ones the model lacks. */
export function routeDifference(p: CniPort, lab: LabModel, routes: readonly Route[]): { add: Route[]; del: Route[] } {
  const made = cniRoutes(p, lab);
  return { add: routes.filter((r) => !made.some((m) => sameRoute(m, r))), del: made.filter((m) => !routes.some((r) => sameRoute(m, r))) };
}

/** The plugin invocation for one pod (its lease directory is added when it runs: the plan stays independent of paths). */
export function cniAttach(p: CniPort, lab: LabModel, nsOf: ReadonlyMap<string, string>): CniAttach {
  const a = p.podIface.addrs[0]!;
  const config = flannelDelegate({
    bridge: p.bridge.name,
    subnet: formatRouteDst(subnetOf(a)),
    clusterNetwork: formatRouteDst(lab.cluster.network),
    mtu: p.podIface.mtu,
  });
  return {
    nodeNs: nsOf.get(p.node.id)!,
    podNs: nsOf.get(p.pod.id)!,
    ifname: p.podIface.name,
    bridge: p.bridge.name,
    config: JSON.stringify(config),
    args: `IgnoreUnknown=1;IP=${formatIp(a.ip)};MAC=${p.podIface.mac}`,
    hostVeth: p.port.name,
    hostMac: p.port.mac,
  };
}
