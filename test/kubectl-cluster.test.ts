// The cluster's own objects and kubectl's verbs on the simulator, against public kubectl outputs, flannel's and
// kubectl's source texts, and the kernel-recorded outputs of the scenarios whose faults the verbs reproduce.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Simulator } from '../sim/simulator.js';
import { compileLabText } from '../topology/compile.js';
import { openLab } from '../index.js';
import { loadScenarioFile } from '../lab/scenario/load.js';
import { table } from '../sim/commands/kubectl/table.js';
import { tabwrite } from '../sim/commands/kubectl/tabwriter.js';
import { registerKubectlResource } from '../sim/commands/kubectl/registry.js';
import { parseKubectlArgs } from '../sim/commands/kubectl/args.js';
import { KUBE_ALPHANUMS } from '../topology/kube-names.js';

/** `kubectl get pod -n kube-system` on a kubeadm + flannel cluster, from flannel-io/flannel#2064 (public issue). */
const PUBLIC_GET_PODS = `NAME                                   READY   STATUS    RESTARTS   AGE
coredns-66f779496c-8ddns               0/1     Pending   0          4m19s
coredns-66f779496c-b54jf               0/1     Pending   0          4m19s
etcd-davinci-mini                      1/1     Running   6          4m36s
kube-apiserver-davinci-mini            1/1     Running   6          4m32s
kube-controller-manager-davinci-mini   1/1     Running   7          4m32s
kube-proxy-g7l22                       1/1     Running   0          4m19s
kube-scheduler-davinci-mini            1/1     Running   7          4m32s
`;

/** Generated names seen in public kubeadm + flannel outputs (flannel#2064, learn-k8s-from-scratch#16, coredns#2819). */
const PUBLIC_NAMES = ['coredns-66f779496c-8ddns', 'coredns-5d78c9869d-9ln7c', 'coredns-fb8b8dccf-j6xsx', 'kube-proxy-g7l22', 'kube-proxy-2w8xk', 'kube-flannel-ds-9kzgs'];
const SUFFIX = `[${KUBE_ALPHANUMS}]{5}`;
/** rand.SafeEncodeString of a decimal uint32: the digits 0-9 land on 4 5 6 7 8 9 b c d f. */
const HASH = '[456789bcdf]{8,10}';

const LAB_TEXT = readFileSync('topology/labs/three-node.yaml', 'utf8');

/** kubectl on the control plane of a lab compiled from TEXT: what a terminal shows. */
function kubectlOn(text: string, args: string): string {
  const r = new Simulator(compileLabText('lab.yaml', text)).run('controlplane', `kubectl ${args}`);
  return r.stdout + r.stderr;
}

function recorded(file: string, run: string) {
  const probe = loadScenarioFile(`scenarios/${file}`).probes.find((p) => p.run === run);
  if (!probe) throw new Error(`${file} has no probe "${run}"`);
  return probe;
}

describe('kubectl tables', () => {
  it('pad columns as kubectl\'s tabwriter does (a public kubectl get pods output, rebuilt from its cells)', () => {
    const rows = PUBLIC_GET_PODS.trimEnd().split('\n').map((l) => l.split(/ {2,}/));
    expect(table(rows)).toBe(PUBLIC_GET_PODS);
  });

  it('align describe sections per block of lines, as Go\'s text/tabwriter does', () => {
    // A cell aligned across consecutive lines only; a line without a tab ends the block. The widths are those of real
    // kubectl describe pod output: "QoS Class:" padded to TokenExpirationSeconds' 29 columns, "  IP:" on its own.
    expect(tabwrite('Volumes:\n  v:\n    TokenExpirationSeconds:\t3607\nQoS Class:\tBestEffort\nIPs:\n  IP:\t10.0.0.1\n', 0, 2))
      .toBe('Volumes:\n  v:\n    TokenExpirationSeconds:  3607\nQoS Class:                   BestEffort\nIPs:\n  IP:  10.0.0.1\n');
  });
});

