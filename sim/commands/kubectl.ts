// `kubectl get nodes|pods|svc [-o wide] [-A | -n NS]` over the lab model, in kubectl's table format (tabwriter:
// columns padded by 3, at least 6 wide) with ages from the simulated clock. Values the model does not carry
// (OS image, kernel, runtime) are the bento/debian-12 box's, stated as constants below.
import { formatIp } from '../../topology/address.js';
import type { Device, Service } from '../../topology/model.js';
import { targetPortOf } from '../../topology/plan-services.js';
import type { CommandResult } from '../../topology/trace.js';
import type { CommandContext } from './index.js';
import { fail, ok, unsupported } from './output.js';
import { kubectlDescribe, NETWORK_POLICY_NAMES, networkPolicyRows } from './kubectl-policy.js';

/** The cluster was built this long before the lab's simulated clock starts; each later join came 5 minutes after. */
const CLUSTER_AGE_MS = 60 * 60_000;
const JOIN_GAP_MS = 5 * 60_000;
/** Pods and services were created after the last join. */
const WORKLOAD_AGE_MS = 40 * 60_000;
const BOX_OS = 'Debian GNU/Linux 12 (bookworm)';
const BOX_KERNEL = '6.1.0-28-amd64';
const RUNTIME = 'containerd://1.6.20';

/** k8s.io/apimachinery duration.HumanDuration. */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) return hours % 24 === 0 ? `${Math.floor(hours / 24)}d` : `${Math.floor(hours / 24)}d${hours % 24}h`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
  const days = Math.floor(hours / 24);
  if (hours < 24 * 365 * 8) return days % 365 === 0 ? `${Math.floor(days / 365)}y` : `${Math.floor(days / 365)}y${days % 365}d`;
  return `${Math.floor(days / 365)}y`;
}

/** kubectl's tabwriter: every column but the last padded to its widest cell + 3, at least 6. */
function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, i) => Math.max(6, ...rows.map((r) => r[i]!.length + 3)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('')).join('\n') + '\n';
}

/** A pod's namespace: the model's, else (hand-built models) that of a Service it backs. */
function podNamespace(pod: Device, services: readonly Service[]): string {
  return pod.namespace ?? services.find((s) => s.endpoints.includes(pod.id))?.namespace ?? 'default';
}

