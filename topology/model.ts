// The compiled, readonly lab model: devices, interfaces, L2 segments, routes, netfilter rules and services.
// Every backend (sim, netns, vagrant, kubectl) consumes this; none of them parses YAML.
import type { UndirectedGraph } from 'graphology';
import type { Cidr, IfAddr } from './address.js';
import type { Toolset } from './toolset.js';
import type { NetworkPolicy } from './network-policy.js';

export type DeviceKind = 'node' | 'pod' | 'host' | 'nat' | 'external';

/** An L2 broadcast domain: the host-only network, a node's cni0 bridge, a node's NAT link, the WAN. */
export interface Segment {
  readonly id: string;
  readonly kind: 'host-only' | 'bridge' | 'nat' | 'wan';
  /** Link kind for the RTT model: veth (pod <-> cni0), host-only (VirtualBox intnet), nat (slirp), wan. */
  readonly linkKind: LinkKind;
}

export type LinkKind = 'veth' | 'host-only' | 'nat' | 'wan';

export interface Interface {
  readonly name: string;
  readonly kind: 'loopback' | 'ether' | 'bridge' | 'veth';
  readonly addrs: readonly IfAddr[];
  readonly mtu: number;
  readonly mac: string;
  /** The L2 segment this interface's addresses live on (pod eth0 sits on its node's cni0 segment). */
  readonly segment?: string;
  /** A bridge port: the bridge interface (on the same device) it is enslaved to. */
  readonly master?: string;
  /** A bridge port in hairpin mode (`bridge link ... hairpin on`): frames may leave by the port they came in by. */
  readonly hairpin?: boolean;
  /** A veth end: the device and interface at the other end. */
  readonly peer?: { readonly device: string; readonly iface: string };
}

/** `throw` ends the lookup in the table (fib_props error -EAGAIN): with no other table it is "no route" (ENETUNREACH). */
export type RouteType = 'unicast' | 'blackhole' | 'unreachable' | 'prohibit' | 'throw';

/** One main-table route with iproute2 semantics. */
export interface Route {
  readonly dst: Cidr;
  readonly type: RouteType;
  readonly via?: number;
  readonly dev?: string;
  /** Printed by `ip route` when not "boot": kernel (connected routes), static, dhcp. */
  readonly proto?: 'kernel' | 'static' | 'dhcp';
  readonly scope?: 'link' | 'host';
  readonly src?: number;
  readonly metric?: number;
  readonly onlink?: boolean;
}

/** A set of routes many devices hold in common (Flannel's host-gw routes), stored once. */
export interface RouteSet {
  readonly id: string;
  readonly routes: readonly Route[];
}

/** What answers on a listening port: an HTTP server with a fixed response, CoreDNS (the kubernetes plugin), or a bare socket. */
export type AppKind = 'http' | 'dns' | 'bare';

/** The one response an `http` app sends to every request (headers in order, as the image's server sends them). */
export interface HttpResponse {
  readonly status: number;
  readonly reason: string;
  readonly headers: readonly (readonly [string, string])[];
  readonly body: string;
}

export interface Listener {
  readonly protocol: 'tcp' | 'udp';
  readonly port: number;
  /** The app behind the socket; undefined is a bare listener (accepts, sends nothing). */
  readonly app?: AppKind;
  /** `http` apps: the response. */
  readonly http?: HttpResponse;
  /** The container port's name, for a Service's named targetPort. */
  readonly name?: string;
}

/** The resolver library a place's programs link: glibc (Debian/Ubuntu nodes and images), musl (Alpine), busybox's own. */
export type ResolverKind = 'glibc' | 'musl' | 'busybox';

export interface FlannelState {
  /** Interface Flannel bound to (`--iface`), or the default-route interface when none was given. */
  readonly iface: string;
  readonly publicIp: number;
  readonly subnet: Cidr;
  readonly mtu: number;
}

