// The real kubectl binary, pointed at a read-only API server holding the simulator's objects, is the reference for
// every client-side printer: describe (svc, endpoints, pod, node), -o json|yaml|name|jsonpath|custom-columns.
import { spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { describe, expect, it } from 'vitest';
import { kubectlAgainst } from './helpers/kubectl-against.js';
import { readFileSync } from 'node:fs';
import { compileLabText } from '../topology/compile.js';
import { Simulator } from '../sim/simulator.js';
import { commandWords } from '../sim/words.js';
import { LAB_EPOCH_MS } from '../sim/commands/kubectl/api-meta.js';
import { parseKubectlArgs } from '../sim/commands/kubectl/args.js';
import { kubectlResource } from '../sim/commands/kubectl/registry.js';
import { kubeClusterOf } from '../sim/kube-state.js';
import '../sim/commands/kubectl.js';

const HAVE_KUBECTL = spawnSync('kubectl', ['version', '--client'], { stdio: 'ignore' }).status === 0;
if (!HAVE_KUBECTL) console.log('kubectl-real-printers: skipping: kubectl is not installed (https://kubernetes.io/docs/tasks/tools/)');

type Obj = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string> }; spec?: Record<string, unknown> };

/** The kinds served, with the short names kube-apiserver's discovery gives them, in its order (a group's resources sorted). */
const KINDS = [
  { kind: 'Node', resource: 'nodes', gv: 'v1', namespaced: false, shortNames: ['no'] },
  { kind: 'Namespace', resource: 'namespaces', gv: 'v1', namespaced: false, shortNames: ['ns'] },
  { kind: 'Pod', resource: 'pods', gv: 'v1', namespaced: true, shortNames: ['po'] },
  { kind: 'Service', resource: 'services', gv: 'v1', namespaced: true, shortNames: ['svc'] },
  { kind: 'Endpoints', resource: 'endpoints', gv: 'v1', namespaced: true, shortNames: ['ep'] },
  { kind: 'Event', resource: 'events', gv: 'v1', namespaced: true, shortNames: ['ev'] },
  { kind: 'DaemonSet', resource: 'daemonsets', gv: 'apps/v1', namespaced: true, shortNames: ['ds'] },
  { kind: 'Deployment', resource: 'deployments', gv: 'apps/v1', namespaced: true, shortNames: ['deploy'] },
  { kind: 'ReplicaSet', resource: 'replicasets', gv: 'apps/v1', namespaced: true, shortNames: ['rs'] },
  { kind: 'EndpointSlice', resource: 'endpointslices', gv: 'discovery.k8s.io/v1', namespaced: true, shortNames: [] },
  { kind: 'Lease', resource: 'leases', gv: 'coordination.k8s.io/v1', namespaced: true, shortNames: [] },
] as const;
/** The resources kube-apiserver's discovery puts in the `all` category (of those served here). */
const ALL: readonly string[] = ['pods', 'services', 'daemonsets', 'deployments', 'replicasets'];
const GROUPS = ['v1', 'apps/v1', 'discovery.k8s.io/v1', 'coordination.k8s.io/v1'];

const prefix = (gv: string) => (gv === 'v1' ? '/api/v1' : `/apis/${gv}`);

/** Lists filtered by namespace and by the equality selectors describe uses (spec.nodeName, involvedObject.name, labels). */
function list(objects: readonly Obj[], kind: string, gv: string, ns: string | undefined, query: URLSearchParams) {
  let items = objects.filter((o) => o.kind === kind && (ns === undefined || o.metadata.namespace === ns));
  for (const term of (query.get('fieldSelector') ?? '').split(',').filter((t) => t !== '')) {
    const [, path, not, value] = /^([^!=]+)(!?)=(.*)$/.exec(term)!;
    items = items.filter((o) => (String(path!.split('.').reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], o) ?? '') === value) !== (not === '!'));
  }
  for (const term of (query.get('labelSelector') ?? '').split(',').filter((t) => t !== '')) {
    const [key, value] = term.split('=');
    items = items.filter((o) => o.metadata.labels?.[key!] === value);
  }
  return { kind: `${kind}List`, apiVersion: gv, metadata: { resourceVersion: '4711' }, items: items.map(({ kind: _k, apiVersion: _a, ...rest }) => rest) };
}

