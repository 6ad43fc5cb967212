// Who answers node-2's ARP on the host-only network, case by case, as net/ipv4/arp.c decides (arp_process, arp_ignore,
// arp_filter, arp_fwd_proxy, arp_fwd_pvlan, arp_solicit's arp_announce; include/linux/inetdevice.h for how `all` and
// the interface combine). `answered` is the kernel's answer: test/arp-kernel.test.ts measures every case on the
// namespace lab's kernel, test/arp.test.ts holds the simulator to it.

export interface ArpCase {
  readonly name: string;
  /** Commands (place, command) that set the case up on a fresh three-node lab. */
  readonly setup: readonly (readonly [string, string])[];
  /** node-2 pings this address... */
  readonly target: string;
  /** ...which makes it resolve this neighbour on eth1. */
  readonly nexthop: string;
  /** Whether node-1 answers (node-2's entry gets node-1's eth1 MAC) or nobody does (FAILED). */
  readonly answered: boolean;
}

/** node-1's eth1 MAC in topology/labs/three-node.yaml's compiled model (the namespace lab sets the same). */
export const NODE1_ETH1_MAC = '02:f4:b9:9d:9f:52';

const n1 = (command: string): readonly [string, string] => ['node-1', command];
const n2 = (command: string): readonly [string, string] => ['node-2', command];
const VIP_LO = n1('ip addr add 192.168.56.50/32 dev lo');
const ROUTE_SRC = n2('ip route replace 10.244.1.0/24 via 192.168.56.11 dev eth1 src 10.244.2.1');
const NO_GATEWAY = n2('ip route replace 10.244.1.0/24 dev eth1');

