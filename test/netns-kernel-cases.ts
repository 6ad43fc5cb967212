// The kernel recordings: each case applies Linux commands to a fresh default lab and runs one probe.
// test/netns-record-fixtures.test.ts records them into test/fixtures/kernel/<name>.json.

export interface KernelStep {
  readonly at: string;
  readonly run: string;
}

export interface KernelCase {
  readonly name: string;
  readonly title: string;
  /** Commands applied before the probe (the fault), in order. */
  readonly apply: readonly KernelStep[];
  readonly probe: KernelStep;
}

const NETSHOOT = 'node-2/netshoot';
const BUSYBOX = 'node-2/traceroute';
const TO_HTTPD = 'traceroute -n -q 1 -m 5 -w 1 10.244.1.3';

const reject = (withWhat: string | undefined): KernelCase => ({
  name: `fault-forward-reject-${withWhat ?? 'default'}`,
  title: `node-1 FORWARD REJECT${withWhat ? ` --reject-with ${withWhat}` : ''} to its pod subnet`,
  apply: [{ at: 'node-1', run: `iptables -I FORWARD -d 10.244.1.0/24 -j REJECT${withWhat ? ` --reject-with ${withWhat}` : ''}` }],
  probe: { at: NETSHOOT, run: TO_HTTPD },
});