/** A meta.k8s.io/v1 Table for OBJECTS of KIND (what kube-apiserver answers a kubectl get), or undefined. */
type TableOf = (kind: string, objects: readonly Obj[]) => unknown;

/** The API server's 404 for a named object (errors.NewNotFound: `RESOURCE[.GROUP] "NAME" not found`). */
function notFound(path: string): unknown {
  const k = KINDS.find((x) => new RegExp(`^${prefix(x.gv)}(?:/namespaces/[^/]+)?/${x.resource}/[^/]+$`).test(path));
  const name = path.split('/').pop();
  const resource = k ? `${k.resource}${k.gv.includes('/') ? `.${k.gv.split('/')[0]}` : ''}` : 'resource';
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: `${resource} "${name}" not found`, reason: 'NotFound', details: { name }, code: 404 };
}

function apiServer(objects: readonly Obj[], tableOf?: TableOf): Server {
  const groups = GROUPS.slice(1).map((gv) => ({ name: gv.split('/')[0], versions: [{ groupVersion: gv, version: 'v1' }], preferredVersion: { groupVersion: gv, version: 'v1' } }));
  const discovery = new Map<string, unknown>([
    ['/api', { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1:6443' }] }],
    ['/apis', { kind: 'APIGroupList', apiVersion: 'v1', groups }],
  ]);
  for (const gv of GROUPS) {
    const resources = KINDS.filter((k) => k.gv === gv).map((k) => ({ name: k.resource, singularName: k.kind.toLowerCase(), namespaced: k.namespaced, kind: k.kind, verbs: ['get', 'list'], shortNames: k.shortNames, ...(ALL.includes(k.resource) ? { categories: ['all'] } : {}) }));
    discovery.set(prefix(gv), { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: gv, resources });
  }
  return createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://apiserver');
    let body: unknown = discovery.get(url.pathname);
    for (const k of KINDS) {
      const m = new RegExp(`^${prefix(k.gv)}(?:/namespaces/([^/]+))?/${k.resource}(?:/([^/]+))?$`).exec(url.pathname);
      if (!m) continue;
      if (m[2] === undefined) body = list(objects, k.kind, k.gv, m[1], url.searchParams);
      else body = objects.find((o) => o.kind === k.kind && o.metadata.name === m[2] && (m[1] === undefined || o.metadata.namespace === m[1]));
    }
    const asTable = tableOf && (req.headers.accept ?? '').includes('as=Table') && body && typeof body === 'object' && 'metadata' in body;
    if (asTable) {
      const b = body as { kind: string; items?: Obj[] } & Obj;
      body = b.items ? tableOf(b.kind.replace(/List$/, ''), b.items.map((o) => ({ ...o, kind: b.kind.replace(/List$/, '') }))) : tableOf(b.kind, [b]);
    }
    res.writeHead(body ? 200 : 404, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body ?? notFound(url.pathname)));
  });
}

