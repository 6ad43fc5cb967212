// Runs probes the way the seed article does: a busybox pod pinned to a node (kubectl run --overrides), then kubectl logs.
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CommandResult } from '../../topology/trace.js';
import { UsageError } from '../backend.js';
import { kubectlFailure, type KubectlRunner } from './cli.js';

export const PROBE_IMAGE = 'busybox:1.36';
export const PROBE_LABEL = 'tracelab.dev/probe';

export interface PinnedProbe {
  readonly node: string;
  /** A shell command line, run by `sh -c` inside the pod. */
  readonly command: string;
  /**
   * A place that names a node: a privileged host-network, host-PID pod that enters the node's namespaces (nsenter -t 1),
   * so the command runs with the node's own tools (iproute2, Linux traceroute), as over ssh.
   */
  readonly hostNetwork?: boolean;
  readonly image?: string;
  readonly namespace?: string;
  /** Polls of the pod's phase before giving up (one per second). */
  readonly maxPolls?: number;
}

/** The --overrides JSON: nodeSelector pinning, control-plane toleration, and a privileged host-network pod when asked. */
export function probeOverrides(node: string, hostNetwork: boolean, container: string): string {
  const spec: Record<string, unknown> = {
    nodeSelector: { 'kubernetes.io/hostname': node },
    tolerations: [{ key: 'node-role.kubernetes.io/control-plane', operator: 'Exists', effect: 'NoSchedule' }],
  };
  if (hostNetwork) {
    spec['hostNetwork'] = true;
    spec['hostPID'] = true;
    // Merged by container name (--override-type=strategic): kubectl run names the container after the pod.
    spec['containers'] = [{ name: container, securityContext: { privileged: true } }];
  }
  return JSON.stringify({ apiVersion: 'v1', spec });
}

export function probePodName(node: string): string {
  return `tracelab-probe-${node}`.slice(0, 50).replace(/-+$/, '') + `-${randomBytes(3).toString('hex')}`;
}

/** The argv of `kubectl run` for one probe. */
export function probeRunArgs(name: string, probe: PinnedProbe): string[] {
  const args = [
    'run',
    name,
    `--namespace=${probe.namespace ?? 'default'}`,
    `--image=${probe.image ?? PROBE_IMAGE}`,
    '--restart=Never',
    `--labels=${PROBE_LABEL}=true`,
    '--override-type=strategic',
    `--overrides=${probeOverrides(probe.node, probe.hostNetwork ?? false, name)}`,
  ];
  const enterNode = probe.hostNetwork ? ['nsenter', '-t', '1', '-m', '-u', '-i', '-n', '-p', '--'] : [];
  args.push('--command', '--', ...enterNode, 'sh', '-c', probe.command);
  return args;
}

/** Runs one pinned probe pod to completion and returns its logs and exit code; the pod is deleted afterwards. */
export async function runPinnedProbe(kubectl: KubectlRunner, probe: PinnedProbe): Promise<CommandResult> {
  const name = probePodName(probe.node);
  const ns = `--namespace=${probe.namespace ?? 'default'}`;
  const created = await kubectl(probeRunArgs(name, probe));
  if (created.exitCode !== 0) throw new UsageError(kubectlFailure(['run', name], created));
  try {
    let phase = '';
    for (let poll = 0; poll < (probe.maxPolls ?? 300); poll++) {
      const got = await kubectl(['get', `pod/${name}`, ns, '--output=jsonpath={.status.phase}']);
      phase = got.stdout.trim();
      if (phase === 'Succeeded' || phase === 'Failed') break;
      await sleep(1000);
    }
    if (phase !== 'Succeeded' && phase !== 'Failed') {
      throw new UsageError(`probe pod ${name} on ${probe.node} did not finish (phase ${phase || 'unknown'}): check that the node is Ready and can pull ${probe.image ?? PROBE_IMAGE}`);
    }
    const logs = await kubectl(['logs', `pod/${name}`, ns]);
    const code = await kubectl(['get', `pod/${name}`, ns, '--output=jsonpath={.status.containerStatuses[0].state.terminated.exitCode}']);
    const exitCode = Number.parseInt(code.stdout.trim(), 10);
    return { stdout: logs.stdout, stderr: logs.exitCode === 0 ? '' : logs.stderr, exitCode: Number.isNaN(exitCode) ? (phase === 'Succeeded' ? 0 : 1) : exitCode };
  } finally {
    await kubectl(['delete', `pod/${name}`, ns, '--wait=false', '--ignore-not-found']);
  }
}

/** `kubectl exec` in an existing pod; the "command terminated with exit code N" line kubectl adds is dropped. */
export async function execInPod(kubectl: KubectlRunner, pod: string, namespace: string, command: string): Promise<CommandResult> {
  const result = await kubectl(['exec', `--namespace=${namespace}`, pod, '--', 'sh', '-c', command]);
  const stderr = result.stderr.replace(/^command terminated with exit code \d+\n?/m, '');
  return { stdout: result.stdout, stderr, exitCode: result.exitCode };
}

/** Whether a pod exists (so a place can be run in with exec rather than a fresh probe pod). */
export async function podExists(kubectl: KubectlRunner, pod: string, namespace: string): Promise<boolean> {
  const args = ['get', `pod/${pod}`, `--namespace=${namespace}`, '--ignore-not-found', '--output=name'];
  const result = await kubectl(args);
  if (result.exitCode !== 0) throw new UsageError(kubectlFailure(args, result));
  return result.stdout.trim() !== '';
}