export const KERNEL_CASES: readonly KernelCase[] = [
  // FACTS §1 seeds, Linux and busybox.
  { name: 'seed-linux-controlplane-to-node-1', title: 'controlplane traceroute -n to node-1 on the host-only network', apply: [], probe: { at: 'controlplane', run: 'traceroute -n 192.168.56.11' } },
  { name: 'seed-busybox-controlplane-to-node-1', title: 'busybox traceroute from controlplane to node-1', apply: [], probe: { at: 'controlplane', run: 'busybox traceroute 192.168.56.11' } },
  { name: 'seed-busybox-same-node', title: 'busybox traceroute in a pod on node-1 to httpd on node-1', apply: [], probe: { at: 'node-1/nginx', run: 'busybox traceroute 10.244.1.3' } },
  { name: 'seed-linux-same-node', title: 'Linux traceroute in a pod on node-1 to httpd on node-1', apply: [], probe: { at: 'node-1/nginx', run: 'traceroute -n 10.244.1.3' } },
  { name: 'seed-busybox-cross-node', title: 'busybox pod on node-2 to httpd on node-1', apply: [], probe: { at: BUSYBOX, run: 'traceroute 10.244.1.3' } },
  { name: 'seed-linux-cross-node', title: 'Linux traceroute in a pod on node-2 to httpd on node-1', apply: [], probe: { at: NETSHOOT, run: 'traceroute -n 10.244.1.3' } },
  { name: 'seed-linux-cross-node-names', title: 'Linux traceroute without -n: reverse lookups fail, addresses printed', apply: [], probe: { at: NETSHOOT, run: 'traceroute 10.244.1.3' } },
  // Services, the host, the outside.
  // `-w 5` turns off traceroute's adaptive wait (HERE=3): through DNAT the 2nd and 3rd answers of a hop often come
  // later than 3x the first one's RTT, and the default prints ` 1  10.96.0.20  0.063 ms * *` in about half the runs.
  { name: 'pod-to-clusterip-tcp80', title: 'pod on node-2 to the httpd ClusterIP with TCP SYN to port 80', apply: [], probe: { at: NETSHOOT, run: 'traceroute -n -T -p 80 -w 5 10.96.0.20' } },
  { name: 'pod-to-clusterip-udp', title: 'pod on node-2 to the httpd ClusterIP with default UDP probes (no service port)', apply: [], probe: { at: NETSHOOT, run: 'traceroute -n -q 1 -m 4 -w 1 10.96.0.20' } },
  { name: 'pod-to-host', title: 'pod on node-2 to the VirtualBox host 192.168.56.1', apply: [], probe: { at: NETSHOOT, run: 'traceroute -n 192.168.56.1' } },
  { name: 'pod-to-external', title: 'pod on node-2 to api.example.com 203.0.113.10 through the NAT engine', apply: [], probe: { at: NETSHOOT, run: 'traceroute -n 203.0.113.10' } },
  { name: 'pod-to-external-tcp443', title: 'pod on node-2 to api.example.com port 443 with TCP SYN', apply: [], probe: { at: NETSHOOT, run: 'traceroute -n -T -p 443 -w 5 203.0.113.10' } },
  { name: 'busybox-to-external', title: 'busybox pod on node-2 to api.example.com by name', apply: [], probe: { at: BUSYBOX, run: 'traceroute api.example.com' } },
  // FACTS §5 fault classes.
  { name: 'fault-ip-forward-off', title: 'net.ipv4.ip_forward=0 on node-1', apply: [{ at: 'node-1', run: 'sysctl -w net.ipv4.ip_forward=0' }], probe: { at: NETSHOOT, run: TO_HTTPD } },
  { name: 'fault-ip-forward-off-weak-host', title: 'ip_forward=0 on node-1; its cni0 address is still reached (weak host model)', apply: [{ at: 'node-1', run: 'sysctl -w net.ipv4.ip_forward=0' }], probe: { at: NETSHOOT, run: 'traceroute -n -q 1 -m 5 -w 1 10.244.1.1' } },
  { name: 'fault-ip-forward-off-busybox', title: 'ip_forward=0 on node-1, busybox probe', apply: [{ at: 'node-1', run: 'sysctl -w net.ipv4.ip_forward=0' }], probe: { at: BUSYBOX, run: 'traceroute -n -q 1 -m 5 -w 1 10.244.1.3' } },
  { name: 'fault-route-del-node-2', title: 'ip route del 10.244.1.0/24 on node-2: traffic follows the default route to the NAT engine', apply: [{ at: 'node-2', run: 'ip route del 10.244.1.0/24' }], probe: { at: NETSHOOT, run: TO_HTTPD } },
  { name: 'fault-route-del-node-2-no-default', title: 'route to node-1 and the default route deleted on node-2: no route', apply: [{ at: 'node-2', run: 'ip route del 10.244.1.0/24' }, { at: 'node-2', run: 'ip route del default' }], probe: { at: NETSHOOT, run: TO_HTTPD } },
  { name: 'fault-forward-drop', title: 'node-1 FORWARD DROP to its pod subnet', apply: [{ at: 'node-1', run: 'iptables -I FORWARD -d 10.244.1.0/24 -j DROP' }], probe: { at: NETSHOOT, run: TO_HTTPD } },
  reject(undefined),
  reject('icmp-net-unreachable'),
  reject('icmp-host-unreachable'),
  reject('icmp-proto-unreachable'),
  reject('icmp-net-prohibited'),
  reject('icmp-host-prohibited'),
  reject('icmp-admin-prohibited'),
  { name: 'fault-forward-reject-busybox', title: 'node-1 FORWARD REJECT icmp-host-prohibited, busybox probe', apply: [{ at: 'node-1', run: 'iptables -I FORWARD -d 10.244.1.0/24 -j REJECT --reject-with icmp-host-prohibited' }], probe: { at: BUSYBOX, run: 'traceroute -n -q 1 -m 5 -w 1 10.244.1.3' } },
  { name: 'fault-mtu-1400-df-from-node-1', title: 'node-1 eth1 mtu 1400; DF 1500-byte probes from a node-1 pod leave through it', apply: [{ at: 'node-1', run: 'ip link set eth1 mtu 1400' }], probe: { at: 'node-1/nginx', run: 'traceroute -n -F -q 1 -m 5 -w 1 10.244.2.3 1500' } },
  { name: 'fault-mtu-1400-df-to-node-1', title: 'node-1 eth1 mtu 1400; DF 1500-byte probes from node-2 arrive on it', apply: [{ at: 'node-1', run: 'ip link set eth1 mtu 1400' }], probe: { at: NETSHOOT, run: 'traceroute -n -F -q 1 -m 5 -w 1 10.244.1.3 1500' } },
  { name: 'fault-mtu-1400-small-probes', title: 'node-1 eth1 mtu 1400; default 60-byte probes still pass', apply: [{ at: 'node-1', run: 'ip link set eth1 mtu 1400' }], probe: { at: NETSHOOT, run: TO_HTTPD } },
  { name: 'fault-rp-filter-strict-asymmetric', title: 'rp_filter=1 on node-1 and its route back to node-2 pods deleted: silent drop', apply: [{ at: 'node-1', run: 'ip route del 10.244.2.0/24' }, { at: 'node-1', run: 'sysctl -w net.ipv4.conf.all.rp_filter=1' }], probe: { at: NETSHOOT, run: TO_HTTPD } },
  { name: 'fault-rp-filter-loose-asymmetric', title: 'rp_filter=2 on node-1 and its route back to node-2 pods deleted', apply: [{ at: 'node-1', run: 'ip route del 10.244.2.0/24' }, { at: 'node-1', run: 'sysctl -w net.ipv4.conf.all.rp_filter=2' }], probe: { at: NETSHOOT, run: TO_HTTPD } },
  { name: 'fault-rp-filter-strict-symmetric', title: 'rp_filter=1 on node-1 with symmetric routes: no effect', apply: [{ at: 'node-1', run: 'sysctl -w net.ipv4.conf.all.rp_filter=1' }], probe: { at: NETSHOOT, run: TO_HTTPD } },
  { name: 'fault-cni0-down', title: 'ip link set cni0 down on node-1', apply: [{ at: 'node-1', run: 'ip link set cni0 down' }], probe: { at: NETSHOOT, run: TO_HTTPD } },
  { name: 'fault-cni0-down-same-node', title: 'ip link set cni0 down on node-1, probe from a node-1 pod', apply: [{ at: 'node-1', run: 'ip link set cni0 down' }], probe: { at: 'node-1/nginx', run: 'traceroute -n -q 1 -m 3 -w 1 10.244.1.3' } },
  { name: 'fault-cni0-down-busybox', title: 'ip link set cni0 down on node-1, busybox probe from node-2', apply: [{ at: 'node-1', run: 'ip link set cni0 down' }], probe: { at: BUSYBOX, run: 'traceroute -n -q 1 -m 5 -w 1 10.244.1.3' } },
  // Other tools and error paths.
  { name: 'tools-traceroute-icmp', title: 'traceroute -I (ICMP echo) pod to pod across nodes', apply: [], probe: { at: NETSHOOT, run: 'traceroute -n -I 10.244.1.3' } },
  { name: 'tools-traceroute-udp-dns-service', title: 'traceroute -U -p 53 to the kube-dns ClusterIP: DNAT to a UDP listener that never answers', apply: [], probe: { at: NETSHOOT, run: 'traceroute -n -U -p 53 -q 1 -m 4 -w 1 10.96.0.10' } },
  // tcptraceroute prints its source port, an ephemeral port the kernel picks at random: `-p` fixes it.
  { name: 'tools-tcptraceroute-clusterip', title: 'tcptraceroute to the httpd ClusterIP port 80', apply: [], probe: { at: NETSHOOT, run: 'tcptraceroute -n -p 40000 10.96.0.20 80' } },
  { name: 'tools-tcptraceroute-closed', title: 'tcptraceroute to httpd on a closed port (RST)', apply: [], probe: { at: NETSHOOT, run: 'tcptraceroute -n -p 40001 10.244.1.3 8080' } },
  { name: 'tools-tracepath-cross-node', title: 'tracepath -n pod to pod across nodes', apply: [], probe: { at: NETSHOOT, run: 'tracepath -n 10.244.1.3' } },
  { name: 'tools-tracepath-mtu-1400', title: 'tracepath from a node-1 pod after eth1 mtu 1400 on node-1', apply: [{ at: 'node-1', run: 'ip link set eth1 mtu 1400' }], probe: { at: 'node-1/nginx', run: 'tracepath -n 10.244.2.3' } },
  { name: 'tools-ping-linux', title: 'iputils ping pod to pod across nodes', apply: [], probe: { at: NETSHOOT, run: 'ping -n -c 2 -i 0.2 10.244.1.3' } },
  { name: 'tools-ping-busybox', title: 'busybox ping pod to pod across nodes', apply: [], probe: { at: BUSYBOX, run: 'ping -c 2 10.244.1.3' } },
  { name: 'tools-mtr-report', title: 'mtr --report pod to pod across nodes', apply: [], probe: { at: NETSHOOT, run: 'mtr -n --report -c 2 10.244.1.3' } },
  { name: 'error-no-route-at-source', title: 'pod without a default route: traceroute (UDP) to an outside address', apply: [{ at: NETSHOOT, run: 'ip route del default' }], probe: { at: NETSHOOT, run: 'traceroute -n 203.0.113.10' } },
  { name: 'error-no-route-at-source-icmp', title: 'pod without a default route: traceroute -I', apply: [{ at: NETSHOOT, run: 'ip route del default' }], probe: { at: NETSHOOT, run: 'traceroute -n -I 203.0.113.10' } },
  { name: 'error-no-route-at-source-busybox', title: 'busybox pod without a default route', apply: [{ at: BUSYBOX, run: 'ip route del default' }], probe: { at: BUSYBOX, run: 'traceroute -n 203.0.113.10' } },
  // Found by `tracelab verify scenarios/` (regressions for the simulator).
  { name: 'verify-ping-pod-to-node-masquerade', title: 'ping from a pod to another node\'s host-only address (Flannel masquerades it)', apply: [], probe: { at: NETSHOOT, run: 'ping -n -c 1 -W 2 192.168.56.11' } },
  { name: 'verify-traceroute-icmp-pod-to-node', title: 'traceroute -I from a pod to another node\'s host-only address (masqueraded)', apply: [], probe: { at: NETSHOOT, run: 'traceroute -n -I -q 1 -w 1 -m 4 192.168.56.11' } },
  { name: 'verify-cni0-down-route-get', title: 'cni0 down on node-1: its own pod subnet now follows the default route', apply: [{ at: 'node-1', run: 'ip link set cni0 down' }], probe: { at: 'node-1', run: 'ip route get 10.244.1.3' } },
  { name: 'verify-cni0-down-busybox-names', title: 'cni0 down on node-1, busybox traceroute with names from node-2', apply: [{ at: 'node-1', run: 'ip link set cni0 down' }], probe: { at: BUSYBOX, run: 'traceroute -q 1 -w 1 -m 5 10.244.1.3' } },
  { name: 'verify-route-flush-cache', title: 'ip route flush cache in a pod, then a traceroute', apply: [{ at: NETSHOOT, run: 'ip route flush cache' }], probe: { at: NETSHOOT, run: 'traceroute -n -q 1 10.244.1.3' } },
  { name: 'error-unknown-host', title: 'traceroute to a name the lab cannot resolve', apply: [], probe: { at: NETSHOOT, run: 'traceroute nosuch.example.com' } },
];
