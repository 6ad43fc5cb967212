// Turns a generated lab recipe into a lab file as a new user would write one: node names, host-only and cluster
// ranges from private and documentation space, /23-/26 pod subnets, eth/enp0s/ens interface names, images with and
// without tags, services with one or several endpoints, external hosts, and Flannel model faults.
import { formatIp, parseCidr } from '../../topology/address.js';
import type { LabFile, LabFileNode, LabFilePod, LabFileService } from '../../topology/labfile.js';
import type fc from 'fast-check';
import { labRecipeArb, MAX_PODS_PER_NODE, type LabRecipe } from './arbitraries.js';
import { at } from './targets.js';

const NAMINGS: readonly ((i: number) => string)[] = [
  (i) => (i === 0 ? 'controlplane' : `node-${i}`),
  (i) => (i === 0 ? 'master' : `worker-${i}`),
  (i) => (i === 0 ? 'k8s-cp' : `k8s-w${i}`),
];
/** Host-only networks (the host is .1, nodes from .10). */
const HOST_ONLY = ['192.168.56.0/24', '192.168.99.0/24', '10.10.10.0/24', '172.16.5.0/24', '192.0.2.0/24'];
const CLUSTER = ['10.244.0.0/16', '10.42.0.0/16', '172.20.0.0/16', '192.168.128.0/17'];
const SERVICE_NET = ['10.96.0.0/12', '10.43.0.0/16', '172.21.0.0/16'];
const IFACES: readonly { nat: string; hostOnly: string }[] = [
  { nat: 'eth0', hostOnly: 'eth1' },
  { nat: 'enp0s3', hostOnly: 'enp0s8' },
  { nat: 'ens3', hostOnly: 'ens4' },
];
const POD_LEN = [24, 25, 26, 23];
export const IMAGES = ['netshoot', 'busybox', 'nginx', 'httpd', 'busybox:1.36', 'nginx:1.27', 'httpd:2.4'];
const EXTRA_LISTEN = [undefined, 'udp/53', 'tcp/8080'];
const SERVICE_PORTS: readonly LabFileService['ports'][number][] = [
  { protocol: 'tcp', port: 80, targetPort: 80 },
  { protocol: 'udp', port: 53, targetPort: 53 },
  { protocol: 'tcp', port: 8080, targetPort: 80 },
];
const EXTERNALS = [
  { name: 'api.example.com', ip: '203.0.113.10', listen: ['tcp/443', 'tcp/80'] },
  { name: 'mirror.example.net', ip: '203.0.113.20', listen: ['tcp/443'] },
];

function offset(cidr: string, by: number): string {
  const c = parseCidr(cidr)!;
  return formatIp((c.addr + by) >>> 0);
}

