// The files and image facts the compile gives each place: pod /etc/resolv.conf and /etc/hosts against the text
// kubelet and containerd write (quoted from their source), the VMs' files, resolvers, namespaces and image listeners.
import { existsSync, realpathSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runArgv } from '../lab/process.js';
import { loadLab } from '../topology/compile.js';
import { factsOfImage, hasTool, imageFacts, notFound } from '../topology/images.js';
import type { Device } from '../topology/model.js';

const lab = loadLab('three-node');
const dev = (id: string): Device => lab.device(id)!;

describe('pod files as kubelet writes them', () => {
  it('resolv.conf of a ClusterFirst pod in default', () => {
    // kubernetes pkg/kubelet/network/dns/dns.go:
    //   nsSvcDomain := fmt.Sprintf("%s.svc.%s", pod.Namespace, c.ClusterDomain)
    //   svcDomain := fmt.Sprintf("svc.%s", c.ClusterDomain)
    //   clusterSearch := []string{nsSvcDomain, svcDomain, c.ClusterDomain}
    //   defaultDNSOptions = []string{"ndots:5"}
    // containerd pkg/cri parseDNSOptions:
    //   resolvContent += fmt.Sprintf("search %s\n", strings.Join(searches, " "))
    //   resolvContent += fmt.Sprintf("nameserver %s\n", strings.Join(servers, "\nnameserver "))
    //   resolvContent += fmt.Sprintf("options %s\n", strings.Join(options, " "))
    // The same bytes FACTS-L4 §0 used in the replica: search default.svc.cluster.local svc.cluster.local cluster.local /
    // nameserver 10.96.0.10 / options ndots:5.
    expect(dev('netshoot').files!['/etc/resolv.conf']).toBe('search default.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n');
  });

  it('hosts of a pod without hostname/subdomain', () => {
    // kubernetes pkg/kubelet/kubelet_pods.go managedHostsFileContent:
    //   buffer.WriteString(managedHostsHeader)                      // "# Kubernetes-managed hosts file.\n"
    //   buffer.WriteString("127.0.0.1\tlocalhost\n")
    //   buffer.WriteString("::1\tlocalhost ip6-localhost ip6-loopback\n")
    //   buffer.WriteString("fe00::0\tip6-localnet\n")
    //   buffer.WriteString("fe00::0\tip6-mcastprefix\n")
    //   buffer.WriteString("fe00::1\tip6-allnodes\n")
    //   buffer.WriteString("fe00::2\tip6-allrouters\n")
    //   buffer.WriteString(fmt.Sprintf("%s\t%s\n", hostIP, hostName))
    expect(dev('httpd').files!['/etc/hosts']).toBe(
      '# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n' +
        'fe00::0\tip6-localnet\nfe00::0\tip6-mcastprefix\nfe00::1\tip6-allnodes\nfe00::2\tip6-allrouters\n10.244.1.3\thttpd\n',
    );
  });

  it('CoreDNS (kubeadm: dnsPolicy Default) gets the node resolver; nodes the NAT DNS of VirtualBox', () => {
    expect(dev('coredns-a').files!['/etc/resolv.conf']).toBe('nameserver 10.0.2.3\n');
    expect(dev('node-1').files!['/etc/resolv.conf']).toBe('nameserver 10.0.2.3\n');
    // Vagrant's Debian change_host_name: sed 's/^127\.0\.1\.1\s.*$/127.0.1.1\t#{name}\t#{basename}/' /etc/hosts
    expect(dev('node-1').files!['/etc/hosts']).toContain('127.0.1.1\tnode-1\tnode-1\n');
  });

  it('cluster domain and DNS address', () => {
    expect(lab.cluster.domain).toBe('cluster.local');
    expect(lab.cluster.dnsIp).toBe(lab.services.find((s) => s.name === 'kube-dns')!.ip);
  });
});

