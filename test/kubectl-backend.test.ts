// lab import, status and the kubectl backend on the three-node cluster of test/fixtures/kubectl (generated from the model by make-fixtures.py, not captured from a cluster), and kubectl's errors.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { UsageError } from '../lab/backend.js';
import { createKubectlBackend } from '../lab/kubectl/backend.js';
import { kubectlFailure, kubectlJson, localKubectl, remoteKubectl, type KubectlRunner } from '../lab/kubectl/cli.js';
import { runArgv } from '../lab/process.js';
import { clusterObjectsFromList, importLab, labFileFromCluster, renderLabYaml, type K8sList } from '../lab/kubectl/import.js';
import { PROBE_LABEL, probeOverrides, probeRunArgs } from '../lab/kubectl/probe.js';
import { formatClusterStatus, readClusterStatus } from '../lab/kubectl/status.js';
import { groupVars } from '../lab/render-ansible.js';
import { createSimBackend } from '../lab/sim.js';
import { compileLabText, loadLab } from '../topology/compile.js';
import { main } from '../cli/main.js';
import { Simulator } from '../sim/simulator.js';

const FIXTURES = resolve(import.meta.dirname, 'fixtures', 'kubectl');
const fixture = (name: string) => readFileSync(join(FIXTURES, name), 'utf8');
const ALL = 'get-nodes-pods-services-endpoints-daemonsets.json';
const SEED_TRACE = fixture('busybox-traceroute-node-2-to-httpd.txt');

interface Replay {
  readonly kubectl: KubectlRunner;
  readonly calls: string[][];
}

/**
 * Plays back the generated outputs (test/fixtures/kubectl) for the argv the backend sends, as kubectl would print them; a probe pod
 * (`kubectl run`) "runs" `logs[its sh -c command]`. An argv with no recording fails the way kubectl fails.
 */
function replay(files: Readonly<Record<string, string>> = {}, logs: Readonly<Record<string, string>> = {}): Replay {
  const calls: string[][] = [];
  const text = (name: string) => files[name] ?? fixture(name);
  const pods = (JSON.parse(text(ALL)) as K8sList).items.filter((i) => i.kind === 'Pod');
  const probes = new Map<string, string>();
  const ok = (stdout: string) => Promise.resolve({ stdout, stderr: '', exitCode: 0 });
  const kubectl: KubectlRunner = (args) => {
    calls.push([...args]);
    const a = args.join(' ');
    if (a === 'get nodes,pods,services,endpoints,daemonsets --all-namespaces --output=json') return ok(text(ALL));
    if (a === 'get nodes --output=json') return ok(text('get-nodes.json'));
    const cm = /^get configmap (\S+) --namespace=(\S+) --ignore-not-found --output=json$/.exec(a);
    if (cm) {
      const name = `get-configmap-${cm[2]}-${cm[1]}.json`;
      return ok(existsSync(join(FIXTURES, name)) || files[name] ? text(name) : '');
    }
    const exists = /^get pod\/(\S+) --namespace=(\S+) --ignore-not-found --output=name$/.exec(a);
    if (exists) return ok(pods.some((p) => p.metadata.name === exists[1] && p.metadata.namespace === exists[2]) ? `pod/${exists[1]}\n` : '');
    if (args[0] === 'exec' && args[3] === '--' && args[4] === 'sh' && args[5] === '-c') {
      const out = logs[`${args[2]}: ${args[6]}`];
      if (out !== undefined) return ok(out);
    }
    if (args[0] === 'run') {
      probes.set(args[1]!, args[args.length - 1]!);
      return ok(`pod/${args[1]} created\n`);
    }
    const probe = /^(?:get|logs|delete) pod\/(tracelab-probe-\S+) --namespace=default/.exec(a);
    if (probe && probes.has(probe[1]!)) {
      if (a.endsWith('--output=jsonpath={.status.phase}')) return ok('Succeeded');
      if (a.endsWith('--output=jsonpath={.status.containerStatuses[0].state.terminated.exitCode}')) return ok('0');
      if (args[0] === 'logs') return ok(logs[probes.get(probe[1]!)!] ?? '');
      if (args[0] === 'delete') return ok(`pod "${probe[1]}" deleted\n`);
    }
    return Promise.resolve({ stdout: '', stderr: `error: the recording has no output for: kubectl ${a}\n`, exitCode: 1 });
  };
  return { kubectl, calls };
}