/** The image's name without registry and tag: the pod's name stem. */
function imageStem(image: string): string {
  return image.replace(/^.*\//, '').replace(/:.*$/, '');
}

function podsOf(r: LabRecipe, node: number): LabFilePod[] {
  return Array.from({ length: Math.min(r.pods[node] ?? 0, MAX_PODS_PER_NODE) }, (_, j) => {
    const slot = node * MAX_PODS_PER_NODE + j;
    const image = at(IMAGES, r.images[slot] ?? 0);
    const stem = imageStem(image);
    const listen = [...(stem === 'nginx' || stem === 'httpd' ? ['tcp/80'] : []), ...[at(EXTRA_LISTEN, r.listens[slot] ?? 0)].filter((l): l is string => l !== undefined)];
    return { name: `${stem}-${node}${'abcd'[j]}`, image, ...(listen.length > 0 ? { listen } : {}) };
  });
}

/** The slot -> pod name table of the recipe (undefined where the node has fewer pods). */
function podNameOfSlot(nodes: readonly LabFileNode[], slot: number): string | undefined {
  return nodes[Math.floor(slot / MAX_PODS_PER_NODE)]?.pods?.[slot % MAX_PODS_PER_NODE]?.name;
}

/**
 * CoreDNS as kubeadm deploys it (kube-system, k8s-app: kube-dns) on the first node, 1 or 2 replicas (on one node, so
 * kube-proxy's random pick between them cannot change an answer), behind kube-dns at the service network's .10.
 */
function corednsPods(r: LabRecipe): LabFilePod[] {
  return Array.from({ length: Math.min(r.dns, 2) }, (_, k) => ({
    name: `coredns-${'ab'[k]}`, namespace: 'kube-system', image: 'coredns', labels: { 'k8s-app': 'kube-dns' },
  }));
}

function kubeDns(r: LabRecipe): LabFileService[] {
  if (r.dns === 0) return [];
  return [{
    name: 'kube-dns', namespace: 'kube-system', ip: offset(at(SERVICE_NET, r.serviceNet), 10), selector: { 'k8s-app': 'kube-dns' },
    ports: [{ name: 'dns', protocol: 'udp', port: 53, targetPort: 53 }, { name: 'dns-tcp', protocol: 'tcp', port: 53, targetPort: 53 }],
  }];
}

function servicesOf(r: LabRecipe, nodes: readonly LabFileNode[]): LabFileService[] {
  const serviceNet = at(SERVICE_NET, r.serviceNet);
  const first = r.dns === 0 ? 1 : 2;
  return r.services.map((s, i) => ({
    name: `svc-${'ab'[i]}`,
    ip: offset(serviceNet, 10 * (i + first)),
    ports: [at(SERVICE_PORTS, s.port)],
    endpoints: [...new Set(s.endpoints.map((e) => podNameOfSlot(nodes, e)).filter((n): n is string => n !== undefined))],
  }));
}

/** The lab file of a recipe (valid by construction; the compiler checks it anyway). */
export function labFileOf(r: LabRecipe, name = 'generated'): LabFile {
  const count = Math.max(1, Math.min(r.nodes, 6));
  const hostOnly = at(HOST_ONLY, r.hostOnly);
  const cluster = at(CLUSTER, r.cluster);
  const len = at(POD_LEN, r.podLen);
  const ifaces = at(IFACES, r.ifaces);
  const names = Array.from({ length: count }, (_, i) => at(NAMINGS, r.naming)(i));
  const nodes: LabFileNode[] = names.map((n, i) => ({
    name: n,
    ...(i === 0 ? { role: 'control-plane' as const } : {}),
    ip: offset(hostOnly, 10 + i),
    podSubnet: `${offset(cluster, i * 2 ** (32 - len))}/${len}`,
    pods: [...podsOf(r, i), ...(i === 0 ? corednsPods(r) : [])],
  }));
  const flannelIface = r.flannel === 1 ? null : ifaces.hostOnly;
  const stopped = r.flannel === 2 ? [at(names, r.flannelNode)] : undefined;
  const services = [...kubeDns(r), ...servicesOf(r, nodes)];
  const externals = EXTERNALS.slice(0, r.externals);
  return {
    name,
    description: 'generated by tracelab verify --generate',
    cluster: {
      network: cluster,
      serviceNetwork: at(SERVICE_NET, r.serviceNet),
      flannel: { backend: 'host-gw', iface: flannelIface, ...(stopped ? { stopped } : {}) },
    },
    hostOnly: { network: hostOnly, host: offset(hostOnly, 1), iface: ifaces.hostOnly },
    nat: { iface: ifaces.nat },
    nodes,
    ...(services.length > 0 ? { services } : {}),
    ...(externals.length > 0 ? { externals: externals.map((e) => ({ ...e, listen: [...e.listen] })) } : {}),
  };
}

/** Valid lab files as verify --generate draws them (shared with the property tests). */
export const labFileArb: fc.Arbitrary<LabFile> = labRecipeArb.map((r) => labFileOf(r, 'arb'));
