// One builder per device kind of the model (nodes with their pods, the host, NAT engines, externals), from the address
// plan and the values they share (interface names, sysctls, netfilter rules, Flannel's routes).
import { networkOf, parseCidr, subnetOf, type Cidr, type IfAddr } from './address.js';
import { macFor } from './device-names.js';
import { LAB_DEFAULTS } from './labfile.js';
import type { Device, Interface, Route, Segment, Service } from './model.js';
import { emptyNetfilter, natEngineNetfilter, nodeNetfilterRules } from './netfilter-rules.js';
import { subnetGateway, type LabPlan, type PlannedNode, type PlannedPod } from './plan.js';
import { factsOfImage, type DnsPolicy } from './images.js';
import { HostVeth, PodAddr, PodConnectedRoute, PodEth0 } from './pod-links.js';
import { HOSTS_PATH, nodeHosts, nodeResolvConf, nodeResolver, PodFiles, podResolvConf, RESOLV_CONF_PATH, type NodeResolver } from './place-files.js';

export const FLANNEL_ROUTE_SET = 'flannel-host-gw';

const LOOPBACK: Interface = Object.freeze({ name: 'lo', kind: 'loopback', addrs: Object.freeze([Object.freeze({ ip: 0x7f000001, len: 8 })]), mtu: 65536, mac: '00:00:00:00:00:00' });
/** Immutable values many devices share (150,000 pods in the largest generated labs): allocated once. */
const DEFAULT_DST: Cidr = Object.freeze({ addr: 0, len: 0 });
const MTU = LAB_DEFAULTS.mtu;

function connected(a: IfAddr, dev: string): Route {
  return { dst: subnetOf(a), type: 'unicast', dev, proto: 'kernel', scope: 'link', src: a.ip };
}

function sysctls(forward: boolean, ratelimit: number): Readonly<Record<string, string>> {
  return Object.freeze({
    'net.ipv4.ip_forward': forward ? '1' : '0',
    'net.ipv4.conf.all.rp_filter': '0',
    'net.ipv4.conf.default.rp_filter': '0',
    'net.ipv4.icmp_ratelimit': String(ratelimit),
    'net.ipv4.icmp_ratemask': '6168',
  });
}

/** What the builders share, computed once per lab. */
export interface BuildContext {
  readonly plan: LabPlan;
  readonly services: readonly Service[];
  readonly routerSysctls: Readonly<Record<string, string>>;
  readonly hostSysctls: Readonly<Record<string, string>>;
  /** A pod's: the CNI plugin's ipam.ConfigureIface sets net/ipv4/conf/eth0/arp_notify=1 (containernetworking/plugins). */
  readonly podSysctls: Readonly<Record<string, string>>;
  readonly plainNetfilter: readonly string[];
  readonly natIface: string;
  readonly hostOnlyIface: string;
  readonly flannelIface: string;
  /** Nodes that joined with a pod subnet: they run Flannel and hold its shared routes. */
  readonly joined: ReadonlySet<PlannedNode>;
  readonly flannelRoutes: readonly Route[];
  readonly nodeNetfilter: (podSubnet: Cidr | undefined) => readonly string[];
  /** The cluster DNS domain (kubelet --cluster-domain). */
  readonly domain: string;
  /** kubelet's --cluster-dns: kube-system/kube-dns's ClusterIP, else kubeadm's default (the 10th service address). */
  readonly clusterDns: number;
  /** What the VMs' resolv.conf says (VirtualBox NAT DHCP). */
  readonly nodeResolver: NodeResolver;
  /** Pod resolv.conf texts by dnsPolicy, then namespace (shared by every pod of a namespace). */
  readonly resolvConfs: Record<DnsPolicy, Map<string, string>>;
}

/** The cluster DNS domain kubeadm configures kubelet with. */
export const CLUSTER_DOMAIN = 'cluster.local';

