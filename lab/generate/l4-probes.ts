// Generated DNS and layer-4 probes (issue 12 on generated labs): curl/wget to HTTP ports, nc -zv to TCP ports, and
// nslookup/dig/getent of the lab's Service, pod and external names, each run only where the place's image has the
// client and where the namespace lab runs the same program (docs/l4-clients.md: Debian's busybox nc has no -z).
import { formatIp } from '../../topology/address.js';
import { imageFacts, type ClientTool } from '../../topology/images.js';
import type { Device, LabModel, Listener } from '../../topology/model.js';
import { at, placesOf } from './targets.js';

/** A TCP port worth connecting to: a pod's, a Service's, an external host's. */
export interface L4Target {
  readonly ip: string;
  readonly port: number;
  /** What answers there: an HTTP app, something that is not HTTP (bare, DNS over TCP), or nothing (refused, dropped). */
  readonly http: boolean;
  /** The answer does not depend on which endpoint kube-proxy's `-m statistic --mode random` picks (unfaulted lab). */
  readonly pickFree: boolean;
  /** Endpoints behind it (a Service's; 1 for a pod or an external host). */
  readonly endpoints: number;
}

/** What a generated probe knows about its case. */
export interface ProbeContext {
  readonly lab: LabModel;
  /** The case has break steps: a Service with several endpoints may answer differently per endpoint. */
  readonly faulted: boolean;
}

const CURL = `curl -sS -m 3 -o /dev/null -w '%{http_code}\\n'`;

const has = (d: Device, tool: ClientTool): boolean => imageFacts(d).clients.has(tool);

/** Places (targets.ts: not distroless CoreDNS) that pass OK. */
function placesWith(lab: LabModel, ok: (d: Device) => boolean): Device[] {
  return placesOf(lab).filter(ok);
}

/** Two listeners answer a connection alike (same app and response). */
function sameAnswer(a: Listener | undefined, b: Listener | undefined): boolean {
  return a?.app === b?.app && JSON.stringify(a?.http) === JSON.stringify(b?.http);
}

function listenerAt(lab: LabModel, podId: string, port: number): Listener | undefined {
  return lab.device(podId)?.listeners.find((l) => l.protocol === 'tcp' && l.port === port);
}

/** TCP targets: every pod's port 80 and listeners, every Service's TCP ports, the externals' ports. */
export function l4TargetsOf(lab: LabModel): L4Target[] {
  const out: L4Target[] = [];
  for (const d of lab.devices.filter((x) => x.kind === 'pod' || x.kind === 'external')) {
    const ip = d.interfaces.find((i) => i.kind !== 'loopback' && i.addrs.length > 0)?.addrs[0]?.ip;
    if (ip === undefined) continue;
    const ports = new Set([...(d.kind === 'pod' ? [80] : []), ...d.listeners.filter((l) => l.protocol === 'tcp').map((l) => l.port)]);
    for (const port of ports) {
      const l = d.listeners.find((x) => x.protocol === 'tcp' && x.port === port);
      out.push({ ip: formatIp(ip), port, http: l === undefined || l.app === 'http', pickFree: true, endpoints: 1 });
    }
  }
  for (const s of lab.services) {
    for (const p of s.ports.filter((x) => x.protocol === 'tcp')) {
      const answers = s.endpoints.map((e) => listenerAt(lab, e, p.targetPort));
      const http = answers.every((l) => l === undefined || l.app === 'http');
      const uniform = answers.every((l) => sameAnswer(l, answers[0]));
      out.push({ ip: formatIp(s.ip), port: p.port, http, pickFree: s.endpoints.length <= 1 || uniform, endpoints: s.endpoints.length });
    }
  }
  return out;
}