const temps: string[] = [];
afterAll(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

describe('lab import from the generated cluster (test/fixtures/kubectl)', () => {
  it('builds a lab file: nodes in join order with InternalIP and podCIDR, pods by address, services with endpoints', async () => {
    const { kubectl } = replay();
    const text = await importLab(kubectl, { name: 'lab', source: 'context lab' });
    expect(text.split('\n')[0]).toBe('# Imported by `tracelab lab import` from context lab; edit freely.');
    const file = parse(text);
    expect(file.cluster).toEqual({ network: '10.244.0.0/16', serviceNetwork: '10.96.0.0/12', flannel: { backend: 'host-gw', iface: 'eth1' }, joinOrder: ['controlplane', 'node-1', 'node-2'] });
    expect(file.hostOnly).toEqual({ network: '192.168.56.0/24', host: '192.168.56.1', iface: 'eth1' });
    expect(file.nodes.map((n: { name: string; role: string; ip: string; podSubnet: string }) => `${n.name} ${n.role} ${n.ip} ${n.podSubnet}`)).toEqual([
      'controlplane control-plane 192.168.56.10 10.244.0.0/24',
      'node-1 worker 192.168.56.11 10.244.1.0/24',
      'node-2 worker 192.168.56.12 10.244.2.0/24',
    ]);
    // Host-network pods (etcd, kube-proxy, flannel) are the node itself and are left out.
    expect(file.nodes[1].pods).toEqual([
      // Their labels as the cluster's manifests set them (the pods' own; controllers' generated hashes are left out).
      { name: 'nginx', ip: '10.244.1.2', image: 'nginx', labels: { 'app.kubernetes.io/part-of': 'tracelab', 'tracelab.dev/pod': 'nginx' }, listen: ['tcp/80'] },
      { name: 'httpd', ip: '10.244.1.3', image: 'httpd', labels: { 'app.kubernetes.io/part-of': 'tracelab', 'tracelab.dev/pod': 'httpd', 'tracelab.dev/service-httpd': 'true' }, listen: ['tcp/80'] },
    ]);
    expect(file.nodes[0].pods.map((p: { name: string; ip: string; image: string }) => `${p.name} ${p.ip} ${p.image}`)).toEqual([
      'coredns-7c65d6cfc9-4vq8x 10.244.0.2 coredns',
      'coredns-7c65d6cfc9-m2xkd 10.244.0.3 coredns',
    ]);
    // The API server's own service (endpoints are nodes) is not a lab service.
    expect(file.services.map((s: { name: string; ip: string; endpoints: string[] }) => `${s.name} ${s.ip} ${s.endpoints.join(',')}`)).toEqual([
      'kube-dns 10.96.0.10 coredns-7c65d6cfc9-4vq8x,coredns-7c65d6cfc9-m2xkd',
      'httpd 10.96.0.20 httpd',
    ]);
    expect(file.services[0].namespace).toBe('kube-system');
  });

  it('keeps the cluster\'s generated names: kubectl on the imported lab lists the coredns pods and ReplicaSet as the cluster named them', async () => {
    const imported = compileLabText('imported.yaml', await importLab(replay().kubectl));
    const sim = new Simulator(imported);
    expect(sim.run('controlplane', 'kubectl -n kube-system get pods -l k8s-app=kube-dns -o name').stdout).toBe('pod/coredns-7c65d6cfc9-4vq8x\npod/coredns-7c65d6cfc9-m2xkd\n');
    expect(sim.run('controlplane', 'kubectl -n kube-system get rs -o name').stdout).toBe('replicaset.apps/coredns-7c65d6cfc9\n');
  });

  it('compiles to a lab the simulator answers exactly as it answers the three-node lab', async () => {
    const imported = compileLabText('imported.yaml', await importLab(replay().kubectl));
    const three = loadLab('three-node');
    const answers: string[][] = [];
    for (const lab of [imported, three]) {
      const sim = createSimBackend({ seed: 7 });
      await sim.up(lab);
      const out: string[] = [];
      for (const [at, command] of [['node-2', 'traceroute -n 10.244.1.3'], ['node-2', 'ip route'], ['controlplane', 'traceroute -n 192.168.56.11']]) {
        out.push((await sim.run(at!, command!)).stdout);
      }
      answers.push(out);
    }
    expect(answers[0]).toEqual(answers[1]);
    expect(answers[0]![0]).toMatch(/^ 1 {2}192\.168\.56\.11 .*\n 2 {2}10\.244\.1\.3 /m);
    expect(answers[0]![1]).toContain('10.244.1.0/24 via 192.168.56.11 dev eth1');
    // And the real lab's Ansible variables for the imported lab create the same pods on the same nodes.
    const pods = (lab: typeof three) => (groupVars(lab)['tracelab_pods'] as { name: string; node: string; image: string; expected_ip: string }[]).map((p) => `${p.node}/${p.name} ${p.image} ${p.expected_ip}`);
    expect(pods(imported)).toEqual(pods(three));
  });

  it('imports Flannel without --iface as the model-level fault', () => {
    const list = JSON.parse(fixture(ALL)) as K8sList;
    const text = JSON.stringify(list).replace(/,"--iface=eth1"/g, '');
    const lab = labFileFromCluster(clusterObjectsFromList(JSON.parse(text) as K8sList));
    expect(lab.cluster?.flannel).toEqual({ backend: 'host-gw', iface: null });
    expect(lab.hostOnly?.iface).toBeUndefined();
    expect(compileLabText('eth0.yaml', renderLabYaml(lab)).cluster.flannelIface).toBeUndefined();
  });

  it('refuses a cluster whose kubelets run without --node-ip, saying why', () => {
    const text = fixture(ALL).replace(/"address": "192\.168\.56\.1[012]",\n(\s+)"type": "InternalIP"/g, '"address": "10.0.2.15",\n$1"type": "InternalIP"');
    expect(text).not.toBe(fixture(ALL));
    const cluster = clusterObjectsFromList(JSON.parse(text) as K8sList);
    expect(() => labFileFromCluster(cluster)).toThrow(UsageError);
    expect(() => labFileFromCluster(cluster)).toThrow(/several nodes report InternalIP 10\.0\.2\.15: kubelet runs without --node-ip/);
  });

  it('reads the nodes\' status in join order', async () => {
    const status = await readClusterStatus(replay().kubectl);
    expect(formatClusterStatus(status)).toBe(
      [
        'NAME          ROLE           INTERNAL-IP    POD-CIDR       READY',
        'controlplane  control-plane  192.168.56.10  10.244.0.0/24  yes',
        'node-1        worker         192.168.56.11  10.244.1.0/24  yes',
        'node-2        worker         192.168.56.12  10.244.2.0/24  yes',
        '',
      ].join('\n'),
    );
  });
});

describe('the kubectl backend on the generated cluster (test/fixtures/kubectl)', () => {
  it('connects when every node of the lab is there, and says how to import when one is missing', async () => {
    const progress: string[] = [];
    await createKubectlBackend({ kubectl: replay().kubectl }).up(loadLab('three-node'), { progress: (l) => progress.push(l) });
    expect(progress).toEqual(['connected: 3 nodes']);
    const wider = compileLabText('wider.yaml', 'name: wider\nnodes:\n  - { name: controlplane, role: control-plane, ip: 192.168.56.10 }\n  - { name: node-9, ip: 192.168.56.19 }\n');
    await expect(createKubectlBackend({ kubectl: replay().kubectl }).up(wider)).rejects.toThrow(
      /the cluster has no node node-9 of lab wider \(it has controlplane, node-1, node-2\): describe this cluster with `tracelab lab import > lab.yaml`/,
    );
  });

  it('runs a probe in an existing pod with kubectl exec and returns the tool\'s own output', async () => {
    const { kubectl, calls } = replay({}, { 'traceroute: traceroute 10.244.1.3': SEED_TRACE });
    const backend = createKubectlBackend({ kubectl });
    await backend.up(loadLab('three-node'));
    expect(await backend.run('node-2/traceroute', 'traceroute 10.244.1.3')).toEqual({ stdout: SEED_TRACE, stderr: '', exitCode: 0 });
    expect(calls.at(-1)).toEqual(['exec', '--namespace=default', 'traceroute', '--', 'sh', '-c', 'traceroute 10.244.1.3']);
  });

  it('runs a node command in a pinned privileged host-network busybox pod inside the node\'s namespaces, then collects its logs and deletes it', async () => {
    const route = '10.244.1.0/24 via 192.168.56.11 dev eth1\n';
    const { kubectl, calls } = replay({}, { 'ip route show 10.244.1.0/24': route });
    const backend = createKubectlBackend({ kubectl });
    await backend.up(loadLab('three-node'));
    expect(await backend.run('node-2', 'ip route show 10.244.1.0/24')).toEqual({ stdout: route, stderr: '', exitCode: 0 });
    const run = calls.find((c) => c[0] === 'run')!;
    const name = run[1]!;
    expect(name).toMatch(/^tracelab-probe-node-2-[0-9a-f]{6}$/);
    expect(run).toEqual([
      'run', name, '--namespace=default', '--image=busybox:1.36', '--restart=Never', `--labels=${PROBE_LABEL}=true`, '--override-type=strategic',
      `--overrides=${probeOverrides('node-2', true, name)}`, '--command', '--',
      // The node's own namespaces and tools (busybox has nsenter), as over ssh.
      'nsenter', '-t', '1', '-m', '-u', '-i', '-n', '-p', '--', 'sh', '-c', 'ip route show 10.244.1.0/24',
    ]);
    expect(JSON.parse(probeOverrides('node-2', true, name)).spec).toMatchObject({
      nodeSelector: { 'kubernetes.io/hostname': 'node-2' },
      hostNetwork: true,
      containers: [{ name, securityContext: { privileged: true } }],
    });
    expect(calls.map((c) => c[0])).toEqual(['get', 'run', 'get', 'logs', 'get', 'delete']);
  });

  it('runs in a pod the cluster lacks the seed article\'s way: a busybox pod pinned to that pod\'s node', async () => {
    const lab = compileLabText('extra.yaml', readFileSync(resolve(import.meta.dirname, '..', 'topology', 'labs', 'three-node.yaml'), 'utf8').replace('      - name: netshoot\n', '      - name: probe\n        image: busybox\n      - name: netshoot\n'));
    const { kubectl, calls } = replay({}, { 'traceroute 10.244.1.3': SEED_TRACE });
    const backend = createKubectlBackend({ kubectl });
    await backend.up(lab);
    expect((await backend.run('probe', 'traceroute 10.244.1.3')).stdout).toBe(SEED_TRACE);
    const overrides = JSON.parse(calls.find((c) => c[0] === 'run')!.find((a) => a.startsWith('--overrides='))!.slice('--overrides='.length));
    expect(overrides.spec.nodeSelector).toEqual({ 'kubernetes.io/hostname': 'node-2' });
    expect(overrides.spec.hostNetwork).toBeUndefined();
  });

  it('runs nothing on the workstation or an external host', async () => {
    const backend = createKubectlBackend({ kubectl: replay().kubectl });
    await backend.up(loadLab('three-node'));
    await expect(backend.run('host', 'ip route add 10.244.0.0/16 via 192.168.56.10')).rejects.toThrow(/^place "host" is the workstation itself: tracelab runs no scenario commands on your machine/);
    await expect(backend.run('api.example.com', 'true')).rejects.toThrow(/^place "api\.example\.com" is an external host; on a real cluster commands run on nodes and in pods only/);
  });

  it('down removes only the probe pods it may have left, by label', async () => {
    const { kubectl, calls } = replay();
    const backend = createKubectlBackend({ kubectl });
    await backend.up(loadLab('three-node'));
    await backend.down();
    expect(calls.at(-1)).toEqual(['delete', 'pods', '--all-namespaces', `--selector=${PROBE_LABEL}=true`, '--wait=false', '--ignore-not-found']);
    await expect(backend.run('node-1', 'true')).rejects.toThrow(/not connected: call up\(lab\) first/);
  });

  it('quotes kubectl\'s argv for the control plane\'s shell (the vagrant backend runs it through vagrant ssh -c)', async () => {
    // The remote side is a POSIX shell: run the quoted line through a real sh that prints each word it received.
    const seen: string[] = [];
    const remote = remoteKubectl(async (command) => {
      seen.push(command);
      return runArgv(['sh', '-c', command.replace(/^kubectl /, "printf '[%s]\\n' ")]);
    });
    const argv = probeRunArgs('tracelab-probe-node-2-abc123', { node: 'node-2', command: "traceroute -n 10.244.1.3 2>&1; echo \"it's $?\"", hostNetwork: true });
    const result = await remote(argv);
    expect(seen[0]!.startsWith('kubectl run tracelab-probe-node-2-abc123 ')).toBe(true);
    expect(result.stdout).toBe(argv.map((a) => `[${a}]\n`).join(''));
  });

  it('turns a failed kubectl call into one line with the fix', async () => {
    await expect(kubectlJson(replay().kubectl, ['get', 'secrets'])).rejects.toThrow(/^kubectl get secrets failed: error: the recording has no output/);
  });
});

const HAVE_KUBECTL = spawnSync('kubectl', ['version', '--client'], { stdio: 'ignore' }).status === 0;
if (!HAVE_KUBECTL) console.log('kubectl-backend: skipping the real-kubectl error tests: kubectl is not installed');

describe.skipIf(!HAVE_KUBECTL)('kubectl\'s real error messages', { timeout: 60_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'tracelab-kubectl-'));
  temps.push(dir);
  const config = join(dir, 'kubeconfig');
  // A cluster on a port nothing listens on: kubectl fails at once with "connection ... refused".
  writeFileSync(config, 'apiVersion: v1\nkind: Config\nclusters:\n- cluster: {server: "https://127.0.0.1:1"}\n  name: dead\ncontexts:\n- context: {cluster: dead, user: u}\n  name: dead\ncurrent-context: dead\nusers:\n- name: u\n  user: {token: x}\n');

  it('says the cluster cannot be reached', async () => {
    await expect(kubectlJson(localKubectl({ kubeconfig: config }), ['get', 'nodes'])).rejects.toThrow(/^kubectl cannot reach the cluster \(.*127\.0\.0\.1:1.*refused.*\): check --kubeconfig\/--context/);
  });

  it('says a context does not exist, and a kubeconfig file is missing', async () => {
    const noContext = await localKubectl({ kubeconfig: config, context: 'nope' })(['get', 'nodes', '--output=json']);
    expect(kubectlFailure(['get', 'nodes'], noContext)).toMatch(/^kubectl has no usable configuration \(.*nope.*\): pass --kubeconfig FILE and --context NAME/);
    const missing = await localKubectl({ kubeconfig: join(dir, 'absent') })(['get', 'nodes', '--output=json']);
    expect(kubectlFailure(['get', 'nodes'], missing)).toMatch(/^the kubeconfig file does not exist \(stat .*absent: no such file or directory\)/);
  });

  /** Runs the CLI in-process; returns the exit code and what it wrote to stderr. */
  async function cliErrors(argv: string[]): Promise<{ code: number; stderr: string }> {
    const errors: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string) => (errors.push(String(chunk)), true)) as typeof process.stderr.write;
    try {
      return { code: await main(argv), stderr: errors.join('') };
    } finally {
      process.stderr.write = write;
    }
  }

  it('tracelab lab import and lab status --backend kubectl print one line and exit 2 when the cluster is unreachable', async () => {
    for (const argv of [['lab', 'import', '--kubeconfig', config], ['lab', 'status', '--backend', 'kubectl', '--kubeconfig', config]]) {
      const r = await cliErrors(argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/^tracelab: kubectl cannot reach the cluster \(The connection to the server 127\.0\.0\.1:1 was refused.*\): check --kubeconfig\/--context, or bring the lab up\n$/);
    }
  });
});
