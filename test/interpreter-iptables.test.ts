// iptables and kubectl on the simulator: `-L`/`-S` text as iptables v1.8.9 (nf_tables) prints it on Debian 12, its
// errors and exit codes, rules that change what the probes see, and kubectl's table format.
import { describe, expect, it } from 'vitest';
import { Simulator } from '../sim/simulator.js';
import { humanDuration } from '../sim/commands/kubectl.js';
import { loadLab } from '../topology/compile.js';

const lab = loadLab('three-node');
const text = (r: { stdout: string; stderr: string; exitCode: number }) => `${r.stdout}${r.stderr}[${r.exitCode}]`;
const fresh = () => new Simulator(lab);
const TRY = "Try `iptables -h' or 'iptables --help' for more information.\n";

describe('iptables listing', () => {
  it('prints -S and -L of a node as the real tool does (Flannel and kube-proxy chains)', () => {
    const sim = fresh();
    // Expected text: iptables 1.8.9 (nf_tables) in a namespace loaded with node-1's model rules (iptables-restore).
    expect(sim.run('node-1', 'iptables -S').stdout).toBe(
      '-P INPUT ACCEPT\n-P FORWARD ACCEPT\n-P OUTPUT ACCEPT\n-N FLANNEL-FWD\n-N KUBE-EXTERNAL-SERVICES\n-N KUBE-FIREWALL\n' +
        '-N KUBE-FORWARD\n-N KUBE-KUBELET-CANARY\n-N KUBE-NODEPORTS\n-N KUBE-PROXY-CANARY\n-N KUBE-PROXY-FIREWALL\n-N KUBE-SERVICES\n' +
        '-A INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL\n' +
        '-A INPUT -m comment --comment "kubernetes health check service ports" -j KUBE-NODEPORTS\n' +
        '-A INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES\n' +
        '-A INPUT -j KUBE-FIREWALL\n' +
        '-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL\n' +
        '-A FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD\n' +
        '-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES\n' +
        '-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES\n' +
        '-A FORWARD -m comment --comment "flanneld forward" -j FLANNEL-FWD\n' +
        '-A OUTPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL\n' +
        '-A OUTPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES\n' +
        '-A OUTPUT -j KUBE-FIREWALL\n' +
        '-A FLANNEL-FWD -s 10.244.0.0/16 -m comment --comment "flanneld forward" -j ACCEPT\n' +
        '-A FLANNEL-FWD -d 10.244.0.0/16 -m comment --comment "flanneld forward" -j ACCEPT\n' +
        '-A KUBE-FIREWALL ! -s 127.0.0.0/8 -d 127.0.0.0/8 -m comment --comment "block incoming localnet connections" -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP\n' +
        '-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP\n' +
        '-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x4000/0x4000 -j ACCEPT\n' +
        '-A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n',
    );
    expect(sim.run('node-1', 'iptables -L FORWARD').stdout).toBe(
      'Chain FORWARD (policy ACCEPT)\ntarget     prot opt source               destination         \n' +
        'KUBE-PROXY-FIREWALL  all  --  anywhere             anywhere             ctstate NEW /* kubernetes load balancer firewall */\n' +
        'KUBE-FORWARD  all  --  anywhere             anywhere             /* kubernetes forwarding rules */\n' +
        'KUBE-SERVICES  all  --  anywhere             anywhere             ctstate NEW /* kubernetes service portals */\n' +
        'KUBE-EXTERNAL-SERVICES  all  --  anywhere             anywhere             ctstate NEW /* kubernetes externally-visible service portals */\n' +
        'FLANNEL-FWD  all  --  anywhere             anywhere             /* flanneld forward */\n',
    );
    expect(sim.run('node-1', 'iptables -t nat -L KUBE-SEP-AZBCDQXYKAA33ZKT -n').stdout).toBe(
      'Chain KUBE-SEP-AZBCDQXYKAA33ZKT (1 references)\ntarget     prot opt source               destination         \n' +
        'KUBE-MARK-MASQ  0    --  10.244.1.3           0.0.0.0/0            /* default/httpd */\n' +
        'DNAT       6    --  0.0.0.0/0            0.0.0.0/0            /* default/httpd */ tcp to:10.244.1.3:80\n',
    );
    expect(sim.run('node-1', 'iptables -t nat -S KUBE-SEP-AZBCDQXYKAA33ZKT').stdout).toBe(
      '-N KUBE-SEP-AZBCDQXYKAA33ZKT\n-A KUBE-SEP-AZBCDQXYKAA33ZKT -s 10.244.1.3/32 -m comment --comment "default/httpd" -j KUBE-MARK-MASQ\n' +
        '-A KUBE-SEP-AZBCDQXYKAA33ZKT -p tcp -m comment --comment "default/httpd" -m tcp -j DNAT --to-destination 10.244.1.3:80\n',
    );
  });

  it('formats added rules in every column layout (-n, -v, -x, --line-numbers, inversions, ports by name)', () => {
    const sim = fresh();
    for (const c of [
      'iptables -F',
      'iptables -A FORWARD -d 10.244.1.0/24 -j DROP',
      'iptables -I FORWARD -s 10.244.2.0/24 -p tcp --dport 80 -i eth1 -o cni0 -j REJECT --reject-with icmp-host-prohibited',
      'iptables -I FORWARD 2 -p udp -j REJECT',
      'iptables -A FORWARD ! -s 10.1.0.0/16 ! -d 10.2.0.5 -p icmp -j ACCEPT',
      'iptables -A FORWARD -s 10.9.9.9/8 -j RETURN',
      'iptables -P FORWARD DROP',
    ]) expect({ c, out: text(sim.run('node-1', c)) }).toEqual({ c, out: '[0]' });
    expect(sim.run('node-1', 'iptables -L FORWARD').stdout).toBe(
      'Chain FORWARD (policy DROP)\ntarget     prot opt source               destination         \n' +
        'REJECT     tcp  --  10.244.2.0/24        anywhere             tcp dpt:http reject-with icmp-host-prohibited\n' +
        'REJECT     udp  --  anywhere             anywhere             reject-with icmp-port-unreachable\n' +
        'DROP       all  --  anywhere             10.244.1.0/24       \n' +
        'ACCEPT     icmp -- !10.1.0.0/16         !10.2.0.5            \n' +
        'RETURN     all  --  10.0.0.0/8           anywhere            \n',
    );
    expect(sim.run('node-1', 'iptables -L FORWARD -n -v --line-numbers').stdout).toBe(
      'Chain FORWARD (policy DROP 0 packets, 0 bytes)\n' +
        'num   pkts bytes target     prot opt in     out     source               destination         \n' +
        '1        0     0 REJECT     6    --  eth1   cni0    10.244.2.0/24        0.0.0.0/0            tcp dpt:80 reject-with icmp-host-prohibited\n' +
        '2        0     0 REJECT     17   --  *      *       0.0.0.0/0            0.0.0.0/0            reject-with icmp-port-unreachable\n' +
        '3        0     0 DROP       0    --  *      *       0.0.0.0/0            10.244.1.0/24       \n' +
        '4        0     0 ACCEPT     1    --  *      *      !10.1.0.0/16         !10.2.0.5            \n' +
        '5        0     0 RETURN     0    --  *      *       10.0.0.0/8           0.0.0.0/0           \n',
    );
    expect(sim.run('node-1', 'iptables -S FORWARD').stdout).toBe(
      '-P FORWARD DROP\n' +
        '-A FORWARD -s 10.244.2.0/24 -i eth1 -o cni0 -p tcp -m tcp --dport 80 -j REJECT --reject-with icmp-host-prohibited\n' +
        '-A FORWARD -p udp -j REJECT --reject-with icmp-port-unreachable\n-A FORWARD -d 10.244.1.0/24 -j DROP\n' +
        '-A FORWARD ! -s 10.1.0.0/16 ! -d 10.2.0.5/32 -p icmp -j ACCEPT\n-A FORWARD -s 10.0.0.0/8 -j RETURN\n',
    );
  });
});

