// What the cluster's components print at startup, for kubectl logs: flanneld (its interface choice, subnet lease and
// host-gw routes for this lab), CoreDNS 1.11.3, kube-proxy 1.31; the lab's own pods log nothing the model knows.
import { createHash } from 'node:crypto';
import { formatCidr, formatIp } from '../../../topology/address.js';
import type { KubePod } from '../../../topology/kube-objects.js';
import type { LabModel } from '../../../topology/model.js';
import { LAB_EPOCH_MS } from './api-meta.js';

/** klog's header: Lmmdd hh:mm:ss.uuuuuu, the thread id right-aligned in 7, file:line] (k8s.io/klog/v2). */
export function klog(level: 'I' | 'W' | 'E', simMs: number, where: string, message: string, pid = 1): string {
  const d = new Date(LAB_EPOCH_MS + simMs);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${level}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}.${p(d.getUTCMilliseconds() * 1000, 6)}${String(pid).padStart(8)} ${where}] ${message}`;
}

/** flanneld's startup with the kube subnet manager and host-gw (main.go, pkg/ipmatch/match.go, route_network.go). */
function flannelLines(model: LabModel, pod: KubePod): string[] {
  const node = model.device(pod.node);
  const f = node?.flannel;
  if (!node || !f) return [];
  const t = pod.createdMs + 3000;
  const iface = model.cluster.flannelIface;
  const others = model.cluster.joinOrder.filter((n) => n !== node.id).map((n) => model.device(n)?.flannel).filter((o) => o !== undefined);
  return [
    klog('I', t, 'main.go:211', `CLI flags config: {etcdEndpoints:http://127.0.0.1:4001,http://127.0.0.1:2379 etcdPrefix:/coreos.com/network etcdKeyfile: etcdCertfile: etcdCAFile: etcdUsername: etcdPassword: version:false kubeSubnetMgr:true kubeApiUrl: kubeAnnotationPrefix:flannel.alpha.coreos.com kubeConfigFile: iface:[${iface ?? ''}] ifaceRegex:[] ipMasq:true ifaceCanReach: subnetFile:/run/flannel/subnet.env publicIP: publicIPv6: subnetLeaseRenewMargin:60 healthzIP:0.0.0.0 healthzPort:0 iptablesResyncSeconds:5 iptablesForwardRules:true netConfPath:/etc/kube-flannel/net-conf.json setNodeNetworkUnavailable:true}`),
    klog('W', t, 'client_config.go:618', 'Neither --kubeconfig nor --master was specified.  Using the inClusterConfig.  This might not work.'),
    klog('I', t, 'kube.go:139', 'Waiting 10m0s for node controller to sync'),
    klog('I', t, 'kube.go:469', 'Starting kube subnet manager'),
    klog('I', t + 1000, 'kube.go:146', 'Node controller sync successful'),
    klog('I', t + 1000, 'main.go:231', `Created subnet manager: Kubernetes Subnet Manager - ${node.id}`),
    klog('I', t + 1000, 'main.go:234', 'Installing signal handlers'),
    klog('I', t + 1000, 'main.go:452', 'Found network config - Backend type: host-gw'),
    ...(iface === undefined ? [klog('I', t + 1000, 'match.go:210', 'Determining IP address of default interface')] : []),
    klog('I', t + 1000, 'match.go:263', `Using interface with name ${f.iface} and address ${formatIp(f.publicIp)}`),
    klog('I', t + 1000, 'match.go:285', `Defaulting external address to interface address (${formatIp(f.publicIp)})`),
    klog('I', t + 1000, 'kube.go:490', `Creating the node lease for IPv4. This is the n.Spec.PodCIDRs: [${formatCidr(f.subnet)}]`),
    klog('I', t + 1000, 'main.go:355', 'Setting up masking rules'),
    klog('I', t + 1000, 'main.go:406', 'Changing default FORWARD chain policy to ACCEPT'),
    klog('I', t + 1000, 'main.go:419', 'Wrote subnet file to /run/flannel/subnet.env'),
    klog('I', t + 1000, 'main.go:423', 'Running backend.'),
    klog('I', t + 1000, 'route_network.go:56', 'Watching for new subnet leases'),
    ...others.map((o) => klog('I', t + 1000, 'route_network.go:93', `Subnet added: ${formatCidr(o.subnet)} via ${formatIp(o.publicIp)}`)),
    klog('I', t + 1000, 'main.go:444', 'Waiting for all goroutines to exit'),
  ];
}

/** kubeadm's CoreDNS ConfigMap (cmd/kubeadm/app/phases/addons/dns/manifests.go, CoreDNSConfigMap) for cluster.local. */
const COREFILE = `.:53 {
    errors
    health {
       lameduck 5s
    }
    ready
    kubernetes cluster.local in-addr.arpa ip6.arpa {
       pods insecure
       fallthrough in-addr.arpa ip6.arpa
       ttl 30
    }
    prometheus :9153
    forward . /etc/resolv.conf {
       max_concurrent 1000
    }
    cache 30
    loop
    reload
    loadbalance
}
`;

/** CoreDNS 1.11.3's banner after loading the Corefile (the reload plugin logs the SHA512 of its text). */
function corednsLines(): string[] {
  return [
    '.:53',
    `[INFO] plugin/reload: Running configuration SHA512 = ${createHash('sha512').update(COREFILE).digest('hex')}`,
    'CoreDNS-1.11.3',
    'linux/amd64, go1.21.11, a6338e9',
  ];
}

/** kube-proxy 1.31 in iptables mode (cmd/kube-proxy/app/server*.go, pkg/proxy/config). */
function kubeProxyLines(pod: KubePod): string[] {
  const t = pod.createdMs + 2000;
  return [
    klog('I', t, 'server_linux.go:66', '"Using iptables proxy"'),
    klog('I', t, 'server.go:677', `"Successfully retrieved node IP(s)" IPs=["${pod.hostIp}"]`),
    klog('I', t, 'server.go:243', '"kube-proxy running in single-stack mode" ipFamily="IPv4"'),
    klog('I', t, 'server_linux.go:169', '"Using iptables Proxier"'),
    klog('I', t, 'server.go:483', '"Version info" version="v1.31.0"'),
    klog('I', t, 'server.go:485', '"Golang settings" GOGC="" GOMAXPROCS="" GOTRACEBACK=""'),
    klog('I', t, 'config.go:197', '"Starting service config controller"'),
    klog('I', t, 'shared_informer.go:313', 'Waiting for caches to sync for service config'),
    klog('I', t, 'config.go:104', '"Starting endpoint slice config controller"'),
    klog('I', t, 'shared_informer.go:313', 'Waiting for caches to sync for endpoint slice config'),
    klog('I', t, 'config.go:326', '"Starting node config controller"'),
    klog('I', t, 'shared_informer.go:313', 'Waiting for caches to sync for node config'),
    klog('I', t + 100, 'shared_informer.go:320', 'Caches are synced for node config'),
    klog('I', t + 100, 'shared_informer.go:320', 'Caches are synced for service config'),
    klog('I', t + 100, 'shared_informer.go:320', 'Caches are synced for endpoint slice config'),
  ];
}

/** The log lines of POD's container, oldest first. */
export function componentLog(model: LabModel, pod: KubePod): string[] {
  if (pod.owner?.name === 'kube-flannel-ds') return flannelLines(model, pod);
  if (pod.owner?.name === 'kube-proxy') return kubeProxyLines(pod);
  if (pod.container === 'coredns') return corednsLines();
  return [];
}
