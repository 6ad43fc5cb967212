// Which library scenarios the network-only LXC lab can run, and why the others cannot (printed by `verify --backend vagrant`).
import { contains, parseIp } from '../../topology/address.js';
import { resolvePlace } from '../../topology/place.js';
import type { Scenario, ScenarioStep } from '../scenario/types.js';

/** The layer-3 commands the network-only lab has for real on its machines and pods. */
const L3_PROGRAMS = new Set(['ip', 'sysctl', 'iptables', 'traceroute', 'ping', 'tracepath', 'mtr', 'tcptraceroute', 'bridge']);

/** Model edits the network-only lab already is: it runs no flanneld, so a deleted host-gw route stays deleted. */
const AS_IS_EDITS = new Set(['cluster.flannel.stopped']);

function commandsOf(s: Scenario): { at: string; run: string }[] {
  const steps = (list: readonly ScenarioStep[] | undefined) => (list ?? []).flatMap((st) => (st.kind === 'run' ? [{ at: st.at, run: st.run }] : []));
  return [...steps(s.breakSteps), ...s.probes.map((p) => ({ at: p.at, run: p.run })), ...steps(s.fixSteps)];
}

function programOf(run: string): string {
  const words = run.trim().split(/\s+/).filter((w) => w !== 'sudo');
  return words[0] ?? '';
}

/** Why the running network-only lab `labName` cannot run scenario S, or undefined when it can. */
export function networkOnlySkipReason(s: Scenario, labName: string): string | undefined {
  if (s.labName !== labName) return `its lab ${s.labName} is not the one up (${labName})`;
  const edits = Object.keys(s.edits).filter((e) => !AS_IS_EDITS.has(e));
  if (edits.length > 0) return `model edits (${edits.join(', ')}) need the lab provisioned again`;
  if ([...s.breakSteps, ...(s.fixSteps ?? [])].some((st) => st.kind === 'wait')) return 'it waits for Flannel to reconcile; the network-only lab runs no flanneld';
  if (s.probes.some((p) => p.capture)) return 'its probes capture with tcpdump taps, which the vagrant backend does not run';
  const nat = natAddressIn(s);
  if (nat) return `its expected output goes through the NAT (${nat}): LXC's NAT (one shared lxcbr0 on 10.0.3.0/24, DHCP per machine) is not VirtualBox's`;
  if (s.probes.some((p) => /^iptables\b.*\s-[a-zA-Z]*v/.test(p.run.trim()))) return 'it reads packet counters, which the ssh connections that run the commands raise on a real machine';
  if (s.probes.some((p) => `${p.expect}\n${p.healthy ?? ''}`.includes('[open]'))) return 'a TCP probe expects a pod\'s server to answer ([open]); the network-only lab\'s pods run no processes';
  if (s.probes.some((p) => `${p.expect}\n${p.healthy ?? ''}`.includes('.cluster.local'))) return 'its probes print names from reverse DNS (CoreDNS), which the network-only lab does not run';
  for (const c of commandsOf(s)) {
    const program = programOf(c.run);
    if (!L3_PROGRAMS.has(program)) return `${program} is not part of the network-only lab (layer 3: ${[...L3_PROGRAMS].join(', ')})`;
    const where = resolvePlace(s.lab, c.at);
    if (!where.ok || (where.device.kind !== 'node' && where.device.kind !== 'pod')) return `${c.at} is not a machine or a pod of the lab`;
    const outside = outsideAddress(s, c.run);
    if (outside) return `${outside} is outside the cluster and host-only networks (LXC's NAT, one shared lxcbr0 on 10.0.3.0/24, is not VirtualBox's)`;
  }
  return undefined;
}

/** The first address of the model's NAT network (VirtualBox's 10.0.2.0/24) in the scenario's expected outputs. */
function natAddressIn(s: Scenario): string | undefined {
  const texts = s.probes.flatMap((p) => [p.expect, p.stderr ?? '', p.healthy ?? '', p.healthyStderr ?? '']);
  for (const text of texts.join('\n').match(/\b\d{1,3}(?:\.\d{1,3}){3}\b/g) ?? []) {
    const address = parseIp(text);
    if (address !== undefined && contains(s.lab.nat.network, address)) return text;
  }
  return undefined;
}

/** The first IPv4 address in RUN that is neither in the pod, Service nor host-only network. */
function outsideAddress(s: Scenario, run: string): string | undefined {
  const inside = [s.lab.cluster.network, s.lab.cluster.serviceNetwork, s.lab.hostOnly.network];
  for (const text of run.match(/\b\d{1,3}(?:\.\d{1,3}){3}\b/g) ?? []) {
    const address = parseIp(text);
    if (address !== undefined && !inside.some((net) => contains(net, address))) return text;
  }
  return undefined;
}

/** The scenarios to run and, for the others, one line each saying why they are skipped. */
export function partitionForNetworkOnly(scenarios: readonly Scenario[], labName: string): { run: Scenario[]; skipped: string[] } {
  const run: Scenario[] = [];
  const skipped: string[] = [];
  for (const s of scenarios) {
    const why = networkOnlySkipReason(s, labName);
    if (why) skipped.push(`${s.name}: skipped on the network-only LXC lab: ${why}`);
    else run.push(s);
  }
  return { run, skipped };
}
