// Turns a compiled LabModel into a namespace-lab build plan: namespaces, ordered argv commands, files, listeners.
// Pure: no I/O, no root; the executor (lifecycle.ts) carries the plan out.
import type { Device, DeviceKind, Interface, LabModel, Listener, Route } from '../../topology/model.js';
import { formatIfAddr, formatIp, formatRouteDst, isDocumentationRange, sameCidr, subnetOf, type Cidr } from '../../topology/address.js';
import type { Toolset } from '../../topology/toolset.js';
import { HOSTS_PATH } from '../../topology/place-files.js';
import { nsswitchConf, placeResolvConfText } from '../../sim/dns/lab-dns.js';
import { dnsZone } from '../../sim/dns/responder.js';
import { MAX_IFNAME, MAX_NSNAME, NameAllocator, checkPrefix, deviceNamespaceCandidate, validIfName } from './names.js';
import type { CniAttach } from './cni.js';
import { cniAttach, cniPorts, isCniMade, routeDifference, type CniPort } from './plan-cni.js';
import { BRIDGE_NF, IGMP_REPORT_INTERVAL, planSegments } from './plan-segments.js';

/** Phases run in this order; within a phase, steps run in plan order. */
export type PlanPhase = 'setup' | 'sysctl' | 'link' | 'port' | 'attr' | 'address' | 'up' | 'if-sysctl' | 'route' | 'cni' | 'pod-route' | 'netfilter';

export interface PlanStep {
  readonly phase: PlanPhase;
  readonly argv: readonly string[];
  /** Data for the command's stdin (iptables-restore rules). */
  readonly stdin?: string;
  /** A failure is reported as a warning instead of aborting the build (sysctls of modules that may be absent). */
  readonly optional?: boolean;
  /** A `cni` step: the pod the CNI bridge plugin attaches (argv names the node's namespace and the plugin). */
  readonly cni?: CniAttach;
}

export interface PlannedNamespace {
  readonly name: string;
  readonly role: 'device' | 'switch';
  readonly device?: string;
  readonly segment?: string;
}

/** Where a device lives in the lab: its namespace and what `run` needs to pick tools. */
export interface PlannedPlace {
  readonly ns: string;
  readonly kind: DeviceKind;
  readonly hostname: string;
  /** The tools commands find here (the model's device toolset). */
  readonly toolset: Toolset;
  /** Pods: the image, which decides the L4 clients found here (topology/images.ts). */
  readonly image?: string;
  readonly node?: string;
}

export interface PlannedFile {
  readonly path: string;
  readonly content: string;
}

export interface PlannedListeners {
  readonly ns: string;
  readonly device: string;
  readonly listeners: readonly Listener[];
}

/** A DNS server in a namespace (served by lab/netns/lab-server.ts): CoreDNS in a pod, or the NAT engine's DNS. */
export interface PlannedDnsServer {
  readonly ns: string;
  readonly device: string;
  readonly role: 'coredns' | 'upstream';
  /** The lab's DNS data as JSON (sim/dns/responder.ts DnsZone). */
  readonly zone: string;
  /** The address it binds (0.0.0.0 for CoreDNS). */
  readonly address: string;
}

export interface NetnsPlan {
  readonly prefix: string;
  readonly lab: string;
  readonly namespaces: readonly PlannedNamespace[];
  readonly steps: readonly PlanStep[];
  /** Directories to create (parents first) before the files. */
  readonly dirs: readonly string[];
  readonly files: readonly PlannedFile[];
  readonly listeners: readonly PlannedListeners[];
  readonly dnsServers: readonly PlannedDnsServer[];
  readonly places: Readonly<Record<string, PlannedPlace>>;
}

export interface PlanOptions {
  readonly prefix: string;
  /** Where `ip netns exec` finds per-namespace /etc files. */
  readonly etcNetnsDir?: string;
}

const PHASES: readonly PlanPhase[] = ['setup', 'sysctl', 'link', 'port', 'attr', 'address', 'up', 'route', 'cni', 'if-sysctl', 'pod-route', 'netfilter'];

