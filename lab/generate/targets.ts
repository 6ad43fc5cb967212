// What generated faults and probes can name in a compiled lab: places, interfaces, addresses to probe, prefixes to
// route and gateways, each list in a stable order so a recipe index always means the same thing.
import { broadcastOf, formatCidr, formatIp } from '../../topology/address.js';
import type { Device, Interface, LabModel } from '../../topology/model.js';
import { hasTool, imageFacts } from '../../topology/images.js';
import { placeOf } from '../../topology/place.js';
import { DEBUG_SEPARATOR } from '../../topology/debug-container.js';

/** An address a probe can aim at, with the port a TCP/UDP probe uses there. */
export interface Target {
  readonly ip: string;
  readonly tcpPort?: number;
  readonly udpPort?: number;
}

export const at = <T>(list: readonly T[], i: number): T => list[((i % list.length) + list.length) % list.length]!;

/** Nodes and pods: where commands run (not in pods without a shell: distroless CoreDNS runs no commands). */
export function placesOf(lab: LabModel): Device[] {
  return lab.devices.filter((d) => d.kind === 'node' || (d.kind === 'pod' && imageFacts(d).shell !== 'none'));
}

/**
 * Where a generated fault or L3 probe runs at D: its place, or for a pod whose image has no L3 tools (Debian slim:
 * nginx, httpd) a netshoot debug container in it (`POD+netshoot`), as a person debugging that pod would.
 */
export function placeName(d: Device): string {
  return d.kind === 'pod' && !hasTool(d, 'ip') ? `${placeOf(d)}${DEBUG_SEPARATOR}netshoot` : placeOf(d);
}

/** The device's interfaces other than lo. */
export function ifacesOf(d: Device): Interface[] {
  return d.interfaces.filter((i) => i.kind !== 'loopback');
}

function firstAddr(d: Device, iface?: string): number | undefined {
  return ifacesOf(d).find((i) => (iface === undefined || i.name === iface) && i.addrs.length > 0)?.addrs[0]?.ip;
}

/** Every address worth probing: pods, nodes, bridges, services, externals, the host, a broadcast, an unused address. */
export function targetsOf(lab: LabModel): Target[] {
  const out: Target[] = [];
  const nodes = lab.devices.filter((d) => d.kind === 'node');
  // Not CoreDNS's pods: a fault aimed at one of two replicas would make kube-proxy's random pick show in DNS probes.
  for (const d of lab.devices.filter((x) => x.kind === 'pod' && imageFacts(x).shell !== 'none')) {
    const a = firstAddr(d);
    if (a !== undefined) out.push({ ip: formatIp(a), ...portsOf(d) });
  }
  for (const n of nodes) {
    const a = n.internalIp ?? firstAddr(n, lab.hostOnly.iface);
    if (a !== undefined) out.push({ ip: formatIp(a), tcpPort: 22 });
    const gw = firstAddr(n, 'cni0');
    if (gw !== undefined) out.push({ ip: formatIp(gw) });
  }
  for (const s of lab.services) {
    const tcp = s.ports.find((p) => p.protocol === 'tcp')?.port;
    const udp = s.ports.find((p) => p.protocol === 'udp')?.port;
    out.push({ ip: formatIp(s.ip), ...(tcp !== undefined ? { tcpPort: tcp } : {}), ...(udp !== undefined ? { udpPort: udp } : {}) });
  }
  for (const e of lab.devices.filter((d) => d.kind === 'external')) out.push({ ip: formatIp(firstAddr(e)!), ...portsOf(e) });
  out.push({ ip: formatIp(lab.hostOnly.hostIp) });
  out.push({ ip: formatIp(broadcastOf(lab.hostOnly.network)) });
  out.push({ ip: formatIp((lab.hostOnly.network.addr + 99) >>> 0) });
  out.push({ ip: formatIp(lab.nat.gatewayIp) });
  return out;
}

function portsOf(d: Device): Pick<Target, 'tcpPort' | 'udpPort'> {
  const tcp = d.listeners.find((l) => l.protocol === 'tcp')?.port;
  const udp = d.listeners.find((l) => l.protocol === 'udp')?.port;
  return { ...(tcp !== undefined ? { tcpPort: tcp } : {}), ...(udp !== undefined ? { udpPort: udp } : {}) };
}

/** Prefixes a route fault can name: every node's pod subnet, the externals, the host-only network. */
export function prefixesOf(lab: LabModel): string[] {
  const out = lab.devices.flatMap((d) => (d.kind === 'node' && d.podSubnet ? [formatCidr(d.podSubnet)] : []));
  for (const e of lab.devices.filter((d) => d.kind === 'external')) out.push(`${formatIp(firstAddr(e)!)}/32`);
  out.push(formatCidr(lab.hostOnly.network));
  return out;
}

/** Gateways a wrong-gateway fault can name: the nodes' host-only addresses and one nobody has. */
export function gatewaysOf(lab: LabModel): string[] {
  const nodes = lab.devices.filter((d) => d.kind === 'node').map((n) => firstAddr(n, lab.hostOnly.iface)).filter((a): a is number => a !== undefined);
  return [...nodes.map(formatIp), formatIp((lab.hostOnly.network.addr + 99) >>> 0)];
}

/** An interface's first address as ADDR/LEN, when it has one. */
export function ifaceAddr(i: Interface): string | undefined {
  const a = i.addrs[0];
  return a ? `${formatIp(a.ip)}/${a.len}` : undefined;
}