export interface Device {
  readonly id: string;
  readonly kind: DeviceKind;
  readonly hostname: string;
  /** Pods and NAT engines: the node they belong to. */
  readonly node?: string;
  /** Pods: container image reference. */
  readonly image?: string;
  /** Pods: Kubernetes namespace (`default` unless the lab says otherwise). */
  readonly namespace?: string;
  /** Pods: labels (Services select their endpoints by them). */
  readonly labels?: Readonly<Record<string, string>>;
  /** Files a person reads here, by absolute path (/etc/resolv.conf and /etc/hosts as kubelet or the OS writes them). */
  readonly files?: Readonly<Record<string, string>>;
  /** The resolver library the place's programs use (from the image; nodes: glibc). */
  readonly resolver?: ResolverKind;
  /** The tools commands find here, from the image (toolset.ts): every backend and the training shell go by it. */
  readonly toolset: Toolset;
  readonly role?: 'control-plane' | 'worker';
  readonly interfaces: readonly Interface[];
  /** The device's own main-table routes; they shadow shared routes with the same prefix. */
  readonly routes: readonly Route[];
  /** Id of a RouteSet in LabModel.routeSets this device also holds. */
  readonly sharedRoutes?: string;
  readonly sysctls: Readonly<Record<string, string>>;
  /** Netfilter rules in iptables-save format ("*nat", ":CHAIN ACCEPT [0:0]", "-A ...", "COMMIT"). */
  readonly netfilter: readonly string[];
  /** ipsets in `ipset save` form ("create ...", "add ..."), when software on the device keeps any (kube-router). */
  readonly ipsets?: readonly string[];
  readonly listeners: readonly Listener[];
  /** Nodes: pod subnet, kubelet InternalIP and Flannel's view. */
  readonly podSubnet?: Cidr;
  readonly internalIp?: number;
  readonly flannel?: FlannelState;
}

export interface ServicePort {
  readonly name?: string;
  readonly protocol: 'tcp' | 'udp';
  readonly port: number;
  /** The endpoints' port; with `targetPortName`, the number is resolved per endpoint from its named listener. */
  readonly targetPort: number;
  /** A named targetPort (a container port name). */
  readonly targetPortName?: string;
  /** NodePort services: the port every node listens on. */
  readonly nodePort?: number;
}

export interface Service {
  readonly name: string;
  readonly namespace: string;
  readonly ip: number;
  readonly ports: readonly ServicePort[];
  /** Pod device ids backing the service, in order (from `selector`, or listed in the lab file). */
  readonly endpoints: readonly string[];
  readonly type?: 'ClusterIP' | 'NodePort';
  /** Label selector; a selector that matches no pod leaves the Service without endpoints. */
  readonly selector?: Readonly<Record<string, string>>;
}

export interface ClusterInfo {
  readonly network: Cidr;
  readonly serviceNetwork: Cidr;
  readonly flannelBackend: 'host-gw';
  /** `--iface` given to Flannel; undefined reproduces the classic broken lab. */
  readonly flannelIface?: string;
  /** Whether kubelet was given `--node-ip` (the host-only address). */
  readonly kubeletNodeIp: boolean;
  /** Nodes where flanneld is not running: deleted host-gw routes stay deleted there. */
  readonly flannelStopped: readonly string[];
  /** Node names in kubeadm join order. */
  readonly joinOrder: readonly string[];
  /** `net.ipv4.icmp_ratelimit` in every device: 0 (clean captures) or the kernel default 1000. */
  readonly icmpRatelimit: number;
  /** The cluster DNS domain (kubelet --cluster-domain): cluster.local. */
  readonly domain?: string;
  /** kube-system/kube-dns's ClusterIP (kubelet --cluster-dns), when the lab has that Service. */
  readonly dnsIp?: number;
  /** The NetworkPolicy engine: none (Flannel alone, policies not enforced) or kube-router's firewall. */
  readonly networkPolicy?: 'none' | 'kube-router';
}

export interface HostOnlyInfo {
  readonly network: Cidr;
  readonly hostIp: number;
  /** Interface name inside the VMs (eth1 on bento boxes, enp0s8 on others). */
  readonly iface: string;
}

export interface NatInfo {
  readonly network: Cidr;
  readonly guestIp: number;
  readonly gatewayIp: number;
  readonly dnsIp: number;
  readonly iface: string;
}

export interface VmInfo {
  readonly box: string;
  readonly cpus: number;
  readonly memoryMiB: number;
  readonly kubernetesVersion: string;
}

export interface LabModel {
  readonly name: string;
  /** The file the lab was compiled from. */
  readonly source: string;
  readonly description: string;
  readonly cluster: ClusterInfo;
  readonly hostOnly: HostOnlyInfo;
  readonly nat: NatInfo;
  readonly vm: VmInfo;
  /** Every device in a stable order: each node (file order) followed by its pods, the host, NAT engines, externals. */
  readonly devices: readonly Device[];
  readonly segments: readonly Segment[];
  readonly routeSets: readonly RouteSet[];
  readonly services: readonly Service[];
  /** NetworkPolicy objects (stored whatever the engine; enforced only by one). */
  readonly networkPolicies?: readonly NetworkPolicy[];
  /** Namespace labels the lab adds to kubernetes.io/metadata.name. */
  readonly namespaceLabels?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** Name resolution every device shares (/etc/hosts in the namespace lab): the external hosts. */
  readonly hosts: readonly { readonly ip: number; readonly name: string }[];
  /** Device by id. */
  device(id: string): Device | undefined;
  /** The links as a graph: device and segment vertices, one edge per interface attachment (built on first use). */
  graph(): UndirectedGraph;
}
