// kubectl in the namespace lab: there is no API server, so the cluster's objects come from the model (a simulator of
// the same lab answers the verbs), and a verb that changes them (scale, delete, label, patch) is realised as
// kube-proxy realises it: its KUBE-* chains rewritten with iptables-restore --noflush in every node's namespace.
import { EXEC_WRONG_KUBELET, kubeletReachable } from '../../topology/kube-nodes.js';
import type { LabModel } from '../../topology/model.js';
import type { CommandResult } from '../../topology/trace.js';
import { kubeClusterOf, kubeEditsOf, nodeRulesFor } from '../../sim/kube-state.js';
import { Simulator } from '../../sim/simulator.js';
import { commandWords, quoteWord } from '../../sim/words.js';
import { runArgv } from '../process.js';
import type { PlannedPlace } from './plan.js';

/** What the backend does with a kubectl line: the answer, or a command to run in a pod (kubectl exec). */
export type KubectlOutcome = { kind: 'done'; result: CommandResult } | { kind: 'exec'; device: string; command: string };

/** The restore text that replaces NS's KUBE-* chains of TABLE with WANT's (iptables-save lines) and drops stale ones. */
function restoreText(table: 'filter' | 'nat', want: readonly string[], live: string): string {
  const block = (lines: readonly string[], t: string) => {
    const start = lines.indexOf(`*${t}`);
    const end = lines.indexOf('COMMIT', start);
    return start < 0 ? [] : lines.slice(start + 1, end);
  };
  const wanted = block(want, table);
  const chains = wanted.filter((l) => l.startsWith(':KUBE-')).map((l) => l.slice(1).split(' ')[0]!);
  const stale = block(live.split('\n'), table).filter((l) => l.startsWith(':KUBE-')).map((l) => l.slice(1).split(' ')[0]!).filter((c) => !chains.includes(c));
  return [
    `*${table}`,
    ...[...chains, ...stale].map((c) => `:${c} - [0:0]`),
    ...wanted.filter((l) => /^-A KUBE-/.test(l)),
    ...stale.map((c) => `-X ${c}`),
    'COMMIT',
  ].join('\n') + '\n';
}

export class NetnsKubectl {
  private readonly sim: Simulator;

  constructor(private readonly lab: LabModel) {
    this.sim = new Simulator(lab);
  }

  /** Handles a kubectl line at a node or the host; undefined when the line is not kubectl's. */
  async run(device: string, command: string, places: Readonly<Record<string, PlannedPlace>>): Promise<KubectlOutcome | undefined> {
    const parsed = commandWords(command);
    if (!parsed.ok || parsed.words[0] !== 'kubectl') return undefined;
    const kind = this.lab.device(device)?.kind;
    if (kind !== 'node' && kind !== 'host') return undefined;
    const exec = this.execTarget(parsed.words.slice(1));
    if (exec) return exec;
    const before = JSON.stringify(kubeEditsOf(this.sim));
    const result = this.sim.run(device, command);
    if (JSON.stringify(kubeEditsOf(this.sim)) !== before) await this.syncKubeProxy(places);
    return { kind: 'done', result };
  }

  /** kubectl exec: the pod's device and the command, when the simulator would run it there. */
  private execTarget(args: readonly string[]): KubectlOutcome | undefined {
    if (!args.includes('exec')) return undefined;
    const dash = args.indexOf('--');
    const before = dash >= 0 ? args.slice(0, dash) : args;
    const podName = before.filter((a, i) => !a.startsWith('-') && !['-n', '--namespace', '-c', '--container'].includes(before[i - 1] ?? '') && a !== 'exec')[0];
    const pod = kubeClusterOf(this.sim).pods.find((p) => p.name === podName || p.device === podName);
    if (!pod || dash < 0 || dash === args.length - 1) return undefined;
    if (!kubeletReachable(this.lab, pod.node)) return { kind: 'done', result: { stdout: '', stderr: `${EXEC_WRONG_KUBELET}\n`, exitCode: 1 } };
    return { kind: 'exec', device: pod.device, command: args.slice(dash + 1).map(quoteWord).join(' ') };
  }

  private async syncKubeProxy(places: Readonly<Record<string, PlannedPlace>>): Promise<void> {
    const rulesOf = nodeRulesFor(this.lab, kubeClusterOf(this.sim));
    for (const node of this.lab.devices.filter((d) => d.kind === 'node')) {
      const ns = places[node.id]!.ns;
      const want = rulesOf(node);
      for (const table of ['filter', 'nat'] as const) {
        const live = await runArgv(['ip', 'netns', 'exec', ns, 'iptables-save', '-t', table]);
        const r = await runArgv(['ip', 'netns', 'exec', ns, 'iptables-restore', '--noflush'], { input: restoreText(table, want, live.stdout) });
        if (r.exitCode !== 0) throw new Error(`kube-proxy sync in ${ns} (${table}): ${r.stderr.trim()}`);
      }
    }
  }
}