/** kube-system/kube-dns's ClusterIP when the lab has that Service. */
export function kubeDnsIp(services: readonly Pick<Service, 'name' | 'namespace' | 'ip'>[]): number | undefined {
  return services.find((s) => s.name === 'kube-dns' && s.namespace === 'kube-system')?.ip;
}

export function buildContext(plan: LabPlan): BuildContext {
  const natIface = plan.nat.iface;
  const flannelIface = plan.flannelIface ?? natIface;
  // Only endpoint pods need their addresses looked up by name.
  const endpointNames = new Set(plan.services.flatMap((s) => s.endpoints));
  const endpointPods = new Map<string, PlannedPod>();
  if (endpointNames.size > 0) for (const n of plan.nodes) for (const p of n.pods) if (endpointNames.has(p.name)) endpointPods.set(p.name, p);
  const services: Service[] = plan.services.map((s) => ({ ...s, ports: s.ports.map((p) => ({ ...p })) }));
  const endpointIps = (svc: Service) => svc.endpoints.map((pod) => {
    const p = endpointPods.get(pod)!;
    return { pod, ip: p.ip, ports: p.listen };
  });
  const joinedNames = new Set(plan.joinOrder);
  const joined = plan.nodes.filter((n) => n.podSubnet && joinedNames.has(n.name));
  const ctx = {
    plan,
    services,
    domain: CLUSTER_DOMAIN,
    // kubeadm's clusterDNS: the 10th address of the service network (GetDNSIP), where it puts kube-dns.
    clusterDns: kubeDnsIp(services) ?? (plan.serviceNetwork.addr + 10) >>> 0,
    nodeResolver: nodeResolver(plan.nat.dnsIp),
    resolvConfs: { ClusterFirst: new Map<string, string>(), Default: new Map<string, string>() },
    routerSysctls: sysctls(true, plan.icmpRatelimit),
    hostSysctls: sysctls(false, plan.icmpRatelimit),
    podSysctls: Object.freeze({ ...sysctls(false, plan.icmpRatelimit), 'net.ipv4.conf.eth0.arp_notify': '1' }),
    plainNetfilter: Object.freeze(emptyNetfilter()),
    natIface,
    hostOnlyIface: plan.hostOnly.iface,
    flannelIface,
    joined: new Set(joined),
    flannelRoutes: [] as Route[],
    nodeNetfilter: nodeNetfilterRules({ clusterNetwork: plan.clusterNetwork, services, endpointIps }),
  };
  ctx.flannelRoutes.push(...joined.map((n): Route => ({ dst: n.podSubnet!, type: 'unicast', via: publicIpOf(ctx, n), dev: flannelIface })));
  return ctx;
}

/** The address Flannel publishes for node N: its host-only address, or the NAT guest address when bound to the NAT interface. */
function publicIpOf(ctx: Pick<BuildContext, 'plan' | 'natIface' | 'flannelIface'>, n: PlannedNode): number {
  return ctx.flannelIface === ctx.natIface ? ctx.plan.nat.guestIp : n.ip;
}

const natAddr = (ctx: BuildContext, ip: number): IfAddr => ({ ip, len: ctx.plan.nat.network.len });