describe('the cluster kubeadm 1.31 and flannel create', () => {
  it('lists kube-system\'s static pods, kube-proxy per node and two coredns replicas with names shaped as Kubernetes makes them', () => {
    for (const n of PUBLIC_NAMES) expect(n).toMatch(new RegExp(`^(coredns-${HASH}|kube-proxy|kube-flannel-ds)-${SUFFIX}$`));
    const names = openLab().kubectl('-n kube-system get pods -o name').trim().split('\n').map((n) => n.slice('pod/'.length));
    expect(names.filter((n) => !/^(coredns|kube-proxy)-/.test(n))).toEqual(['etcd-controlplane', 'kube-apiserver-controlplane', 'kube-controller-manager-controlplane', 'kube-scheduler-controlplane']);
    expect(names.filter((n) => new RegExp(`^coredns-${HASH}-${SUFFIX}$`).test(n))).toHaveLength(2);
    expect(names.filter((n) => new RegExp(`^kube-proxy-${SUFFIX}$`).test(n))).toHaveLength(3);
    expect(openLab().kubectl('-n kube-flannel get pods -o name').trim().split('\n').filter((n) => new RegExp(`^pod/kube-flannel-ds-${SUFFIX}$`).test(n))).toHaveLength(3);
  });

  it('generates the same names for the same seed and others for another seed', () => {
    const names = (seed: number) => openLab(undefined, { seed }).kubectl('get pods -A -o name');
    expect(names(7)).toBe(names(7));
    expect(names(7)).not.toBe(names(8));
  });

  it('has the kubernetes Service on the service network\'s first address, 443 to the API server on 6443', () => {
    const lab = openLab();
    expect(lab.kubectl('get svc kubernetes')).toMatch(/^NAME {9}TYPE {8}CLUSTER-IP {3}EXTERNAL-IP {3}PORT\(S\) {3}AGE\nkubernetes   ClusterIP   10\.96\.0\.1    <none>        443\/TCP   60m\n$/);
    expect(lab.kubectl('get ep kubernetes')).toContain('kubernetes   192.168.56.10:6443   60m');
  });

  it('reads the global flags anywhere on the line', () => {
    const lab = openLab();
    const want = lab.kubectl('get pods --namespace=kube-system');
    for (const line of ['-n kube-system get pods', 'get pods -n kube-system', 'get -nkube-system pods', 'get po -n=kube-system', '--namespace kube-system get pod']) expect(lab.kubectl(line), line).toBe(want);
  });

  it('answers with kubectl\'s texts for unknown types and names and for empty namespaces', () => {
    const lab = openLab();
    expect(lab.kubectl('get foo')).toBe('error: the server doesn\'t have a resource type "foo"\n');
    expect(lab.kubectl('-n kube-system get deploy nope')).toBe('Error from server (NotFound): deployments.apps "nope" not found\n');
    expect(lab.kubectl('get pods -n nope')).toBe('No resources found in nope namespace.\n');
    // kubectl exec's own checks (the installed kubectl binary's texts; its exec refuses the test's --kubeconfig-first form).
    expect(lab.kubectl('exec')).toBe('error: pod, type/name or --filename must be specified\n');
    expect(lab.kubectl('exec httpd')).toBe('error: you must specify at least one command for the container\n');
    expect(lab.kubectl('get pods --bogus')).toBe('Error: unknown flag: --bogus\nSee \'kubectl get --help\' for usage.\n');
  });
});