describe('iptables-save', () => {
  it('prints each table as iptables-restore reads it, stamped with the simulated clock', () => {
    expect(fresh().run('node-1', 'iptables-save -t nat').stdout.split('\n').slice(0, 8)).toEqual([
      '# Generated by iptables-save v1.8.9 (nf_tables) on Mon Jan  1 00:00:00 2024',
      '*nat', ':PREROUTING ACCEPT [0:0]', ':INPUT ACCEPT [0:0]', ':OUTPUT ACCEPT [0:0]', ':POSTROUTING ACCEPT [0:0]',
      ':FLANNEL-POSTRTG - [0:0]', ':KUBE-KUBELET-CANARY - [0:0]',
    ]);
    const save = fresh().run('node-1', 'iptables-save').stdout;
    expect(save.match(/^COMMIT$/gm)).toHaveLength(2);
    expect(save).toContain('-A POSTROUTING -m comment --comment "flanneld masq" -j FLANNEL-POSTRTG\n');
    expect(text(fresh().run('node-1', 'iptables-save -t foo'))).toBe("Table `foo' does not exist\n[1]");
  });
});

describe('iptables edits', () => {
  it('refuses what iptables refuses, with its messages and exit codes', () => {
    const sim = fresh();
    const cases: [string, string][] = [
      ['iptables -D FORWARD -d 10.244.1.0/24 -j DROP', 'iptables: Bad rule (does a matching rule exist in that chain?).\n[1]'],
      ['iptables -D FORWARD 9', 'iptables: Index of deletion too big.\n[1]'],
      ['iptables -I FORWARD 9 -j DROP', 'iptables: Index of insertion too big.\n[1]'],
      ['iptables -A NOPE -j DROP', 'iptables: No chain/target/match by that name.\n[1]'],
      ['iptables -A FORWARD -j NOPE', `iptables v1.8.9 (nf_tables): Chain 'NOPE' does not exist\n${TRY}[2]`],
      ['iptables -A FORWARD -p tcp --dport 99999 -j DROP', `iptables v1.8.9 (nf_tables): invalid port/service \`99999' specified\n${TRY}[2]`],
      ['iptables -A FORWARD -s 10.1.1.300 -j DROP', `iptables v1.8.9 (nf_tables): host/network \`10.1.1.300' not found\n${TRY}[2]`],
      ['iptables -A FORWARD --dport 80 -j DROP', `iptables v1.8.9 (nf_tables): unknown option "--dport"\n${TRY}[2]`],
      ['iptables -A FORWARD -j REJECT --reject-with foo', `iptables v1.8.9 (nf_tables): unknown reject type "foo"\n${TRY}[2]`],
      ['iptables -A FORWARD -p udp -j REJECT --reject-with tcp-reset', 'iptables v1.8.9 (nf_tables):  RULE_APPEND failed (Invalid argument): rule in chain FORWARD\n[4]'],
      ['iptables -A FORWARD -j MASQUERADE', 'iptables v1.8.9 (nf_tables):  RULE_APPEND failed (Invalid argument): rule in chain FORWARD\n[4]'],
      ['iptables -t nat -A POSTROUTING -j DNAT', `iptables v1.8.9 (nf_tables): DNAT: option "--to-destination" must be specified\n\n${TRY}[2]`],
      ['iptables -t foo -L', "iptables v1.8.9 (nf_tables): table 'foo' does not exist\nPerhaps iptables or your kernel needs to be upgraded.\n[3]"],
      ['iptables -P FORWARD REJECT', "iptables: Bad policy name. Run `dmesg' for more information.\n[1]"],
      ['iptables -P NOPE DROP', 'iptables: Bad built-in chain name.\n[1]'],
      ['iptables -L NOPE', "iptables v1.8.9 (nf_tables): chain `NOPE' in table `filter' is incompatible, use 'nft' tool.\n[1]"],
      ['iptables', `iptables v1.8.9 (nf_tables): no command specified\n${TRY}[2]`],
      ['iptables -A', `iptables v1.8.9 (nf_tables): option "-A" requires an argument\n${TRY}[2]`],
      ['iptables -A FORWARD -j DROP -j ACCEPT', `iptables v1.8.9 (nf_tables): multiple -j flags not allowed\n${TRY}[2]`],
      ['iptables -X FLANNEL-FWD', 'iptables v1.8.9 (nf_tables):  CHAIN_DEL failed (Device or resource busy): chain FLANNEL-FWD\n[4]'],
      ['iptables -N FLANNEL-FWD', 'iptables: Chain already exists.\n[1]'],
    ];
    for (const [command, expected] of cases) expect({ command, out: text(sim.run('node-1', command)) }).toEqual({ command, out: expected });
    expect(sim.run('node-1', 'iptables -S').stdout).toBe(fresh().run('node-1', 'iptables -S').stdout);
  });

  it('FORWARD DROP and REJECT change the trace where they decide; -D undoes them', () => {
    const sim = fresh();
    const trace = () => sim.run('netshoot', 'traceroute -n -q 1 -m 4 10.244.1.3').stdout.split('\n').slice(1, -1).map((l) => l.replace(/\d+\.\d{3} ms/, 'T'));
    expect(trace()).toEqual([' 1  10.244.2.1  T', ' 2  192.168.56.11  T', ' 3  10.244.1.3  T']);
    sim.run('node-1', 'iptables -I FORWARD -d 10.244.1.3 -j DROP');
    expect(trace()).toEqual([' 1  10.244.2.1  T', ' 2  192.168.56.11  T', ' 3  *', ' 4  *']);
    sim.run('node-1', 'iptables -D FORWARD -d 10.244.1.3/32 -j DROP');
    // Appended, it comes after Flannel's ACCEPT and never decides; inserted, it rejects.
    sim.run('node-1', 'iptables -A FORWARD -d 10.244.1.3 -j REJECT --reject-with icmp-net-prohibited');
    expect(trace()).toEqual([' 1  10.244.2.1  T', ' 2  192.168.56.11  T', ' 3  10.244.1.3  T']);
    sim.run('node-1', 'iptables -I FORWARD -d 10.244.1.3 -j REJECT --reject-with icmp-net-prohibited');
    expect(trace()).toEqual([' 1  10.244.2.1  T', ' 2  192.168.56.11  T', ' 3  192.168.56.11  T !X']);
    expect(text(sim.run('node-1', 'iptables -C FORWARD -d 10.244.1.3/32 -j REJECT --reject-with icmp-net-prohibited'))).toBe('[0]');
    sim.run('node-1', 'iptables -D FORWARD 1');
    expect(trace()).toEqual([' 1  10.244.2.1  T', ' 2  192.168.56.11  T', ' 3  10.244.1.3  T']);
  });

  it('a busybox pod has no iptables and no kubectl', () => {
    expect(text(fresh().run('traceroute', 'iptables -L'))).toBe('sh: iptables: not found\n[127]');
    expect(text(fresh().run('traceroute', 'kubectl get pods'))).toBe('sh: kubectl: not found\n[127]');
  });
});

