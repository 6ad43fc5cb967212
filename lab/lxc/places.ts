// How the vagrant backend reaches an LXC lab: its settings from the rendered JSON, and pods as network namespaces on their node.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../backend.js';
import { runArgv, type ProcessResult } from '../process.js';
import type { Device } from '../../topology/model.js';
import type { CommandResult } from '../../topology/trace.js';
import { commandWords } from '../../sim/words.js';
import { shellJoin } from '../kubectl/cli.js';
import { toolArgv } from '../netns/backend.js';
import type { LxcRenderOptions, VagrantLabJson } from '../render-vagrant.js';

/** The lxc block of a rendered JSON (the lab was brought up with --provider lxc), or undefined. */
export function renderedLxc(jsonPath: string): LxcRenderOptions | undefined {
  try {
    const json = JSON.parse(readFileSync(jsonPath, 'utf8')) as VagrantLabJson;
    return json.lxc ? { prefix: json.lxc.prefix, box: json.lxc.box } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The shell command that runs COMMAND in pod POD on its node: `ip netns exec POD` (the network-only lab's pods are
 * network namespaces the playbook attached to cni0), with the pod's toolset (busybox applets as `busybox APPLET`).
 */
export function podShellCommand(pod: Device, command: string, applets: ReadonlySet<string>): { ok: true; command: string } | { ok: false; result: CommandResult } {
  const words = commandWords(command);
  if (!words.ok) return words;
  const tool = toolArgv(pod, words.words, applets);
  if (!tool.ok) return tool;
  // The pod's own hostname (mtr prints it), in a UTS namespace of its own as a container has.
  const hostname = ['unshare', '--uts', '--', 'sh', '-c', 'hostname "$0" && exec "$@"', pod.id];
  return { ok: true, command: shellJoin(['sudo', '-n', 'ip', 'netns', 'exec', pod.id, ...hostname, ...tool.argv]) };
}

/** The applets `busybox --list` printed (one a line). */
export function appletSet(listing: string): ReadonlySet<string> {
  return new Set(listing.split('\n').filter((w) => w !== ''));
}

/** Runs a command on a machine of an LXC lab: ssh straight to its eth1 address with Vagrant's key for it (no ruby start per command). */
export type RemoteShell = (machine: string, command: string, input?: string) => Promise<ProcessResult>;

export function lxcSsh(machinesDir: string, jsonPath: string): RemoteShell {
  const machines = (JSON.parse(readFileSync(jsonPath, 'utf8')) as VagrantLabJson).machines;
  return (machine, command, input) => {
    const ip = machines.find((m) => m.name === machine)?.ip;
    if (ip === undefined) throw new UsageError(`${machine} is not a machine of the LXC lab`);
    const key = join(machinesDir, machine, 'lxc', 'private_key');
    const argv = ['ssh', '-i', key, '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR', '-o', 'BatchMode=yes', `vagrant@${ip}`, command];
    return runArgv(argv, { ...(input !== undefined ? { input } : {}), timeoutMs: 300_000 });
  };
}

/**
 * Forgets every neighbour entry on a machine and in its pods, so each scenario starts as on a freshly built lab: an
 * entry left STALE by an earlier scenario makes a failed resolution take delay_first_probe_time + probes (about 8 s)
 * instead of an unresolved address's 3 s, and the `!H` of a dead pod arrives after traceroute stopped waiting.
 */
export const FORGET_NEIGHBOURS = shellJoin(['sudo', '-n', 'sh', '-c', 'ip neigh flush all; for ns in $(ip netns list | cut -d" " -f1); do ip -n "$ns" neigh flush all; done']);