/** Builds the plan; throws an Error naming the device and interface when the model cannot be realised. */
export function buildNetnsPlan(lab: LabModel, opts: PlanOptions): NetnsPlan {
  const prefixError = checkPrefix(opts.prefix);
  if (prefixError) throw new Error(prefixError);
  const etc = opts.etcNetnsDir ?? '/etc/netns';
  const nsNames = new NameAllocator(MAX_NSNAME);
  const namespaces: PlannedNamespace[] = [];
  const nsOf = new Map<string, string>();
  const places: Record<string, PlannedPlace> = {};
  for (const device of lab.devices) {
    const name = nsNames.take(deviceNamespaceCandidate(opts.prefix, device.id));
    nsOf.set(device.id, name);
    namespaces.push({ name, role: 'device', device: device.id });
    places[device.id] = {
      ns: name,
      kind: device.kind,
      hostname: device.hostname,
      toolset: device.toolset,
      ...(device.image !== undefined ? { image: device.image } : {}),
      ...(device.node !== undefined ? { node: device.node } : {}),
    };
    for (const iface of device.interfaces) {
      // Safety (docs/kernel-facts.md §9): "the internet" behind the NAT is documentation addresses only, whatever built the model.
      const outside = device.kind === 'external' && iface.kind !== 'loopback' ? iface.addrs.find((a) => !isDocumentationRange(a.ip)) : undefined;
      if (outside) throw new Error(`external host ${device.id}: ${formatIfAddr(outside)} is not in a documentation range (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24)`);
      if (!validIfName(iface.name)) {
        throw new Error(`device ${device.id}: interface name "${iface.name}" is not a valid Linux name (1-${MAX_IFNAME} characters)`);
      }
    }
  }
  const steps = new Map<PlanPhase, PlanStep[]>(PHASES.map((p) => [p, []]));
  const add = (phase: PlanPhase, argv: string[], extra: { stdin?: string; optional?: boolean; cni?: CniAttach } = {}): void => {
    steps.get(phase)!.push({ phase, argv, ...extra });
  };
  // Interface names per namespace, so helper ports never collide with the model's names.
  const ifNames = new Map<string, NameAllocator>();
  const ifAllocator = (ns: string): NameAllocator => {
    let a = ifNames.get(ns);
    if (!a) ifNames.set(ns, (a = new NameAllocator(MAX_IFNAME)));
    return a;
  };
  for (const device of lab.devices) for (const iface of device.interfaces) ifAllocator(nsOf.get(device.id)!).reserve(iface.name);

  const cni = cniPorts(lab);
  const byCni = (device: Device) => (iface: Interface) => isCniMade(cni, device, iface);
  for (const device of lab.devices) planDeviceBasics(device, lab, nsOf.get(device.id)!, add, byCni(device));
  planVethPeers(lab, nsOf, add, cni);
  planSegments(lab, opts.prefix, nsOf, nsNames, namespaces, ifAllocator, add);
  for (const p of new Set(cni.values())) {
    const attach = cniAttach(p, lab, nsOf);
    add('cni', ['ip', 'netns', 'exec', attach.nodeNs, 'bridge'], { stdin: attach.config, cni: attach });
  }
  for (const device of lab.devices) planRoutes(device, lab, nsOf.get(device.id)!, add, cni);
  for (const device of lab.devices) {
    // Sets first: iptables-restore refuses a rule naming a set that does not exist (kube-router's -m set rules).
    if ((device.ipsets?.length ?? 0) > 0) add('netfilter', ['ip', 'netns', 'exec', nsOf.get(device.id)!, 'ipset', 'restore'], { stdin: device.ipsets!.join('\n') + '\n' });
    if (device.netfilter.length > 0) {
      add('netfilter', ['ip', 'netns', 'exec', nsOf.get(device.id)!, 'iptables-restore'], { stdin: device.netfilter.join('\n') + '\n' });
    }
  }

  const dirs = [etc];
  const files: PlannedFile[] = [];
  const external = externalHostLines(lab);
  const plainHosts = `${LOCALHOST_LINES}${external}`;
  for (const device of lab.devices) {
    const dir = `${etc}/${nsOf.get(device.id)!}`;
    dirs.push(dir);
    // The place's own files (kubelet's, the VM's); places without them resolve from the lab's hosts file only.
    files.push({ path: `${dir}/hosts`, content: device.files?.[HOSTS_PATH] ?? plainHosts });
    files.push({ path: `${dir}/resolv.conf`, content: placeResolvConfText(device) });
    files.push({ path: `${dir}/nsswitch.conf`, content: nsswitchConf(device) });
  }
  // DNS listeners get a DNS server process; the other listeners stay bare.
  const listeners = lab.devices
    .map((d) => ({ ns: nsOf.get(d.id)!, device: d.id, listeners: d.listeners.filter((l) => l.app !== 'dns') }))
    .filter((p) => p.listeners.length > 0);
  const dnsServers = planDnsServers(lab, nsOf);
  return {
    prefix: opts.prefix,
    lab: lab.name,
    namespaces,
    steps: PHASES.flatMap((p) => steps.get(p)!),
    dirs,
    files,
    listeners,
    dnsServers,
    places,
  };
}