/** Node N with its pods after it; appends the node's cni0 bridge (when it has a pod subnet) and NAT segments. */
export function buildNode(ctx: BuildContext, n: PlannedNode, segments: Segment[]): Device[] {
  const { plan, natIface, hostOnlyIface } = ctx;
  const natSegment = `${n.name}:nat`;
  const eth0: IfAddr = natAddr(ctx, plan.nat.guestIp);
  const eth1: IfAddr = { ip: n.ip, len: plan.hostOnly.network.len };
  const interfaces: Interface[] = [
    LOOPBACK,
    { name: natIface, kind: 'ether', addrs: [eth0], mtu: MTU, mac: macFor(n.name, natIface), segment: natSegment },
    { name: hostOnlyIface, kind: 'ether', addrs: [eth1], mtu: MTU, mac: macFor(n.name, hostOnlyIface), segment: 'host-only' },
  ];
  const routes: Route[] = [
    { dst: DEFAULT_DST, type: 'unicast', via: plan.nat.gatewayIp, dev: natIface },
    connected(eth0, natIface),
    connected(eth1, hostOnlyIface),
  ];
  const cniSegment = `${n.name}:cni0`;
  if (n.podSubnet) {
    const gw: IfAddr = { ip: subnetGateway(n.podSubnet), len: n.podSubnet.len };
    segments.push({ id: cniSegment, kind: 'bridge', linkKind: 'veth' });
    interfaces.push({ name: 'cni0', kind: 'bridge', addrs: [gw], mtu: MTU, mac: macFor(n.name, 'cni0'), segment: cniSegment });
    for (const p of n.pods) interfaces.push(new HostVeth(n.name, p.name));
    routes.push(connected(gw, 'cni0'));
  }
  segments.push({ id: natSegment, kind: 'nat', linkKind: 'nat' });
  const isJoined = ctx.joined.has(n);
  const node: Device = {
    id: n.name,
    kind: 'node',
    hostname: n.name,
    toolset: 'linux',
    resolver: 'glibc',
    files: { ...vmFiles(ctx, n.name), ...n.files },
    role: n.role,
    interfaces,
    routes,
    sharedRoutes: isJoined ? FLANNEL_ROUTE_SET : undefined,
    sysctls: ctx.routerSysctls,
    netfilter: ctx.nodeNetfilter(isJoined ? n.podSubnet : undefined),
    listeners: [],
    podSubnet: n.podSubnet,
    internalIp: plan.kubeletNodeIp ? n.ip : plan.nat.guestIp,
    flannel: isJoined ? { iface: ctx.flannelIface, publicIp: publicIpOf(ctx, n), subnet: n.podSubnet!, mtu: MTU } : undefined,
  };
  return [node, ...buildPods(ctx, n, cniSegment)];
}

/** The pods of node N, each on the node's cni0 segment through its veth pair. */
function buildPods(ctx: BuildContext, n: PlannedNode, cniSegment: string): Device[] {
  if (n.pods.length === 0) return [];
  // Every pod of a node shares the routes Flannel's CNI plugin has `bridge` install (docs/cni.md): the default route
  // (isDefaultGateway) and the cluster network (ipam routes, FLANNEL_NETWORK) via cni0, both proto boot, then the
  // connected route's prefix.
  const subnet = n.podSubnet!;
  const gateway = subnetGateway(subnet);
  const podDefault: Route = { dst: DEFAULT_DST, type: 'unicast', via: gateway, dev: 'eth0' };
  const podCluster: Route = { dst: ctx.plan.clusterNetwork, type: 'unicast', via: gateway, dev: 'eth0' };
  const podNet: Cidr = { addr: networkOf(subnet.addr, subnet.len), len: subnet.len };
  return n.pods.map((p): Device => {
    const a = new PodAddr(p.ip, subnet.len);
    const facts = factsOfImage(p.image);
    return {
      id: p.name,
      kind: 'pod',
      hostname: p.name,
      node: n.name,
      image: p.image,
      namespace: p.namespace,
      labels: p.labels,
      files: new PodFiles(podResolvConfOf(ctx, facts.dnsPolicy, p.namespace), p.ip, p.name, p.files),
      resolver: facts.resolver,
      toolset: facts.toolset,
      interfaces: [LOOPBACK, new PodEth0(p.name, a, cniSegment, n.name)],
      routes: [podDefault, podCluster, new PodConnectedRoute(podNet, a.ip)],
      sysctls: ctx.podSysctls,
      netfilter: ctx.plainNetfilter,
      listeners: p.listen,
    };
  });
}

/** A pod's resolv.conf, shared by the pods of a namespace with the same dnsPolicy. */
function podResolvConfOf(ctx: BuildContext, policy: DnsPolicy, namespace: string): string {
  const texts = ctx.resolvConfs[policy];
  let text = texts.get(namespace);
  if (text === undefined) texts.set(namespace, (text = podResolvConf(policy, namespace, ctx.domain, ctx.clusterDns, ctx.nodeResolver)));
  return text;
}

