// Pods attached as a real cluster attaches them: the CNI `bridge` plugin with `host-local` IPAM, handed the delegate
// configuration Flannel's CNI plugin would hand it (docs/cni.md), then the host-side veth renamed to the model's name.
import { join } from 'node:path';
import { findProgram, runArgv } from '../process.js';

/** Where Debian's containernetworking-plugins (and the upstream tarball) put the plugin binaries. */
export const CNI_PLUGIN_DIRS: readonly string[] = ['/usr/lib/cni', '/opt/cni/bin'];

/** The first plugin directory holding both `bridge` and `host-local`, or undefined. */
export function cniPluginDir(dirs: readonly string[] = CNI_PLUGIN_DIRS): string | undefined {
  return dirs.find((d) => findProgram('bridge', [d]) !== undefined && findProgram('host-local', [d]) !== undefined);
}

/** The network name of kube-flannel's cni-conf.json (`"name": "cbr0"`): host-local keeps its leases under it. */
export const FLANNEL_NETWORK_NAME = 'cbr0';

/** One pod to attach: the node namespace the plugin runs in, the pod's namespace, and what the model names and addresses. */
export interface CniAttach {
  readonly nodeNs: string;
  readonly podNs: string;
  /** The pod's interface (CNI_IFNAME). */
  readonly ifname: string;
  /** The delegate configuration, as JSON (the plugin's stdin). */
  readonly config: string;
  /** CNI_ARGS: the model's address and MAC for the pod's interface (host-local's IP=, bridge's MAC=). */
  readonly args: string;
  readonly bridge: string;
  /** The model's name and MAC for the host end of the veth pair (the plugin picks a random `vethXXXXXXXX`). */
  readonly hostVeth: string;
  readonly hostMac: string;
}

export interface DelegateInput {
  readonly bridge: string;
  /** FLANNEL_SUBNET: the node's pod subnet, with its gateway address (cni0) as .1. */
  readonly subnet: string;
  /** FLANNEL_NETWORK: the cluster network, the one route flannel adds to the IPAM section. */
  readonly clusterNetwork: string;
  /** FLANNEL_MTU. */
  readonly mtu: number;
}

/**
 * flannel-io/cni-plugin flannel_linux.go doCmdAdd() over kube-flannel.yml's delegate {hairpinMode, isDefaultGateway}:
 * name from the conflist, type bridge, ipMasq = !FLANNEL_IPMASQ (flanneld runs with --ip-masq: false), mtu =
 * FLANNEL_MTU, isGateway true, ipam host-local with ranges [[{subnet: FLANNEL_SUBNET}]] and routes
 * [{dst: FLANNEL_NETWORK}]. `bridge` names cni0 explicitly (the plugin's default bridge name is cni0 too).
 */
export function flannelDelegate(d: DelegateInput): Record<string, unknown> {
  return {
    cniVersion: '0.3.1',
    name: FLANNEL_NETWORK_NAME,
    type: 'bridge',
    bridge: d.bridge,
    hairpinMode: true,
    isDefaultGateway: true,
    ipMasq: false,
    mtu: d.mtu,
    isGateway: true,
    ipam: { type: 'host-local', ranges: [[{ subnet: d.subnet }]], routes: [{ dst: d.clusterNetwork }] },
  };
}

/** The configuration with host-local's lease directory set (the lab's private one instead of /var/lib/cni/networks). */
export function withDataDir(config: string, dataDir: string): string {
  const parsed = JSON.parse(config) as { ipam: Record<string, unknown> };
  parsed.ipam.dataDir = dataDir;
  return JSON.stringify(parsed);
}

/** The plugin's environment (CNI spec: CNI_COMMAND, CNI_CONTAINERID, CNI_NETNS, CNI_IFNAME, CNI_ARGS, CNI_PATH). */
export function cniEnv(command: 'ADD' | 'DEL', a: CniAttach, pluginDir: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    CNI_COMMAND: command,
    CNI_CONTAINERID: a.podNs,
    CNI_NETNS: `/run/netns/${a.podNs}`,
    CNI_IFNAME: a.ifname,
    CNI_ARGS: a.args,
    CNI_PATH: pluginDir,
  };
}

/** The host end of the veth pair in the plugin's result: the interface without a sandbox that is not the bridge. */
export function hostVethOf(result: string, bridge: string): string | undefined {
  const parsed = JSON.parse(result) as { interfaces?: { name?: string; sandbox?: string }[] };
  return parsed.interfaces?.find((i) => i.sandbox === undefined && i.name !== undefined && i.name !== bridge)?.name;
}

/** Renames a link of a namespace and sets its MAC (down, rename and address, up); a problem, or undefined. */
export type RenameLink = (ns: string, from: string, to: string, mac: string) => Promise<string | undefined>;

/**
 * Runs the bridge plugin's ADD in the node's namespace (`ip netns exec NODE DIR/bridge`) with host-local's leases in
 * DATADIR, then gives the host end the model's name and MAC through RENAME. Throws with the plugin's words.
 */
export async function cniAdd(a: CniAttach, pluginDir: string, dataDir: string, rename: RenameLink): Promise<void> {
  const argv = ['ip', 'netns', 'exec', a.nodeNs, join(pluginDir, 'bridge')];
  const r = await runArgv(argv, { input: withDataDir(a.config, dataDir), env: cniEnv('ADD', a, pluginDir) });
  if (r.exitCode !== 0) throw new Error(`CNI ADD of ${a.podNs}: exit ${r.exitCode}: ${(r.stdout + r.stderr).trim()}`);
  const made = hostVethOf(r.stdout, a.bridge);
  if (made === undefined) throw new Error(`CNI ADD of ${a.podNs}: no host veth in the plugin's result: ${r.stdout.trim()}`);
  if (made === a.hostVeth) return;
  // Down, rename and re-address, up: going down drops the IPv6 link-local address the plugin's random MAC made
  // (keep_addr_on_down is 0), and up makes it again from the model's MAC, as `ip addr` on the node then shows.
  const problem = await rename(a.nodeNs, made, a.hostVeth, a.hostMac);
  if (problem !== undefined) throw new Error(`renaming ${made} to ${a.hostVeth} in ${a.nodeNs}: ${problem}`);
}