export const ARP_CASES: readonly ArpCase[] = [
  { name: 'defaults: the owner answers', setup: [], target: '192.168.56.11', nexthop: '192.168.56.11', answered: true },
  { name: 'arp_ignore=8 (all): never', setup: [n1('sysctl -w net.ipv4.conf.all.arp_ignore=8')], target: '192.168.56.11', nexthop: '192.168.56.11', answered: false },
  { name: 'arp_ignore=1: an address of the interface', setup: [n1('sysctl -w net.ipv4.conf.eth1.arp_ignore=1')], target: '192.168.56.11', nexthop: '192.168.56.11', answered: true },
  { name: 'arp_ignore=0: an address on lo (weak host)', setup: [VIP_LO], target: '192.168.56.50', nexthop: '192.168.56.50', answered: true },
  { name: 'arp_ignore=1: not an address on lo', setup: [VIP_LO, n1('sysctl -w net.ipv4.conf.eth1.arp_ignore=1')], target: '192.168.56.50', nexthop: '192.168.56.50', answered: false },
  { name: 'arp_ignore is max(all, eth1)', setup: [VIP_LO, n1('sysctl -w net.ipv4.conf.all.arp_ignore=1'), n1('sysctl -w net.ipv4.conf.eth1.arp_ignore=0')], target: '192.168.56.50', nexthop: '192.168.56.50', answered: false },
  { name: 'arp_ignore=3: a global address on lo is answered', setup: [VIP_LO, n1('sysctl -w net.ipv4.conf.eth1.arp_ignore=3')], target: '192.168.56.50', nexthop: '192.168.56.50', answered: true },
  { name: 'arp_ignore=2: a /32 on eth1 inside the asker\'s subnet', setup: [n1('ip addr add 192.168.56.50/32 dev eth1'), n1('sysctl -w net.ipv4.conf.eth1.arp_ignore=2')], target: '192.168.56.50', nexthop: '192.168.56.50', answered: true },
  { name: 'arp_ignore=0: another interface\'s address (cni0)', setup: [n2('ip route add 10.244.1.1/32 dev eth1')], target: '10.244.1.1', nexthop: '10.244.1.1', answered: true },
  { name: 'arp_ignore=1: not another interface\'s address', setup: [n2('ip route add 10.244.1.1/32 dev eth1'), n1('sysctl -w net.ipv4.conf.eth1.arp_ignore=1')], target: '10.244.1.1', nexthop: '10.244.1.1', answered: false },
  { name: 'arp_announce=0 sends the route\'s src; arp_ignore=2 refuses it', setup: [ROUTE_SRC, n1('sysctl -w net.ipv4.conf.eth1.arp_ignore=2')], target: '10.244.1.3', nexthop: '192.168.56.11', answered: false },
  { name: 'arp_ignore=1 answers the route\'s src', setup: [ROUTE_SRC, n1('sysctl -w net.ipv4.conf.eth1.arp_ignore=1')], target: '10.244.1.3', nexthop: '192.168.56.11', answered: true },
  { name: 'arp_announce=1 on the asker: not a src off eth1\'s subnet', setup: [ROUTE_SRC, n1('sysctl -w net.ipv4.conf.eth1.arp_ignore=2'), n2('sysctl -w net.ipv4.conf.eth1.arp_announce=1')], target: '10.244.1.3', nexthop: '192.168.56.11', answered: true },
  { name: 'arp_announce=2 (all) on the asker: eth1\'s own address', setup: [ROUTE_SRC, n1('sysctl -w net.ipv4.conf.eth1.arp_ignore=2'), n2('sysctl -w net.ipv4.conf.all.arp_announce=2')], target: '10.244.1.3', nexthop: '192.168.56.11', answered: true },
  { name: 'arp_filter: the route back to the sender leaves by eth1', setup: [ROUTE_SRC, n1('sysctl -w net.ipv4.conf.all.arp_filter=1')], target: '10.244.1.3', nexthop: '192.168.56.11', answered: true },
  { name: 'arp_filter: no route back by eth1', setup: [ROUTE_SRC, n1('ip route del 10.244.2.0/24'), n1('sysctl -w net.ipv4.conf.eth1.arp_filter=1')], target: '10.244.1.3', nexthop: '192.168.56.11', answered: false },
  { name: 'no proxy_arp: nobody holds a pod address on eth1', setup: [NO_GATEWAY], target: '10.244.1.3', nexthop: '10.244.1.3', answered: false },
  { name: 'proxy_arp on eth1: the router answers', setup: [NO_GATEWAY, n1('sysctl -w net.ipv4.conf.eth1.proxy_arp=1')], target: '10.244.1.3', nexthop: '10.244.1.3', answered: true },
  { name: 'proxy_arp is all || eth1', setup: [NO_GATEWAY, n1('sysctl -w net.ipv4.conf.all.proxy_arp=1')], target: '10.244.1.3', nexthop: '10.244.1.3', answered: true },
  { name: 'proxy_arp needs forwarding on eth1', setup: [NO_GATEWAY, n1('sysctl -w net.ipv4.conf.eth1.proxy_arp=1'), n1('sysctl -w net.ipv4.conf.eth1.forwarding=0')], target: '10.244.1.3', nexthop: '10.244.1.3', answered: false },
  { name: 'proxy_arp: the same medium_id on both sides', setup: [NO_GATEWAY, n1('sysctl -w net.ipv4.conf.eth1.proxy_arp=1 net.ipv4.conf.eth1.medium_id=1 net.ipv4.conf.cni0.medium_id=1')], target: '10.244.1.3', nexthop: '10.244.1.3', answered: false },
  { name: 'proxy_arp: different medium_ids', setup: [NO_GATEWAY, n1('sysctl -w net.ipv4.conf.eth1.proxy_arp=1 net.ipv4.conf.eth1.medium_id=1 net.ipv4.conf.cni0.medium_id=2')], target: '10.244.1.3', nexthop: '10.244.1.3', answered: true },
  { name: 'proxy_arp does not answer for its own link', setup: [n1('sysctl -w net.ipv4.conf.eth1.proxy_arp=1')], target: '192.168.56.13', nexthop: '192.168.56.13', answered: false },
  { name: 'proxy_arp_pvlan answers for its own link', setup: [n1('sysctl -w net.ipv4.conf.eth1.proxy_arp_pvlan=1')], target: '192.168.56.13', nexthop: '192.168.56.13', answered: true },
];

/** What `ip neigh show NEXTHOP dev eth1` prints on node-2 after the ping, by the kernel's answer. */
export function expectedNeighbour(c: ArpCase): string {
  return c.answered ? `${c.nexthop} lladdr ${NODE1_ETH1_MAC} REACHABLE \n` : `${c.nexthop} FAILED \n`;
}