/** /etc/resolv.conf and /etc/hosts of a VM (the workstation's are the user's own: not modelled). */
function vmFiles(ctx: BuildContext, hostname: string): Readonly<Record<string, string>> {
  return { [RESOLV_CONF_PATH]: nodeResolvConf(ctx.nodeResolver), [HOSTS_PATH]: nodeHosts(hostname) };
}

/** The workstation on the host-only network (vboxnet0). */
export function buildHost(ctx: BuildContext): Device {
  const hostAddr: IfAddr = { ip: ctx.plan.hostOnly.hostIp, len: ctx.plan.hostOnly.network.len };
  return {
    id: 'host', kind: 'host', hostname: 'workstation', toolset: 'linux', resolver: 'glibc',
    interfaces: [LOOPBACK, { name: 'vboxnet0', kind: 'bridge', addrs: [hostAddr], mtu: MTU, mac: macFor('host', 'vboxnet0'), segment: 'host-only' }],
    routes: [connected(hostAddr, 'vboxnet0')],
    sysctls: ctx.hostSysctls, netfilter: ctx.plainNetfilter, listeners: [],
  };
}

/** Each node's NAT engine (VirtualBox's NAT: gateway and DNS on the guest side, one outside address on the wan when externals exist). */
export function buildNatEngines(ctx: BuildContext): Device[] {
  const { plan } = ctx;
  const wanNet = parseCidr(LAB_DEFAULTS.natWanNetwork)!;
  // Every NAT engine runs the same rules and holds the same guest-side addresses and routes.
  const natNetfilter = natEngineNetfilter('guest', 'wan', plan.externals.map((e) => e.ip));
  const guest: readonly IfAddr[] = [natAddr(ctx, plan.nat.gatewayIp), natAddr(ctx, plan.nat.dnsIp)];
  const natDefault: Route = { dst: DEFAULT_DST, type: 'unicast', dev: 'wan', scope: 'link' };
  const guestRoute = connected(guest[0]!, 'guest');
  return plan.nodes.map((n, i): Device => {
    const natId = `${n.name}-nat`;
    const wanAddrs: IfAddr[] = plan.externals.length > 0 ? [{ ip: (wanNet.addr + i + 1) >>> 0, len: wanNet.len }] : [];
    return {
      id: natId, kind: 'nat', hostname: natId, toolset: 'linux', node: n.name,
      interfaces: [
        LOOPBACK,
        { name: 'guest', kind: 'ether', addrs: guest, mtu: MTU, mac: macFor(natId, 'guest'), segment: `${n.name}:nat` },
        { name: 'wan', kind: 'ether', addrs: wanAddrs, mtu: MTU, mac: macFor(natId, 'wan'), segment: 'wan' },
      ],
      routes: wanAddrs.length > 0 ? [natDefault, guestRoute, connected(wanAddrs[0]!, 'wan')] : [natDefault, guestRoute],
      sysctls: ctx.routerSysctls,
      netfilter: natNetfilter,
      listeners: [],
    };
  });
}

/** The external hosts on the wan, beyond the NAT engines. */
export function buildExternals(ctx: BuildContext): Device[] {
  return ctx.plan.externals.map((e): Device => {
    const a: IfAddr = { ip: e.ip, len: 24 };
    return {
      id: e.name, kind: 'external', hostname: e.name, toolset: 'linux',
      interfaces: [LOOPBACK, { name: 'eth0', kind: 'ether', addrs: [a], mtu: MTU, mac: macFor(e.name, 'eth0'), segment: 'wan' }],
      routes: [{ dst: DEFAULT_DST, type: 'unicast', dev: 'eth0', scope: 'link' }, connected(a, 'eth0')],
      sysctls: ctx.hostSysctls, netfilter: ctx.plainNetfilter, listeners: e.listen,
    };
  });
}