describe('kubectl logs', () => {
  it('shows flanneld choosing eth1 by --iface, and eth0\'s NAT address when it picks the default-route interface', () => {
    // pkg/ipmatch/match.go: "Determining IP address of default interface", "Using interface with name %s and address %s".
    const healthy = openLab().kubectl('logs -n kube-flannel ds/kube-flannel-ds');
    expect(healthy).toContain('] Using interface with name eth1 and address 192.168.56.10\n');
    expect(healthy).not.toContain('Determining IP address of default interface');
    const broken = kubectlOn(LAB_TEXT.replace('    iface: eth1\n  kubeletNodeIp', '    iface: null\n  kubeletNodeIp'), 'logs -n kube-flannel ds/kube-flannel-ds');
    expect(broken).toContain('] Determining IP address of default interface\n');
    expect(broken).toContain('] Using interface with name eth0 and address 10.0.2.15\n');
    expect(broken).toContain('] Subnet added: 10.244.1.0/24 via 10.0.2.15\n');
  });
});

describe('changing verbs reach the dataplane through kube-proxy', () => {
  it('coredns scaled to zero: kube-dns loses its endpoints and lookups are refused as the kernel-recorded no-endpoints fault', () => {
    const lab = openLab();
    expect(lab.kubectl('-n kube-system scale deploy coredns --replicas=0')).toBe('deployment.apps/coredns scaled\n');
    expect(lab.kubectl('-n kube-system get ep kube-dns')).toBe('NAME       ENDPOINTS   AGE\nkube-dns   <none>      60m\n');
    const want = recorded('dns-kube-dns-no-endpoints.yaml', 'nslookup httpd');
    const got = lab.run('node-2/netshoot', 'nslookup httpd');
    expect([got.stdout, got.exitCode]).toEqual([want.expect, want.exit]);
    lab.kubectl('-n kube-system scale deploy coredns --replicas=2');
    expect(lab.run('node-2/netshoot', 'nslookup httpd')).toEqual(openLab().run('node-2/netshoot', 'nslookup httpd'));
    expect(lab.run('node-1', 'iptables-save')).toEqual(openLab().run('node-1', 'iptables-save'));
  });

  it('a Service selector patched to a wrong label: refused as the kernel-recorded selector-matches-nothing fault', () => {
    const lab = openLab();
    expect(lab.kubectl('patch svc httpd -p \'{"spec":{"selector":{"app":"nope"}}}\'')).toBe('service/httpd patched\n');
    expect(lab.kubectl('get ep httpd')).toBe('NAME    ENDPOINTS   AGE\nhttpd   <none>      40m\n');
    const want = recorded('service-no-endpoints-refused.yaml', 'nc -zv 10.96.0.20 80');
    const got = lab.run('node-2/netshoot', 'nc -zv 10.96.0.20 80');
    expect([got.stdout, got.stderr, got.exitCode]).toEqual([want.expect, want.stderr, want.exit]);
    expect(lab.kubectl('patch svc httpd -p \'{"spec":{"selector":{"app":"httpd"}}}\'')).toBe('service/httpd patched\n');
    expect(lab.kubectl('get ep httpd')).toContain('10.244.1.3:80');
  });

  it('a targetPort patched to a port the pod does not serve: as the kernel-recorded wrong-targetPort fault', () => {
    const lab = openLab();
    expect(lab.kubectl('patch svc httpd -p \'{"spec":{"ports":[{"port":80,"targetPort":8080}]}}\'')).toBe('service/httpd patched\n');
    expect(lab.kubectl('get ep httpd')).toBe('NAME    ENDPOINTS         AGE\nhttpd   10.244.1.3:8080   40m\n');
    for (const run of ['nc -zv 10.96.0.20 80', "curl -sS -o /dev/null -w '%{http_code}\\n' http://10.96.0.20/"]) {
      const want = recorded('service-wrong-targetport.yaml', run);
      const got = lab.run('node-2/netshoot', run);
      expect([got.stdout, got.stderr, got.exitCode], run).toEqual([want.expect, want.stderr ?? '', want.exit]);
    }
  });

  it('a deleted controller pod comes back under a new name; a bare pod does not', () => {
    const lab = openLab();
    const [first] = lab.kubectl('-n kube-system get pods -l k8s-app=kube-dns -o name').trim().split('\n');
    expect(lab.kubectl(`-n kube-system delete ${first}`)).toBe(`pod "${first!.slice(4)}" deleted\n`);
    const after = lab.kubectl('-n kube-system get pods -l k8s-app=kube-dns -o name').trim().split('\n');
    expect(after).toHaveLength(2);
    expect(after).not.toContain(first);
    expect(lab.kubectl('delete pod nginx')).toBe('pod "nginx" deleted\n');
    expect(lab.kubectl('get pod nginx')).toBe('Error from server (NotFound): pods "nginx" not found\n');
  });

  it('label refuses to overwrite without --overwrite, with kubectl\'s text', () => {
    const lab = openLab();
    expect(lab.kubectl('label pod httpd app=other')).toBe("error: 'app' already has a value (httpd), and --overwrite is false\n");
    expect(lab.kubectl('label pod httpd app=other --overwrite')).toBe('pod/httpd labeled\n');
    expect(lab.kubectl('get ep httpd')).toContain('<none>');
  });
});

