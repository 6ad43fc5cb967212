// A small hand-written LabModel for the namespace-lab tests: two nodes with one pod each and the host.
import type { Device, Interface, LabModel, Route } from '../../topology/model.js';
import { cidr, ip, parseIfAddr } from '../../topology/address.js';
import { toolsetOf } from '../../topology/toolset.js';

const addr = (text: string) => parseIfAddr(text)!;

function iface(name: string, kind: Interface['kind'], mac: string, extra: Partial<Interface> = {}): Interface {
  return { name, kind, addrs: [], mtu: kind === 'loopback' ? 65536 : 1500, mac, ...extra };
}

const lo = (): Interface => iface('lo', 'loopback', '00:00:00:00:00:00', { addrs: [addr('127.0.0.1/8')] });

const connected = (dst: string, dev: string, src: string): Route => ({ dst: cidr(dst), type: 'unicast', dev, proto: 'kernel', scope: 'link', src: ip(src) });

function node(n: number, podVeth: string, pod: string): Device {
  return {
    id: `node-${n}`,
    kind: 'node',
    hostname: `node-${n}`,
    role: 'worker',
    toolset: 'linux',
    interfaces: [
      lo(),
      iface('eth1', 'ether', `08:00:27:00:01:1${n}`, { addrs: [addr(`192.168.56.1${n}/24`)], segment: 'host-only' }),
      iface('cni0', 'bridge', `0a:58:0a:f4:0${n}:01`, { addrs: [addr(`10.244.${n}.1/24`)], segment: `node-${n}:cni0` }),
      iface(podVeth, 'veth', `0a:58:0a:f4:0${n}:ff`, { master: 'cni0', peer: { device: pod, iface: 'eth0' } }),
    ],
    routes: [connected('192.168.56.0/24', 'eth1', `192.168.56.1${n}`), connected(`10.244.${n}.0/24`, 'cni0', `10.244.${n}.1`)],
    sharedRoutes: 'host-gw',
    sysctls: { 'net.ipv4.ip_forward': '1', 'net.ipv4.conf.all.rp_filter': '0', 'net.ipv4.icmp_ratelimit': '0' },
    netfilter: [],
    listeners: [],
    podSubnet: cidr(`10.244.${n}.0/24`),
    internalIp: ip(`192.168.56.1${n}`),
  };
}

function pod(id: string, n: number, host: number, image: string, nodeVeth: string, listeners: Device['listeners']): Device {
  return {
    id,
    kind: 'pod',
    hostname: id,
    node: `node-${n}`,
    image,
    toolset: toolsetOf(image),
    interfaces: [
      lo(),
      iface('eth0', 'veth', `0a:58:0a:f4:0${n}:0${host}`, { addrs: [addr(`10.244.${n}.${host}/24`)], segment: `node-${n}:cni0`, peer: { device: `node-${n}`, iface: nodeVeth } }),
    ],
    routes: [connected(`10.244.${n}.0/24`, 'eth0', `10.244.${n}.${host}`), { dst: cidr('0.0.0.0/0'), type: 'unicast', via: ip(`10.244.${n}.1`), dev: 'eth0' }],
    sysctls: {},
    netfilter: [],
    listeners,
  };
}

/** node-1 (pod httpd 10.244.1.3, tcp/80), node-2 (busybox pod traceroute 10.244.2.2), host 192.168.56.1 on vboxnet0. */
export function smallLab(): LabModel {
  const devices: Device[] = [
    node(1, 'veth1a2b3c4d', 'httpd'),
    pod('httpd', 1, 3, 'httpd', 'veth1a2b3c4d', [{ protocol: 'tcp', port: 80 }]),
    node(2, 'veth5e6f7a8b', 'traceroute'),
    pod('traceroute', 2, 2, 'busybox', 'veth5e6f7a8b', []),
    {
      id: 'host',
      kind: 'host',
      hostname: 'host',
      toolset: 'linux',
      interfaces: [lo(), iface('vboxnet0', 'bridge', '0a:00:27:00:00:00', { addrs: [addr('192.168.56.1/24')], segment: 'host-only' })],
      routes: [connected('192.168.56.0/24', 'vboxnet0', '192.168.56.1')],
      sysctls: {},
      netfilter: [],
      listeners: [],
    },
  ];
  const byId = new Map(devices.map((d) => [d.id, d]));
  return {
    name: 'small',
    source: 'test/netns-small-lab.ts',
    description: 'two nodes, two pods, the host',
    cluster: { network: cidr('10.244.0.0/16'), serviceNetwork: cidr('10.96.0.0/12'), flannelBackend: 'host-gw', flannelIface: 'eth1', kubeletNodeIp: true, flannelStopped: [], joinOrder: ['node-1', 'node-2'], icmpRatelimit: 0 },
    hostOnly: { network: cidr('192.168.56.0/24'), hostIp: ip('192.168.56.1'), iface: 'eth1' },
    nat: { network: cidr('10.0.2.0/24'), guestIp: ip('10.0.2.15'), gatewayIp: ip('10.0.2.2'), dnsIp: ip('10.0.2.3'), iface: 'eth0' },
    vm: { box: 'bento/debian-12', cpus: 2, memoryMiB: 2048, kubernetesVersion: '1.31' },
    devices,
    segments: [
      { id: 'host-only', kind: 'host-only', linkKind: 'host-only' },
      { id: 'node-1:cni0', kind: 'bridge', linkKind: 'veth' },
      { id: 'node-2:cni0', kind: 'bridge', linkKind: 'veth' },
    ],
    routeSets: [
      {
        id: 'host-gw',
        routes: [1, 2].map((m) => ({ dst: cidr(`10.244.${m}.0/24`), type: 'unicast' as const, via: ip(`192.168.56.1${m}`), dev: 'eth1' })),
      },
    ],
    services: [],
    hosts: [{ ip: ip('203.0.113.10'), name: 'api.example.com' }],
    device: (id: string) => byId.get(id),
    graph: () => {
      throw new Error('graph() is not used by the namespace lab');
    },
  };
}

/** The same lab plus a bridgeless three-member segment (two NAT-like devices and an external host on "wan"). */
export function smallLabWithWan(): LabModel {
  const base = smallLab();
  const wanDevice = (id: string, kind: Device['kind'], ipText: string, ifName: string): Device => ({
    id,
    kind,
    hostname: id,
    toolset: 'linux',
    interfaces: [lo(), iface(ifName, 'ether', `02:00:00:00:00:${ipText.split('.')[3]!.padStart(2, '0')}`, { addrs: [addr(`${ipText}/24`)], segment: 'wan' })],
    routes: [],
    sysctls: {},
    netfilter: kind === 'nat' ? ['*filter', ':INPUT ACCEPT [0:0]', ':FORWARD DROP [0:0]', ':OUTPUT ACCEPT [0:0]', 'COMMIT'] : [],
    listeners: kind === 'external' ? [{ protocol: 'tcp', port: 443 }] : [],
  });
  const devices = [
    ...base.devices,
    wanDevice('node-1-nat', 'nat', '198.51.100.1', 'wan'),
    wanDevice('node-2-nat', 'nat', '198.51.100.2', 'wan'),
    wanDevice('api.example.com', 'external', '198.51.100.10', 'eth0'),
  ];
  const byId = new Map(devices.map((d) => [d.id, d]));
  return { ...base, devices, segments: [...base.segments, { id: 'wan', kind: 'wan', linkKind: 'wan' }], device: (id: string) => byId.get(id), graph: base.graph };
}