/** CoreDNS in every pod with a `dns` listener, and the NAT DNS in every NAT engine (at the lab's NAT DNS address). */
function planDnsServers(lab: LabModel, nsOf: ReadonlyMap<string, string>): PlannedDnsServer[] {
  const zone = JSON.stringify(dnsZone(lab));
  const servers: PlannedDnsServer[] = [];
  for (const d of lab.devices) {
    if (d.listeners.some((l) => l.app === 'dns')) servers.push({ ns: nsOf.get(d.id)!, device: d.id, role: 'coredns', zone, address: '0.0.0.0' });
    else if (d.kind === 'nat') servers.push({ ns: nsOf.get(d.id)!, device: d.id, role: 'upstream', zone, address: formatIp(lab.nat.dnsIp) });
  }
  return servers;
}


const LOCALHOST_LINES = '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n';

function externalHostLines(lab: LabModel): string {
  return lab.hosts.map((h) => `${formatIp(h.ip)}\t${h.name}\n`).join('');
}

export type AddStep = (phase: PlanPhase, argv: string[], extra?: { stdin?: string; optional?: boolean; cni?: CniAttach }) => void;

const PER_IFACE_SYSCTL = /^net\.ipv[46]\.(conf|neigh)\.([^.]+)\.(.+)$/;

/** lo, global sysctls, bridges, MAC/MTU, addresses, link up and per-interface sysctls of one device (CNI_MADE: the
 * interfaces the CNI plugin makes, enslaves, addresses and brings up itself: only their sysctls are planned here). */
