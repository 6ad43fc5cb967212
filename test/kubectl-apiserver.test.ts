// The real kubectl against a read-only API server holding test/fixtures/kubectl (objects generated from the model, not captured): byte-exact printing, import, status, up.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createKubectlBackend } from '../lab/kubectl/backend.js';
import { kubectlAgainst } from './helpers/kubectl-against.js';
import { importLab, type K8sList, type K8sObject } from '../lab/kubectl/import.js';
import { formatClusterStatus, readClusterStatus } from '../lab/kubectl/status.js';
import { loadLab } from '../topology/compile.js';

const FIXTURES = resolve(import.meta.dirname, 'fixtures', 'kubectl');
const fixture = (name: string) => readFileSync(join(FIXTURES, name), 'utf8');
const HAVE_KUBECTL = spawnSync('kubectl', ['version', '--client'], { stdio: 'ignore' }).status === 0;
if (!HAVE_KUBECTL) console.log('kubectl-apiserver: skipping: kubectl is not installed (https://kubernetes.io/docs/tasks/tools/)');

/** Kinds the lab reads, with their API paths (cluster-wide lists) and group versions. */
const KINDS = [
  { kind: 'Node', resource: 'nodes', groupVersion: 'v1', namespaced: false },
  { kind: 'Pod', resource: 'pods', groupVersion: 'v1', namespaced: true },
  { kind: 'Service', resource: 'services', groupVersion: 'v1', namespaced: true },
  { kind: 'Endpoints', resource: 'endpoints', groupVersion: 'v1', namespaced: true },
  { kind: 'ConfigMap', resource: 'configmaps', groupVersion: 'v1', namespaced: true },
  { kind: 'DaemonSet', resource: 'daemonsets', groupVersion: 'apps/v1', namespaced: true },
] as const;

/** Answers GETs the way kube-apiserver does for these objects: legacy discovery, lists, single objects, 404 Status. */
function apiServer(objects: readonly K8sObject[]): Server {
  const prefix = (gv: string) => (gv === 'v1' ? '/api/v1' : `/apis/${gv}`);
  const routes = new Map<string, unknown>([
    ['/api', { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1:6443' }] }],
    ['/apis', { kind: 'APIGroupList', apiVersion: 'v1', groups: [{ name: 'apps', versions: [{ groupVersion: 'apps/v1', version: 'v1' }], preferredVersion: { groupVersion: 'apps/v1', version: 'v1' } }] }],
  ]);
  for (const gv of ['v1', 'apps/v1']) {
    const resources = KINDS.filter((k) => k.groupVersion === gv).map((k) => ({ name: k.resource, singularName: k.kind.toLowerCase(), namespaced: k.namespaced, kind: k.kind, verbs: ['get', 'list'] }));
    routes.set(prefix(gv), { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: gv, resources });
  }
  for (const k of KINDS) {
    const items = objects.filter((o) => o.kind === k.kind);
    const bare = items.map(({ kind: _kind, apiVersion: _apiVersion, ...rest }: K8sObject & { apiVersion?: string }) => rest);
    routes.set(`${prefix(k.groupVersion)}/${k.resource}`, { kind: `${k.kind}List`, apiVersion: k.groupVersion, metadata: { resourceVersion: '4711' }, items: bare });
    for (const o of items) {
      const ns = o.metadata.namespace ? `/namespaces/${o.metadata.namespace}` : '';
      routes.set(`${prefix(k.groupVersion)}${ns}/${k.resource}/${o.metadata.name}`, o);
    }
  }
  return createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://apiserver').pathname;
    const body = req.method === 'GET' ? routes.get(path) : undefined;
    res.writeHead(body ? 200 : 404, { 'content-type': 'application/json' });
    const name = path.split('/').pop();
    res.end(JSON.stringify(body ?? { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: `"${name}" not found`, reason: 'NotFound', details: { name }, code: 404 }));
  });
}

describe.skipIf(!HAVE_KUBECTL)('the real kubectl on the generated cluster (test/fixtures/kubectl)', { timeout: 60_000 }, () => {
  const list = JSON.parse(fixture('get-nodes-pods-services-endpoints-daemonsets.json')) as K8sList;
  const configmaps = ['get-configmap-kube-system-kubeadm-config.json', 'get-configmap-kube-flannel-kube-flannel-cfg.json'].map((f) => JSON.parse(fixture(f)) as K8sObject);
  const server = apiServer([...list.items, ...configmaps]);
  const { kubectl, kubeconfig: kubeconfigPath } = kubectlAgainst(server, 'recorded');

  it('prints the fixtures byte for byte for the commands the backend runs', async () => {
    const cases: [string[], string][] = [
      [['get', 'nodes,pods,services,endpoints,daemonsets', '--all-namespaces', '--output=json'], 'get-nodes-pods-services-endpoints-daemonsets.json'],
      [['get', 'nodes', '--output=json'], 'get-nodes.json'],
      [['get', 'configmap', 'kubeadm-config', '--namespace=kube-system', '--ignore-not-found', '--output=json'], 'get-configmap-kube-system-kubeadm-config.json'],
      [['get', 'configmap', 'kube-flannel-cfg', '--namespace=kube-flannel', '--ignore-not-found', '--output=json'], 'get-configmap-kube-flannel-kube-flannel-cfg.json'],
    ];
    for (const [args, file] of cases) {
      const result = await kubectl(args);
      expect(result.exitCode, result.stderr).toBe(0);
      expect(result.stdout, file).toBe(fixture(file));
    }
    // A config map the cluster does not have: nothing, exit 0 (the import then looks in the other namespace).
    expect(await kubectl(['get', 'configmap', 'kube-flannel-cfg', '--namespace=kube-system', '--ignore-not-found', '--output=json'])).toEqual({ stdout: '', stderr: '', exitCode: 0 });
  });

  it('imports the lab and reads the nodes through the real binary', async () => {
    const text = await importLab(kubectl, { name: 'recorded', source: 'context recorded' });
    expect(text).toContain('  joinOrder:\n    - controlplane\n    - node-1\n    - node-2\n');
    expect(text).toContain('    ip: 192.168.56.12\n    podSubnet: 10.244.2.0/24\n');
    expect(formatClusterStatus(await readClusterStatus(kubectl))).toContain('node-2        worker         192.168.56.12  10.244.2.0/24  yes\n');
  });

  it('connects the kubectl backend to the three-node lab', async () => {
    const progress: string[] = [];
    const backend = createKubectlBackend({ kubeconfig: kubeconfigPath() });
    await backend.up(loadLab('three-node'), { progress: (line) => progress.push(line) });
    expect(progress).toEqual(['connected: 3 nodes']);
  });
});
