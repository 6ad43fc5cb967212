// The kubectl backend: any existing cluster; nodes are probed from pinned host-network pods, pods through kubectl exec.
import type { LabModel } from '../../topology/model.js';
import type { CommandResult } from '../../topology/trace.js';
import { debugImageOf } from '../../topology/debug-container.js';
import { deviceAt, sleepFor, UsageError, type Backend, type BackendOptions, type BackendStatus, type Preflight, type UpOptions } from '../backend.js';
import { findProgram } from '../process.js';
import { formatClusterStatus, readClusterStatus } from './status.js';
import { KUBECTL_INSTALL_HINT, kubectlJson, localKubectl, type KubectlRunner } from './cli.js';
import { execInPod, podExists, PROBE_LABEL, runPinnedProbe } from './probe.js';

interface NodeList {
  readonly items: readonly { readonly metadata: { readonly name: string } }[];
}

/** Runs a command at a place of `lab` through kubectl: shared by the kubectl and vagrant backends. */
export async function runAtPlace(kubectl: KubectlRunner, lab: LabModel, place: string, command: string, namespaces: ReadonlyMap<string, string>): Promise<CommandResult> {
  const device = deviceAt(lab, 'kubectl', place);
  if (debugImageOf(device) !== undefined) {
    throw new UsageError(`place "${place}" is a debug container: the kubectl and vagrant backends do not create ephemeral containers (kubectl debug) yet; run it with --backend sim or netns`);
  }
  if (device.kind === 'node') return runPinnedProbe(kubectl, { node: device.id, command, hostNetwork: true });
  if (device.kind === 'pod') {
    const namespace = namespaces.get(device.id) ?? 'default';
    if (await podExists(kubectl, device.id, namespace)) return execInPod(kubectl, device.id, namespace, command);
    // The seed article's way: a busybox pod pinned to the pod's node, then its logs.
    return runPinnedProbe(kubectl, { node: device.node ?? '', command });
  }
  if (device.kind === 'host') {
    throw new UsageError(`place "${place}" is the workstation itself: tracelab runs no scenario commands on your machine; run this one with --backend sim or netns`);
  }
  throw new UsageError(`place "${place}" is an external host; on a real cluster commands run on nodes and in pods only`);
}

/** Pod namespaces: a service's endpoints live in the service's namespace; other pods in default. */
export function podNamespaces(lab: LabModel): Map<string, string> {
  const map = new Map<string, string>();
  for (const service of lab.services) for (const pod of service.endpoints) map.set(pod, service.namespace);
  return map;
}

export interface KubectlBackendOptions extends BackendOptions {
  /** How to run kubectl; default: the local binary with opts.kubeconfig and opts.context. */
  readonly kubectl?: KubectlRunner;
}

export function createKubectlBackend(opts: KubectlBackendOptions = {}): Backend {
  const kubectl = opts.kubectl ?? localKubectl({ kubeconfig: opts.kubeconfig, context: opts.context });
  const state: { lab?: LabModel; namespaces: Map<string, string> } = { namespaces: new Map() };
  return {
    name: 'kubectl',
    async up(lab: LabModel, upOpts?: UpOptions): Promise<void> {
      const nodes = await kubectlJson<NodeList>(kubectl, ['get', 'nodes']);
      const present = new Set(nodes.items.map((n) => n.metadata.name));
      const missing = lab.devices.filter((d) => d.kind === 'node' && !present.has(d.id)).map((d) => d.id);
      if (missing.length > 0) {
        throw new UsageError(
          `the cluster has no node ${missing.join(', ')} of lab ${lab.name} (it has ${[...present].join(', ') || 'none'}): ` +
            'describe this cluster with `tracelab lab import > lab.yaml` and use --lab lab.yaml',
        );
      }
      upOpts?.progress?.(`connected: ${present.size} nodes`);
      state.lab = lab;
      state.namespaces = podNamespaces(lab);
    },
    async run(place: string, command: string): Promise<CommandResult> {
      if (!state.lab) throw new UsageError('the kubectl backend is not connected: call up(lab) first');
      return runAtPlace(kubectl, state.lab, place, command, state.namespaces);
    },
    /** Real time passes: the cluster's controllers (flanneld) reconcile on their own. */
    wait: sleepFor,
    /** kubectl on PATH, unless the backend was given its own way to run it. */
    async preflight(): Promise<Preflight> {
      if (opts.kubectl || findProgram('kubectl') !== undefined) return { ok: true, message: '' };
      return { ok: false, message: `kubectl is not installed or not on PATH: ${KUBECTL_INSTALL_HINT}` };
    },
    /** The cluster's nodes (name, role, InternalIP, podCIDR, Ready); up when every node is Ready. */
    async status(): Promise<BackendStatus> {
      const nodes = await readClusterStatus(kubectl);
      return { up: nodes.length > 0 && nodes.every((n) => n.ready), text: formatClusterStatus(nodes) };
    },
    async down(): Promise<void> {
      // The cluster is not ours: remove only the probe pods this lab may have left behind.
      await kubectl(['delete', 'pods', '--all-namespaces', `--selector=${PROBE_LABEL}=true`, '--wait=false', '--ignore-not-found']);
      state.lab = undefined;
    },
  };
}