function planDeviceBasics(device: Device, lab: LabModel, ns: string, add: AddStep, cniMade: (i: Interface) => boolean): void {
  add('setup', ['ip', '-n', ns, 'link', 'set', 'dev', 'lo', 'up']);
  const sysctls = new Map<string, string>(Object.entries(device.sysctls));
  const global = new Map<string, string>();
  const perIface = new Map<string, string>();
  for (const [key, value] of sysctls) {
    const m = PER_IFACE_SYSCTL.exec(key);
    if (m && m[2] !== 'all' && m[2] !== 'default') perIface.set(key, value);
    else global.set(key, value);
  }
  // Explicit values so the kernel's (or the host's) defaults never leak into a capture.
  if (!global.has('net.ipv4.icmp_ratelimit')) global.set('net.ipv4.icmp_ratelimit', String(lab.cluster.icmpRatelimit));
  if (!global.has('net.ipv4.conf.all.rp_filter')) global.set('net.ipv4.conf.all.rp_filter', '0');
  if (!global.has('net.ipv4.conf.default.rp_filter')) global.set('net.ipv4.conf.default.rp_filter', global.get('net.ipv4.conf.all.rp_filter')!);
  // Bridged traffic through iptables: kubeadm nodes set it (docs/kernel-facts.md §8); the host's vboxnet0 is not filtered.
  if (!global.has(BRIDGE_NF) && device.interfaces.some((i) => i.kind === 'bridge')) global.set(BRIDGE_NF, device.kind === 'node' ? '1' : '0');
  // Both IGMP reports of its bridges out before the first probe (plan-segments.ts, IGMP_REPORT_INTERVAL).
  if (!global.has(IGMP_REPORT_INTERVAL) && device.interfaces.some((i) => i.kind === 'bridge')) global.set(IGMP_REPORT_INTERVAL, '1');
  // ip_forward first: writing it resets the per-interface forwarding flags.
  const ordered = [...global.entries()].sort(([a], [b]) => Number(b === 'net.ipv4.ip_forward') - Number(a === 'net.ipv4.ip_forward'));
  const core = ordered.filter(([k]) => !k.startsWith('net.bridge.'));
  const bridge = ordered.filter(([k]) => k.startsWith('net.bridge.'));
  if (core.length > 0) add('sysctl', ['ip', 'netns', 'exec', ns, 'sysctl', '-q', '-w', ...core.map(([k, v]) => `${k}=${v}`)]);
  // net.bridge.* exist only while br_netfilter is loaded.
  for (const [k, v] of bridge) add('sysctl', ['ip', 'netns', 'exec', ns, 'sysctl', '-q', '-w', `${k}=${v}`], { optional: true });
  // SYN retransmissions as the lab's Debian 12 kernel (6.1) times them: 1, 2, 4 s ... Kernels from 6.5 retransmit the
  // first SYNs at linear 1 s intervals unless this per-netns sysctl is 0; older kernels lack it (hence optional).
  add('sysctl', ['ip', 'netns', 'exec', ns, 'sysctl', '-q', '-w', 'net.ipv4.tcp_syn_linear_timeouts=0'], { optional: true });

  const defaultRp = global.get('net.ipv4.conf.default.rp_filter')!;
  const ifSysctls: string[] = [];
  for (const iface of device.interfaces) {
    if (iface.kind === 'loopback') {
      for (const a of iface.addrs) {
        if (!(formatIfAddr(a) === '127.0.0.1/8')) add('address', ['ip', '-n', ns, 'addr', 'add', formatIfAddr(a), 'dev', iface.name]);
      }
      continue;
    }
    const rpKey = `net.ipv4.conf.${iface.name}.rp_filter`;
    if (!perIface.has(rpKey)) ifSysctls.push(`net/ipv4/conf/${iface.name}/rp_filter=${defaultRp}`);
    if (cniMade(iface)) continue;
    if (iface.kind === 'bridge') add('link', ['ip', '-n', ns, 'link', 'add', 'name', iface.name, 'type', 'bridge']);
    if (iface.master) add('port', ['ip', '-n', ns, 'link', 'set', 'dev', iface.name, 'master', iface.master]);
    const attrs = ['ip', '-n', ns, 'link', 'set', 'dev', iface.name];
    if (iface.mac) attrs.push('address', iface.mac);
    if (iface.mtu) attrs.push('mtu', String(iface.mtu));
    if (attrs.length > 7) add('attr', attrs);
    for (const a of iface.addrs) {
      const argv = ['ip', '-n', ns, 'addr', 'add', formatIfAddr(a)];
      if (a.len < 31) argv.push('brd', '+');
      add('address', [...argv, 'dev', iface.name]);
    }
    add('up', ['ip', '-n', ns, 'link', 'set', 'dev', iface.name, 'up']);
  }
  for (const [k, v] of perIface) {
    const m = PER_IFACE_SYSCTL.exec(k)!;
    ifSysctls.push(`net/${k.split('.')[1]}/${m[1]}/${m[2]}/${m[3]!.replace(/\./g, '/')}=${v}`);
  }
  if (ifSysctls.length > 0) add('if-sysctl', ['ip', 'netns', 'exec', ns, 'sysctl', '-q', '-w', ...ifSysctls]);
}