/** Names worth resolving: Services short and in full, a pod record, an external host, a name nobody has. */
export function dnsNamesOf(lab: LabModel): string[] {
  const names: string[] = [];
  for (const s of lab.services) names.push(`${s.name}.${s.namespace}.svc.cluster.local`, s.namespace === 'default' ? s.name : `${s.name}.${s.namespace}`);
  const pod = lab.devices.find((d) => d.kind === 'pod' && imageFacts(d).shell !== 'none');
  const podIp = pod?.interfaces.find((i) => i.name === 'eth0')?.addrs[0]?.ip;
  if (pod && podIp !== undefined) names.push(`${formatIp(podIp).replaceAll('.', '-')}.${pod.namespace ?? 'default'}.pod.cluster.local`);
  for (const e of lab.devices.filter((d) => d.kind === 'external')) names.push(e.id);
  names.push('nosuch');
  return names;
}

/**
 * The targets a probe may use: a Service whose endpoints answer differently never; with faults, no Service with several
 * endpoints (a fault on one endpoint's node or pod makes the kernel's random pick show).
 */
function usable(c: ProbeContext, http: boolean): L4Target[] {
  const all = l4TargetsOf(c.lab).filter((t) => t.pickFree && (!c.faulted || t.endpoints <= 1) && (!http || t.http));
  return all.length > 0 ? all : l4TargetsOf(c.lab).filter((t) => t.endpoints <= 1);
}

const url = (t: L4Target): string => `http://${t.ip}${t.port === 80 ? '' : `:${t.port}`}/`;

/**
 * HTTP: curl where the image has it; busybox wget only on unfaulted cases (Debian's busybox 1.35 crashes on `wget -T`,
 * so a silent peer would keep it waiting for its 15-minute default).
 */
function httpProbe(c: ProbeContext, placeIndex: number, target: number): { place: Device; run: string } | undefined {
  const places = placesWith(c.lab, (d) => has(d, 'curl') || (!c.faulted && has(d, 'wget') && d.toolset === 'busybox'));
  const targets = usable(c, true).filter((t) => t.http);
  if (places.length === 0 || targets.length === 0) return undefined;
  const place = at(places, placeIndex);
  const t = at(targets, target);
  return { place, run: has(place, 'curl') ? `${CURL} ${url(t)}` : `wget -q -O /dev/null ${url(t)}` };
}

/** TCP connect: netcat-openbsd's `nc -zv -w 2` (netshoot, nodes). */
function ncProbe(c: ProbeContext, placeIndex: number, target: number): { place: Device; run: string } | undefined {
  const places = placesWith(c.lab, (d) => has(d, 'nc') && d.toolset !== 'busybox');
  const targets = usable(c, false);
  if (places.length === 0 || targets.length === 0) return undefined;
  const t = at(targets, target);
  return { place: at(places, placeIndex), run: `nc -zv -w 2 ${t.ip} ${t.port}` };
}

/** A lookup with the place's own clients: BIND nslookup, dig +short, getent hosts; busybox nslookup in busybox pods. */
function dnsProbe(c: ProbeContext, placeIndex: number, target: number, arg: number): { place: Device; run: string } | undefined {
  const places = placesWith(c.lab, (d) => has(d, 'nslookup') || has(d, 'getent'));
  if (places.length === 0) return undefined;
  const place = at(places, placeIndex);
  const name = at(dnsNamesOf(c.lab), target);
  const clients = (['nslookup', 'dig', 'getent'] as const).filter((t) => has(place, t));
  const client = at(clients, arg);
  const run = client === 'dig' ? `dig +short ${name}` : client === 'getent' ? `getent hosts ${name}` : `nslookup ${name}`;
  return { place, run };
}

/** The generated L4 tools by name: each gives the place it runs at and the command, or undefined when no place can. */
export const L4_PROBES: Readonly<Record<'http' | 'nc' | 'dns', (c: ProbeContext, at: number, target: number, arg: number) => { place: Device; run: string } | undefined>> = {
  http: httpProbe,
  nc: ncProbe,
  dns: dnsProbe,
};
