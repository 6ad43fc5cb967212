// kubectl in the namespace lab: there is no API server, so the cluster's objects come from the model (a simulator of
// the same lab answers the verbs), and a verb that changes them (scale, delete, label, patch, apply/delete -f) is
// realised as kube-proxy and kube-router realise it: their KUBE-* chains rewritten with iptables-restore --noflush and
// kube-router's ipsets with ipset restore in every node's namespace. The edits persist beside the lab's record.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { EXEC_WRONG_KUBELET, kubeletReachable } from '../../topology/kube-nodes.js';
import type { LabModel } from '../../topology/model.js';
import type { CommandResult } from '../../topology/trace.js';
import { setHostFileReader } from '../../sim/commands/kubectl/manifest-file.js';
import { kubeClusterOf, kubeEditsOf, nodeRulesFor, setKubeEdits, type NodeAgentRules } from '../../sim/kube-state.js';
import { Simulator } from '../../sim/simulator.js';
import { commandWords, quoteWord } from '../../sim/words.js';
import { runArgv } from '../process.js';
import { readKubectlState, writeKubectlState } from './kubectl-state.js';
import type { PlannedPlace } from './plan.js';
import type { NetnsRecord } from './record.js';

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

/** ipset's restore text that makes the sets WANT (ipset save lines) hold exactly their entries, sets existing or not. */
function ipsetRestoreText(want: readonly string[]): string {
  return want.flatMap((l) => (l.startsWith('create ') ? [l, `flush ${l.split(' ')[1]!}`] : [l])).join('\n') + '\n';
}

export class NetnsKubectl {
  private readonly sim: Simulator;
  private loaded = false;

  /** STATEPATH: where the edits persist (lab/netns/kubectl-state.ts). */
  constructor(private readonly lab: LabModel, private readonly statePath?: string) {
    this.sim = new Simulator(lab);
    // `kubectl apply -f FILE` reads FILE from the host's filesystem when the place's files lack it.
    setHostFileReader(this.sim, {
      read: (path) => (existsSync(path) && statSync(path).isFile() ? readFileSync(path, 'utf8') : undefined),
      list: (path) => (existsSync(path) && statSync(path).isDirectory() ? readdirSync(path) : undefined),
    });
  }

  /** Handles a kubectl line at a node or the host; undefined when the line is not kubectl's. */
  async run(device: string, command: string, record: NetnsRecord): Promise<KubectlOutcome | undefined> {
    const parsed = commandWords(command);
    if (!parsed.ok || parsed.words[0] !== 'kubectl') return undefined;
    const kind = this.lab.device(device)?.kind;
    if (kind !== 'node' && kind !== 'host') return undefined;
    this.load(record);
    const exec = this.execTarget(parsed.words.slice(1));
    if (exec) return exec;
    const before = kubeEditsOf(this.sim);
    const result = this.sim.run(device, command);
    const after = kubeEditsOf(this.sim);
    if (JSON.stringify(after) !== JSON.stringify(before)) {
      if (this.statePath) writeKubectlState(this.statePath, record.createdAt, after);
      await this.syncNodeAgents(record.places);
    }
    return { kind: 'done', result };
  }

  /** The edits an earlier process made to this lab (its rules already carry them). */
  private load(record: NetnsRecord): void {
    if (this.loaded || !this.statePath) return;
    this.loaded = true;
    const saved = readKubectlState(this.statePath, record.createdAt);
    if (saved) setKubeEdits(this.sim, saved);
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

  private async syncNodeAgents(places: Readonly<Record<string, PlannedPlace>>): Promise<void> {
    const rulesOf = nodeRulesFor(this.lab, kubeClusterOf(this.sim), kubeEditsOf(this.sim));
    for (const node of this.lab.devices.filter((d) => d.kind === 'node')) {
      const ns = places[node.id]!.ns;
      const want = rulesOf(node);
      // New sets before the rules that name them; sets no rule names any more after.
      const live = await runArgv(['ip', 'netns', 'exec', ns, 'ipset', 'list', '-n']);
      if (want.ipsets.length > 0) await mustRun(ns, ['ipset', '-exist', 'restore'], ipsetRestoreText(want.ipsets));
      for (const table of ['filter', 'nat'] as const) {
        const save = await runArgv(['ip', 'netns', 'exec', ns, 'iptables-save', '-t', table]);
        await mustRun(ns, ['iptables-restore', '--noflush'], restoreText(table, want.lines, save.stdout));
      }
      for (const set of staleSets(live.stdout, want)) await mustRun(ns, ['ipset', 'destroy', set]);
    }
  }
}

/** kube-router's sets in the namespace (`ipset list -n`) that the wanted rules no longer have. */
function staleSets(listed: string, want: NodeAgentRules): string[] {
  const wanted = new Set(want.ipsets.filter((l) => l.startsWith('create ')).map((l) => l.split(' ')[1]!));
  return listed.split('\n').filter((n) => n.startsWith('KUBE-') && !wanted.has(n));
}

async function mustRun(ns: string, argv: readonly string[], input?: string): Promise<void> {
  const r = await runArgv(['ip', 'netns', 'exec', ns, ...argv], input !== undefined ? { input } : {});
  if (r.exitCode !== 0) throw new Error(`node agents' sync in ${ns} (${argv.join(' ')}): ${r.stderr.trim()}`);
}