describe('kubelet without --node-ip', () => {
  it('registers every node with the NAT address, and the API server\'s proxy reaches the wrong kubelet', () => {
    // The classic VirtualBox symptom: InternalIP 10.0.2.15 everywhere; exec and logs into a worker's pod fail with
    // the texts people report for it (kubectl exec: "unable to upgrade connection: pod does not exist").
    const text = LAB_TEXT.replace('kubeletNodeIp: true', 'kubeletNodeIp: false');
    expect(kubectlOn(text, 'get nodes -o custom-columns=NAME:.metadata.name,IP:.status.addresses[0].address')).toBe(
      'NAME           IP\ncontrolplane   10.0.2.15\nnode-1         10.0.2.15\nnode-2         10.0.2.15\n');
    expect(kubectlOn(text, 'exec httpd -- hostname')).toBe('error: unable to upgrade connection: pod does not exist\n');
    expect(kubectlOn(text, 'logs httpd')).toBe('Error from server (NotFound): the server could not find the requested resource ( pods/log httpd)\n');
    expect(openLab().kubectl('exec httpd -- hostname')).toBe('httpd\n');
  });
});

describe('the flag parser', () => {
  it('gives -p and -f the meaning of the verb (logs: --previous, --follow; patch/apply: a value)', () => {
    const parse = (line: string) => {
      const r = parseKubectlArgs(line.split(' '));
      if (!r.ok) throw new Error(r.message);
      return r.args;
    };
    expect(parse('apply -f policy.yaml')).toMatchObject({ verb: 'apply', filename: 'policy.yaml', words: [] });
    expect(parse('-n kube-system delete -f=policy.yaml')).toMatchObject({ verb: 'delete', filename: 'policy.yaml', namespace: 'kube-system' });
    expect(parse('logs -p -f httpd')).toMatchObject({ verb: 'logs', previous: true, words: ['httpd'] });
    expect(parse('patch svc httpd -p {}')).toMatchObject({ verb: 'patch', patch: '{}', words: ['svc', 'httpd'] });
    // kubelet's text for a container that never restarted (kubectl prints the API server's BadRequest).
    expect(openLab().kubectl('logs -p httpd')).toBe('Error from server (BadRequest): previous terminated container "httpd" in pod "httpd" not found\n');
    expect(openLab().kubectl('get pods -w')).toBe('kubectl -w: not modelled by the tracelab simulator\n');
  });
});

describe('the registry', () => {
  it('takes a resource type registered from another file (NetworkPolicy\'s hook)', () => {
    registerKubectlResource({
      plural: 'networkpolicies', aliases: ['netpol', 'networkpolicy'], group: 'networking.k8s.io', kind: 'NetworkPolicy', namespaced: true,
      list: () => [], table: () => ({ header: ['NAME', 'POD-SELECTOR', 'AGE'], rows: [] }),
    });
    expect(openLab().kubectl('get netpol')).toBe('No resources found in default namespace.\n');
  });
});
