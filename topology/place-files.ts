// The /etc files a person reads at a place: /etc/resolv.conf and /etc/hosts of pods as kubelet and containerd write
// them, and of the VMs as Debian 12, Vagrant and VirtualBox's NAT DHCP leave them.
import { formatIp } from './address.js';
import type { DnsPolicy } from './images.js';

export const RESOLV_CONF_PATH = '/etc/resolv.conf';
export const HOSTS_PATH = '/etc/hosts';

/** kubelet's default DNS options for ClusterFirst pods (pkg/kubelet/network/dns/dns.go `defaultDNSOptions`). */
const DEFAULT_DNS_OPTIONS: readonly string[] = ['ndots:5'];

/**
 * resolv.conf text as containerd's CRI plugin writes it from kubelet's DNSConfig (parseDNSOptions in
 * pkg/cri/server/sandbox_run.go): `search` line, one `nameserver` line per server, `options` line; empty parts left out.
 */
export function resolvConfText(servers: readonly string[], searches: readonly string[], options: readonly string[]): string {
  let text = '';
  if (searches.length > 0) text += `search ${searches.join(' ')}\n`;
  if (servers.length > 0) text += `nameserver ${servers.join('\nnameserver ')}\n`;
  if (options.length > 0) text += `options ${options.join(' ')}\n`;
  return text;
}

/** What a VM's resolv.conf says: VirtualBox NAT's DHCP hands out its DNS proxy and (on our hosts) no domain. */
export interface NodeResolver {
  readonly servers: readonly string[];
  readonly searches: readonly string[];
}

/**
 * A pod's resolv.conf. ClusterFirst (kubelet GetPodDNS, podDNSCluster): nameserver = kubelet's --cluster-dns, search =
 * generateSearchesForDNSClusterFirst: `NS.svc.DOMAIN svc.DOMAIN DOMAIN` followed by the node's own search domains
 * (duplicates omitted), options ndots:5. Default (kubeadm's CoreDNS): the node's resolver as it is, no options.
 */
export function podResolvConf(policy: DnsPolicy, namespace: string, domain: string, clusterDns: number, node: NodeResolver): string {
  if (policy === 'Default') return resolvConfText(node.servers, node.searches, []);
  const searches = [...new Set([`${namespace}.svc.${domain}`, `svc.${domain}`, domain, ...node.searches])];
  return resolvConfText([formatIp(clusterDns)], searches, DEFAULT_DNS_OPTIONS);
}

/**
 * kubelet's managed hosts file (pkg/kubelet/kubelet_pods.go managedHostsFileContent, managedHostsHeader), for a pod
 * without hostname/subdomain (no domain name) and without hostAliases: the boilerplate, then `<podIP>\t<podName>`.
 */
export const KUBELET_HOSTS_HEADER =
  '# Kubernetes-managed hosts file.\n' +
  '127.0.0.1\tlocalhost\n' +
  '::1\tlocalhost ip6-localhost ip6-loopback\n' +
  'fe00::0\tip6-localnet\n' +
  'fe00::0\tip6-mcastprefix\n' +
  'fe00::1\tip6-allnodes\n' +
  'fe00::2\tip6-allrouters\n';

export function podHosts(podIp: number, name: string): string {
  // One flat line joined to the shared header: 150,000 pods' files cost a line each, not a copy of the header.
  return KUBELET_HOSTS_HEADER + [formatIp(podIp), '\t', name, '\n'].join('');
}

/**
 * A pod's /etc/resolv.conf and /etc/hosts, read by path like any place's files. The resolv.conf text is shared by the
 * pods of a namespace; the hosts file is made when read, so 150,000 pods keep an address and a name, not a text each.
 */
export class PodFiles implements Readonly<Record<string, string>> {
  readonly [path: string]: string;
  readonly #ip: number;
  readonly #name: string;
  /** OVERRIDES: the lab file's own files for the pod (a scenario's edited /etc/hosts or resolv.conf) win. */
  constructor(resolvConf: string, ip: number, name: string, overrides?: Readonly<Record<string, string>>) {
    (this as Record<string, string>)[RESOLV_CONF_PATH] = resolvConf;
    this.#ip = ip;
    this.#name = name;
    for (const [path, text] of Object.entries(overrides ?? {})) {
      Object.defineProperty(this, path, { value: text, enumerable: true });
    }
  }

  get '/etc/hosts'(): string {
    return podHosts(this.#ip, this.#name);
  }
}

/**
 * A VM's /etc/hosts: Debian's installer (netcfg) writes localhost, `127.0.1.1 FQDN HOST` and the IPv6 lines; Vagrant's
 * Debian change_host_name capability rewrites the 127.0.1.1 line to `127.0.1.1\tNAME\tNAME` (node.vm.hostname).
 * [ASSUMED: the bento/debian-12 box keeps the installer's file otherwise.]
 */
export function nodeHosts(hostname: string): string {
  return (
    '127.0.0.1\tlocalhost\n' +
    `127.0.1.1\t${hostname}\t${hostname}\n` +
    '\n' +
    '# The following lines are desirable for IPv6 capable hosts\n' +
    '::1     localhost ip6-localhost ip6-loopback\n' +
    'ff02::1 ip6-allnodes\n' +
    'ff02::2 ip6-allrouters\n'
  );
}

/**
 * A VM's resolver: ifupdown's dhclient on the NAT interface writes the DHCP answer through dhclient-script's
 * make_resolv_conf: one `nameserver` line per server (VirtualBox NAT: its DNS proxy, 10.0.2.3) and a `search` line
 * only when DHCP hands out a domain [ASSUMED: the VirtualBox host has none, so kubelet appends no host search domain].
 */
export function nodeResolver(natDns: number): NodeResolver {
  return { servers: [formatIp(natDns)], searches: [] };
}

export function nodeResolvConf(resolver: NodeResolver): string {
  return resolvConfText(resolver.servers, resolver.searches, []);
}