describe('image facts', () => {
  it('resolver per place', () => {
    expect(dev('netshoot').resolver).toBe('musl');
    expect(dev('traceroute').resolver).toBe('busybox');
    expect(dev('httpd').resolver).toBe('glibc');
    expect(dev('node-2').resolver).toBe('glibc');
    expect(dev('coredns-a').resolver).toBeUndefined();
  });

  it('clients the images really have', () => {
    expect(hasTool(dev('netshoot'), 'curl')).toBe(true);
    expect(hasTool(dev('netshoot'), 'dig')).toBe(true);
    expect(hasTool(dev('traceroute'), 'wget')).toBe(true);
    expect(hasTool(dev('traceroute'), 'curl')).toBe(false);
    expect(hasTool(dev('nginx'), 'curl')).toBe(true);
    expect(hasTool(dev('httpd'), 'curl')).toBe(false);
    expect(hasTool(dev('node-1'), 'nslookup')).toBe(true);
    expect(imageFacts(dev('coredns-a')).shell).toBe('none');
  });

  it('not found, worded by the image shell', () => {
    expect(notFound(dev('traceroute'), 'curl')).toEqual({ stdout: '', stderr: 'sh: curl: not found\n', exitCode: 127 });
    expect(notFound(dev('httpd'), 'curl')).toEqual({ stdout: '', stderr: 'sh: 1: curl: not found\n', exitCode: 127 });
  });

  // Debian's /bin/sh is dash (the nginx and httpd images' shell); busybox's sh is the ash of busybox and Alpine images.
  const shIsDash = existsSync('/bin/sh') && realpathSync('/bin/sh').endsWith('dash');
  it.skipIf(!shIsDash || !existsSync('/bin/busybox'))('not found as real dash (this host\'s /bin/sh) and busybox ash print it', async () => {
    const missing = 'tracelab-no-such-program';
    const device = (image: string) => ({ kind: 'pod' as const, image });
    expect(await runArgv(['sh', '-c', missing])).toMatchObject(notFound(device('httpd'), missing));
    expect(await runArgv(['busybox', 'sh', '-c', missing])).toMatchObject(notFound(device('busybox'), missing));
  });

  it('default listeners: a listed port the image serves gets its app', () => {
    const nginx = dev('nginx').listeners;
    expect(nginx).toHaveLength(1);
    expect(nginx[0]!.app).toBe('http');
    const body = nginx[0]!.http!.body;
    expect(body).toContain('<h1>Welcome to nginx!</h1>');
    expect(Buffer.byteLength(body)).toBe(615);
    expect(nginx[0]!.http!.headers.find(([k]) => k === 'Content-Length')![1]).toBe('615');
    const httpd = dev('httpd').listeners[0]!.http!;
    expect(httpd.body).toBe('<html><body><h1>It works!</h1></body></html>\n');
    expect(httpd.headers.find(([k]) => k === 'Content-Length')![1]).toBe(String(Buffer.byteLength(httpd.body)));
    expect(dev('coredns-a').listeners.map((l) => `${l.protocol}/${l.port}:${l.app}:${l.name}`)).toEqual(['udp/53:dns:dns', 'tcp/53:dns:dns-tcp', 'tcp/9153:http:metrics', 'tcp/8080:http:undefined', 'tcp/8181:http:undefined']);
    expect(factsOfImage('registry.k8s.io/coredns/coredns:v1.11.3').listeners.map((l) => `${l.protocol}/${l.port}`)).toEqual(['udp/53', 'tcp/53', 'tcp/9153', 'tcp/8080', 'tcp/8181']);
  });
});

describe('the simulator shows the files and refuses missing clients', () => {
  it('cat /etc/resolv.conf and /etc/hosts at pods and nodes', async () => {
    const { Simulator } = await import('../sim/simulator.js');
    const sim = new Simulator(lab);
    // The replica's pod files (FACTS-L4 §0) and kubelet's managedHostsFileContent text, as in the tests above.
    expect(sim.run('netshoot', 'cat /etc/resolv.conf')).toEqual({ stdout: 'search default.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n', stderr: '', exitCode: 0 });
    expect(sim.run('traceroute', 'cat /etc/hosts').stdout).toBe(
      '# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n' +
        'fe00::0\tip6-localnet\nfe00::0\tip6-mcastprefix\nfe00::1\tip6-allnodes\nfe00::2\tip6-allrouters\n10.244.2.2\ttraceroute\n',
    );
    expect(sim.run('node-1', 'cat /etc/resolv.conf').stdout).toBe('nameserver 10.0.2.3\n');
    expect(sim.run('host', 'cat /etc/resolv.conf')).toEqual({ stdout: '', stderr: 'cat: /etc/resolv.conf: No such file or directory\n', exitCode: 1 });
  });

  it('a client the image lacks is not found, as its shell says', async () => {
    const { Simulator } = await import('../sim/simulator.js');
    const sim = new Simulator(lab);
    expect(sim.run('httpd', 'curl -s http://10.96.0.20/')).toEqual({ stdout: '', stderr: 'sh: 1: curl: not found\n', exitCode: 127 });
    expect(sim.run('traceroute', 'dig httpd')).toEqual({ stdout: '', stderr: 'sh: dig: not found\n', exitCode: 127 });
    expect(sim.run('coredns-a', 'nslookup httpd').stderr).toContain('exec: "nslookup": executable file not found in $PATH');
  });
});