/** kubectl's SELECTOR column: the selector's labels sorted by key (labels.SelectorFromSet), or <none>. */
function selectorText(s: Service): string {
  const entries = Object.entries(s.selector ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return entries.length === 0 ? '<none>' : entries.map(([k, v]) => `${k}=${v}`).join(',');
}

interface GetOptions {
  wide: boolean;
  all: boolean;
  namespace: string;
  /** `kubectl get pod NAME`: only that object. */
  name?: string;
}

/** The rows of one resource type, or kubectl's answer when a named object or the namespace has none. */
function finish(kind: string, opts: GetOptions, header: string[], rows: string[][], names: string[]): CommandResult {
  if (opts.name !== undefined) {
    const keep = rows.filter((_, i) => names[i] === opts.name);
    if (keep.length === 0) return fail(`Error from server (NotFound): ${kind} "${opts.name}" not found`, 1);
    return ok(table([header, ...keep]));
  }
  if (rows.length === 0) return fail(kind === 'nodes' ? 'No resources found' : `No resources found in ${opts.namespace} namespace.`, 0);
  return ok(table([header, ...rows]));
}

export function kubectl(args: readonly string[], ctx: CommandContext): CommandResult {
  const kind = ctx.state.device.kind;
  if (kind !== 'node' && kind !== 'host') return fail('sh: kubectl: not found', 127);
  if (args[0] === 'describe') return kubectlDescribe(args.slice(1), ctx);
  if (args[0] !== 'get') return args.length === 0 ? unsupported('kubectl without a command') : unsupported(`kubectl ${args[0]}`);
  const opts: GetOptions = { wide: false, all: false, namespace: 'default' };
  let resource: string | undefined;
  for (let i = 1; i < args.length; i++) {
    const a = args[i]!;
    if (a === '-o' || a === '--output') {
      const v = args[++i];
      if (v !== 'wide') return unsupported(`kubectl get -o ${v ?? ''}`);
      opts.wide = true;
    } else if (a === '-owide' || a === '--output=wide') opts.wide = true;
    else if (a === '-A' || a === '--all-namespaces') opts.all = true;
    else if (a === '-n' || a === '--namespace') {
      const v = args[++i];
      if (v === undefined) return fail('error: flag needs an argument: \'n\' in -n', 1);
      opts.namespace = v;
    } else if (a.startsWith('--namespace=')) opts.namespace = a.slice('--namespace='.length);
    else if (a.startsWith('-')) return unsupported(`kubectl get ${a}`);
    else if (resource === undefined) resource = a;
    else if (opts.name === undefined) opts.name = a;
    else return unsupported('kubectl get of several named objects');
  }
  if (resource === undefined) return unsupported('kubectl get without a resource type');
  const now = ctx.sim.dp.nowMs;
  if (['no', 'node', 'nodes'].includes(resource)) return getNodes(ctx, opts, now);
  if (['po', 'pod', 'pods'].includes(resource)) return getPods(ctx, opts, now);
  if (['svc', 'service', 'services'].includes(resource)) return getServices(ctx, opts, now);
  if (['ep', 'endpoints'].includes(resource)) return getEndpoints(ctx, opts, now);
  if (NETWORK_POLICY_NAMES.includes(resource)) {
    const t = networkPolicyRows(ctx.sim.model, opts, humanDuration(WORKLOAD_AGE_MS + now));
    return finish('networkpolicies.networking.k8s.io', opts, t.header, t.rows, t.names);
  }
  return fail(`error: the server doesn't have a resource type "${resource}"`, 1);
}

function getNodes(ctx: CommandContext, opts: GetOptions, now: number): CommandResult {
  const model = ctx.sim.model;
  const order = model.cluster.joinOrder;
  const nodes = model.devices.filter((d) => d.kind === 'node' && order.includes(d.id)).sort((a, b) => (a.id < b.id ? -1 : 1));
  const header = ['NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION'];
  if (opts.wide) header.push('INTERNAL-IP', 'EXTERNAL-IP', 'OS-IMAGE', 'KERNEL-VERSION', 'CONTAINER-RUNTIME');
  const rows = nodes.map((d: Device) => {
    const age = humanDuration(CLUSTER_AGE_MS - order.indexOf(d.id) * JOIN_GAP_MS + now);
    const row = [d.id, 'Ready', d.role === 'control-plane' ? 'control-plane' : '<none>', age, `v${model.vm.kubernetesVersion}.0`];
    if (opts.wide) row.push(d.internalIp !== undefined ? formatIp(d.internalIp) : '<none>', '<none>', BOX_OS, BOX_KERNEL, RUNTIME);
    return row;
  });
  return finish('nodes', opts, header, rows, nodes.map((d) => d.id));
}

function getPods(ctx: CommandContext, opts: GetOptions, now: number): CommandResult {
  const model = ctx.sim.model;
  const pods = model.devices
    .filter((d) => d.kind === 'pod')
    .map((d) => ({ d, ns: podNamespace(d, model.services) }))
    .filter((p) => opts.all || p.ns === opts.namespace)
    .sort((a, b) => (a.ns === b.ns ? (a.d.id < b.d.id ? -1 : 1) : a.ns < b.ns ? -1 : 1));
  const header = [...(opts.all ? ['NAMESPACE'] : []), 'NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE'];
  if (opts.wide) header.push('IP', 'NODE', 'NOMINATED NODE', 'READINESS GATES');
  const age = humanDuration(WORKLOAD_AGE_MS + now);
  const rows = pods.map(({ d, ns }) => {
    const ipText = d.interfaces.find((i) => i.name === 'eth0')?.addrs[0];
    const row = [...(opts.all ? [ns] : []), d.id, '1/1', 'Running', '0', age];
    if (opts.wide) row.push(ipText ? formatIp(ipText.ip) : '<none>', d.node ?? '<none>', '<none>', '<none>');
    return row;
  });
  return finish('pods', opts, header, rows, pods.map((p) => p.d.id));
}

function getServices(ctx: CommandContext, opts: GetOptions, now: number): CommandResult {
  const services = visibleServices(ctx, opts);
  const header = [...(opts.all ? ['NAMESPACE'] : []), 'NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE'];
  if (opts.wide) header.push('SELECTOR');
  const age = humanDuration(WORKLOAD_AGE_MS + now);
  const rows = services.map((s) => {
    const ports = s.ports.map((p) => `${p.port}${p.nodePort !== undefined ? `:${p.nodePort}` : ''}/${p.protocol.toUpperCase()}`).join(',');
    const row = [...(opts.all ? [s.namespace] : []), s.name, s.type ?? 'ClusterIP', formatIp(s.ip), '<none>', ports, age];
    if (opts.wide) row.push(selectorText(s));
    return row;
  });
  return finish('services', opts, header, rows, services.map((s) => s.name));
}

function visibleServices(ctx: CommandContext, opts: GetOptions): Service[] {
  return ctx.sim.model.services
    .filter((s) => opts.all || s.namespace === opts.namespace)
    .sort((a, b) => (a.namespace === b.namespace ? (a.name < b.name ? -1 : 1) : a.namespace < b.namespace ? -1 : 1));
}

/** Endpoints as kubectl prints them: IP:PORT per port and address (addresses in IP order), at most 3, then `+ N more...`. */
function getEndpoints(ctx: CommandContext, opts: GetOptions, now: number): CommandResult {
  const services = visibleServices(ctx, opts);
  const header = [...(opts.all ? ['NAMESPACE'] : []), 'NAME', 'ENDPOINTS', 'AGE'];
  const age = humanDuration(WORKLOAD_AGE_MS + now);
  const rows = services.map((s) => {
    const pods = s.endpoints
      .map((id) => ctx.sim.model.device(id))
      .map((d) => ({ d, ip: d?.interfaces.find((i) => i.name === 'eth0')?.addrs[0]?.ip }))
      .filter((e): e is { d: Device; ip: number } => e.d !== undefined && e.ip !== undefined)
      .sort((a, b) => a.ip - b.ip);
    // A named targetPort is the number each endpoint's port of that name has.
    const all = s.ports.flatMap((p) => pods.map((e) => `${formatIp(e.ip)}:${targetPortOf(p, e.d.listeners) ?? p.targetPort}`));
    const shown = all.length === 0 ? '<none>' : `${all.slice(0, 3).join(',')}${all.length > 3 ? ` + ${all.length - 3} more...` : ''}`;
    return [...(opts.all ? [s.namespace] : []), s.name, shown, age];
  });
  return finish('endpoints', opts, header, rows, services.map((s) => s.name));
}