/** The model's veth pairs the CNI plugin does not make, each created once from the lower-ordered end. */
function planVethPeers(lab: LabModel, nsOf: ReadonlyMap<string, string>, add: AddStep, cni: ReadonlyMap<string, CniPort>): void {
  const done = new Set<string>();
  for (const device of lab.devices) {
    for (const iface of device.interfaces) {
      if (!iface.peer || isCniMade(cni, device, iface)) continue;
      const key = `${device.id}\u0000${iface.name}`;
      if (done.has(key)) continue;
      const peerNs = nsOf.get(iface.peer.device);
      if (!peerNs) throw new Error(`device ${device.id}: interface ${iface.name} peers with unknown device "${iface.peer.device}"`);
      const back = lab.devices.find((d) => d.id === iface.peer!.device)?.interfaces.find((i) => i.name === iface.peer!.iface);
      if (!back) throw new Error(`device ${device.id}: interface ${iface.name} peers with missing ${iface.peer.device}/${iface.peer.iface}`);
      done.add(key);
      done.add(`${iface.peer.device}\u0000${iface.peer.iface}`);
      add('link', ['ip', '-n', nsOf.get(device.id)!, 'link', 'add', 'name', iface.name, 'type', 'veth', 'peer', 'name', iface.peer.iface, 'netns', peerNs]);
    }
  }
}

function connectedPrefixes(device: Device): { dst: Cidr; dev: string }[] {
  return device.interfaces.flatMap((i) => (i.kind === 'loopback' ? [] : i.addrs.filter((a) => a.len < 32).map((a) => ({ dst: subnetOf(a), dev: i.name }))));
}

/** The shared (host-gw) routes a device gets: its route set minus the prefixes its own or connected routes cover. */
export function installedSharedRoutes(device: Device, lab: Pick<LabModel, 'routeSets'>): readonly Route[] {
  if (!device.sharedRoutes) return [];
  const set = lab.routeSets.find((s) => s.id === device.sharedRoutes);
  if (!set) throw new Error(`device ${device.id}: unknown shared route set "${device.sharedRoutes}"`);
  const connected = connectedPrefixes(device);
  return set.routes.filter((r) => !device.routes.some((o) => sameCidr(o.dst, r.dst)) && !connected.some((c) => sameCidr(c.dst, r.dst)));
}

/**
 * Own routes (except the connected ones the kernel adds itself) and the shared routes they do not shadow. A pod the
 * CNI plugin attaches gets the plugin's routes; only the model's others are added (and the plugin's it lacks deleted)
 * once the plugin has run.
 */
function planRoutes(device: Device, lab: LabModel, ns: string, add: AddStep, cni: ReadonlyMap<string, CniPort>): void {
  const connected = connectedPrefixes(device);
  let own = device.routes.filter(
    (r) => !(r.proto === 'kernel' && connected.some((c) => sameCidr(c.dst, r.dst) && (r.dev === undefined || r.dev === c.dev))),
  );
  let phase: PlanPhase = 'route';
  const attached = device.kind === 'pod' ? device.interfaces.map((i) => cni.get(`${device.id}\u0000${i.name}`)).find((p) => p !== undefined) : undefined;
  if (attached) {
    const diff = routeDifference(attached, lab, own);
    for (const r of diff.del) add('pod-route', ['ip', '-n', ns, 'route', 'del', ...routeArgv(ns, r).slice(5)]);
    own = diff.add;
    phase = 'pod-route';
  }
  const all = [...own, ...installedSharedRoutes(device, lab)];
  // Routes through a gateway need the gateway's subnet first; device routes go before them.
  for (const r of all) if (r.via === undefined) add(phase, routeArgv(ns, r));
  for (const r of all) if (r.via !== undefined) add(phase, routeArgv(ns, r));
}

export function routeArgv(ns: string, r: Route): string[] {
  const argv = ['ip', '-n', ns, 'route', 'add'];
  if (r.type !== 'unicast') argv.push(r.type);
  argv.push(formatRouteDst(r.dst));
  if (r.via !== undefined) argv.push('via', formatIp(r.via));
  if (r.dev !== undefined && r.type === 'unicast') argv.push('dev', r.dev);
  if (r.proto !== undefined) argv.push('proto', r.proto);
  if (r.scope !== undefined) argv.push('scope', r.scope);
  if (r.src !== undefined) argv.push('src', formatIp(r.src));
  if (r.metric !== undefined) argv.push('metric', String(r.metric));
  if (r.onlink) argv.push('onlink');
  return argv;
}