describe.skipIf(!HAVE_KUBECTL)('the real kubectl prints the simulator\'s objects as the simulator does', { timeout: 60_000 }, () => {
  // The three-node lab and a NodePort Service with a named port (describe's NodePort and External Traffic Policy).
  const text = readFileSync('topology/labs/three-node.yaml', 'utf8')
    .replace('\nexternals:', '\n  - name: web\n    type: NodePort\n    ip: 10.96.0.30\n    selector: { app: nginx }\n    ports:\n      - { name: http, protocol: tcp, port: 8080, targetPort: 80 }\nexternals:');
  const sim = new Simulator(compileLabText('three-node.yaml', text));
  // The simulated clock at the real one, so that the ages real kubectl computes from the timestamps agree (the pods'
  // events have long expired then: the server below serves none).
  // A whole second, so that the few milliseconds each command takes on the simulated clock never change a timestamp.
  // A coredns pod deleted 30 minutes before: its replacement's events are still kept (their ages, "30m", come from
  // the real clock in the real kubectl: the events test masks the minutes).
  sim.advance(Math.floor((Date.now() - LAB_EPOCH_MS) / 1000) * 1000 - 30 * 60_000);
  const simKubectl = (line: string) => sim.run('controlplane', `kubectl ${line}`);
  const coredns0 = sim.run('controlplane', 'kubectl -n kube-system get pods -l k8s-app=kube-dns -o name').stdout.split('\n')[0]!;
  sim.run('controlplane', `kubectl -n kube-system delete ${coredns0}`);
  sim.advance(30 * 60_000 - (sim.dp.nowMs % 1000));
  const objects: Obj[] = ['pods', 'svc', 'ep', 'nodes', 'ns', 'deploy', 'ds', 'rs', 'endpointslices', 'events']
    .flatMap((r) => (JSON.parse(simKubectl(`get ${r} -A -o json`).stdout) as { items: Obj[] }).items);
  // kubelet's node leases (kube-node-lease), renewed now.
  for (const node of objects.filter((o) => o.kind === 'Node')) {
    const renew = new Date(LAB_EPOCH_MS + sim.dp.nowMs).toISOString().replace(/\.\d+Z$/, '.000000Z');
    objects.push({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: node.metadata.name, namespace: 'kube-node-lease' }, spec: { holderIdentity: node.metadata.name, leaseDurationSeconds: 40, renewTime: renew } });
  }
  // The Table the API server would build: the simulator's columns for those objects (wide columns at priority 1).
  const tableOf: TableOf = (kind, objs) => {
    const r = kubectlResource(kind.toLowerCase())!;
    const parsed = parseKubectlArgs(['get']);
    if (!parsed.ok) throw new Error(parsed.message);
    const call = { args: parsed.args, cluster: kubeClusterOf(sim), nowMs: sim.dp.nowMs, ctx: { sim, device: 'controlplane', state: sim.dp.state('controlplane') }, namespace: 'default' };
    const all = r.list(call);
    const items = objs.map((o) => all.find((i) => i.name === o.metadata.name && i.namespace === o.metadata.namespace)!);
    const narrow = r.table(items, call, false);
    const wide = r.table(items, call, true);
    return {
      kind: 'Table', apiVersion: 'meta.k8s.io/v1', metadata: { resourceVersion: '4711' },
      columnDefinitions: wide.header.map((name, i) => ({ name, type: 'string', format: i === 0 ? 'name' : '', description: '', priority: i < narrow.header.length ? 0 : 1 })),
      rows: wide.rows.map((cells, i) => ({ cells, object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: objs[i]!.metadata } })),
    };
  };
  const server = apiServer(objects, tableOf);
  const { kubectl } = kubectlAgainst(server, 'sim');

  const same = async (line: string) => {
    const words = commandWords(line);
    if (!words.ok) throw new Error(line);
    const real = await kubectl(words.words);
    expect(real.exitCode, real.stderr).toBe(0);
    expect(simKubectl(line).stdout, line).toBe(real.stdout);
  };

  /** Same stdout, stderr and exit status (the table layouts: -A, -o wide, --show-labels, several types, none found). */
  const sameTerminal = async (line: string) => {
    const words = commandWords(line);
    if (!words.ok) throw new Error(line);
    const real = await kubectl(words.words);
    const mine = simKubectl(line);
    expect({ stdout: mine.stdout, stderr: mine.stderr, exit: mine.exitCode }, line).toEqual({ stdout: real.stdout, stderr: real.stderr, exit: real.exitCode });
  };

  it('lays tables out as kubectl does around the server\'s columns (namespaces, wide, labels, several types)', async () => {
    for (const line of [
      'get pods -A', '-n kube-system get pods -o wide', 'get pods --show-labels', 'get all -A', 'get all', 'get svc,ep -A',
      'get nodes -o wide', '-n kube-system get ds,deploy,rs -o wide', 'get endpointslices -A', 'get ns', 'get pods -n nope',
      'get pods -A -l k8s-app=kube-dns', 'get svc -o wide', 'get pods -n nope -o json', 'get pods -n nope -o name', 'get pods -n nope -o yaml',
      'get pods -n nope -o jsonpath={.items[*].metadata.name}', 'get pods -n nope -o custom-columns=NAME:.metadata.name',
      'get pods --field-selector spec.nodeName=node-1 -o wide', 'get pods,svc -n kube-system -o name', 'get pod/httpd svc/httpd', 'get pod httpd', 'get pod nope', '-n kube-system get deploy coredns',
    ]) await sameTerminal(line);
  });

  it('answers a line without what the verb needs with the real texts', async () => {
    for (const line of ['get', 'describe', 'get pods --bogus', 'get pods -n', 'logs -c', 'logs', 'patch svc httpd', 'scale --replicas=1', 'delete', 'label pod httpd']) await sameTerminal(line);
    // The required-flag error is klog's line: time and process id differ; the rest is the same.
    const real = await kubectl(['scale', 'deploy', 'coredns']);
    const mask = (t: string) => t.replace(/^E\d{4} [\d:.]+ +\d+ /, 'E ');
    expect(mask(simKubectl('scale deploy coredns').stderr)).toBe(mask(real.stderr));
  });

  it('describe service and endpoints', async () => {
    await same('describe svc httpd');
    await same('describe svc web');
    await same('-n kube-system describe svc kube-dns');
    await same('describe endpoints httpd');
    await same('-n kube-system describe endpoints kube-dns');
  });

  it('describe pod (a bare pod, a coredns replica, a host-network DaemonSet pod, a static pod)', async () => {
    await same('describe pod httpd');
    // The replica that was not replaced (its events have expired, as the others').
    const coredns = simKubectl('-n kube-system get pods -l k8s-app=kube-dns -o name').stdout.split('\n').map((n) => n.slice('pod/'.length)).find((n) => `pod/${n}` !== coredns0 && n !== '' && !/ 30m\n/.test(simKubectl(`-n kube-system get pod ${n}`).stdout))!;
    await same(`-n kube-system describe pod ${coredns}`);
    const proxy = simKubectl('-n kube-system get pods -l k8s-app=kube-proxy -o name').stdout.split('\n')[0]!.slice('pod/'.length);
    await same(`-n kube-system describe pod ${proxy}`);
    await same('-n kube-system describe pod etcd-controlplane');
  });

  it('describe node', async () => {
    await same('describe node node-1');
  });

  it('events: describe of a pod started 30 minutes ago, and get events', async () => {
    const young = simKubectl('-n kube-system get pods -l k8s-app=kube-dns -o name').stdout.split('\n').map((n) => n.slice(4)).find((n) => / 30m\n/.test(simKubectl(`-n kube-system get pod ${n}`).stdout))!;
    const minutes = (t: string) => t.replace(/\b(29|30|31)m\b/g, 'MMm');
    for (const line of [`-n kube-system describe pod ${young}`, '-n kube-system get events', 'get events -A']) {
      const words = commandWords(line);
      if (!words.ok) throw new Error(line);
      const real = await kubectl(words.words);
      expect(minutes(simKubectl(line).stdout), line).toBe(minutes(real.stdout));
    }
  });

  it('describe deployment and daemonset', async () => {
    await same('-n kube-system describe deploy coredns');
    await same('-n kube-flannel describe ds kube-flannel-ds');
    await same('-n kube-system describe ds kube-proxy');
  });

  it('-o json, yaml and name for single objects and lists', async () => {
    await same('get pod httpd -o json');
    await same('get pods -A -o yaml');
    await same('-n kube-system get deploy coredns -o yaml');
    await same('get svc,ep -A -o name');
    await same('get nodes -o json');
  });

  it('-o jsonpath and custom-columns', async () => {
    await same('get pods -A -o jsonpath={.items[*].metadata.name}');
    await same(`get nodes -o 'jsonpath={range .items[*]}{.metadata.name}{"\\t"}{.status.addresses[?(@.type=="InternalIP")].address}{"\\n"}{end}'`);
    await same('get pods -A -o custom-columns=NAME:.metadata.name,IP:.status.podIP,NODE:.spec.nodeName');
    await same('-n kube-system get ds -o custom-columns=NAME:.metadata.name,SELECTOR:.spec.selector.matchLabels');
  });
});