describe('kubectl get', () => {
  it('prints nodes, pods and services in kubectl table format with ages from the simulated clock', () => {
    const sim = fresh();
    expect(sim.run('controlplane', 'kubectl get nodes').stdout).toBe(
      'NAME           STATUS   ROLES           AGE   VERSION\ncontrolplane   Ready    control-plane   60m   v1.31.0\n' +
        'node-1         Ready    <none>          55m   v1.31.0\nnode-2         Ready    <none>          50m   v1.31.0\n',
    );
    expect(sim.run('controlplane', 'kubectl get svc -A').stdout).toBe(
      'NAMESPACE     NAME         TYPE        CLUSTER-IP   EXTERNAL-IP   PORT(S)         AGE\n' +
        'default       httpd        ClusterIP   10.96.0.20   <none>        80/TCP          40m\n' +
        'default       kubernetes   ClusterIP   10.96.0.1    <none>        443/TCP         60m\n' +
        'kube-system   kube-dns     ClusterIP   10.96.0.10   <none>        53/UDP,53/TCP   60m\n',
    );
    // The coredns Deployment's pods: coredns-<pod-template-hash>-<5 characters> (names generated from the seed).
    const dns = sim.run('controlplane', 'kubectl get pods -n kube-system -l k8s-app=kube-dns -o wide').stdout.split('\n');
    expect(dns[0]).toBe('NAME                       READY   STATUS    RESTARTS   AGE   IP           NODE           NOMINATED NODE   READINESS GATES');
    expect(dns[1]).toMatch(/^coredns-[4-9bcdf]{8,10}-[bcdfghjklmnpqrstvwxz2456789]{5}   1\/1     Running   0          60m   10\.244\.0\.[23]   controlplane   <none>           <none>$/);
    expect(text(sim.run('controlplane', 'kubectl get pods -n nope'))).toBe('No resources found in nope namespace.\n[0]');
    expect(text(sim.run('controlplane', 'kubectl get foo'))).toBe('error: the server doesn\'t have a resource type "foo"\n[1]');
    expect(text(sim.run('controlplane', 'kubectl get pod nope'))).toBe('Error from server (NotFound): pods "nope" not found\n[1]');
    expect(sim.run('controlplane', 'kubectl get ep -n kube-system').stdout).toBe(
      'NAME       ENDPOINTS                                               AGE\nkube-dns   10.244.0.2:53,10.244.0.3:53,10.244.0.2:53 + 1 more...   60m\n',
    );
    expect(sim.run('controlplane', 'kubectl get svc httpd').stdout).toBe('NAME    TYPE        CLUSTER-IP   EXTERNAL-IP   PORT(S)   AGE\nhttpd   ClusterIP   10.96.0.20   <none>        80/TCP    40m\n');
    sim.advance(3 * 3600_000);
    expect(sim.run('controlplane', 'kubectl get nodes').stdout).toContain('controlplane   Ready    control-plane   4h   ');
  });

  it('formats ages as apimachinery HumanDuration does', () => {
    expect([59_000, 119_000, 150_000, 600_000, 3 * 3600_000 + 60_000, 5 * 3600_000 + 120_000, 30 * 3600_000, 50 * 3600_000, 400 * 24 * 3600_000].map(humanDuration)).toEqual([
      '59s', '119s', '2m30s', '10m', '3h1m', '5h2m', '30h', '2d2h', '400d',
    ]);
  });
});
