// tracelab's library entry: load a lab, run commands and probes on the simulator, get trace records and text.
import { formatIp, ip } from './topology/address.js';
import { compileLabObject, labValidator, loadLab } from './topology/compile.js';
import type { LabFile } from './topology/labfile.js';
import { readYamlFile } from './topology/yaml-source.js';
import { applyManifests } from './lab/apply-manifest.js';
import type { LabModel } from './topology/model.js';
import { resolvePlace } from './topology/place.js';
import { UsageError } from './topology/usage-error.js';
import { DEFAULT_LAB } from './topology/paths.js';
import { Simulator } from './sim/simulator.js';
import { runInContainer } from './sim/debug-container.js';
import type { CommandResult, TraceRecord } from './topology/trace.js';

export { loadLab, compileLabText, compileLabObject, SourceError } from './topology/compile.js';
export { formatIp, ip, cidr, formatCidr, parseIp, parseCidr } from './topology/address.js';
export { resolvePlace, placeOf } from './topology/place.js';
export { toDot, toMermaid } from './topology/graph.js';
export { Simulator } from './sim/simulator.js';
export { createBackend, BACKEND_NAMES } from './lab/backends.js';
export { SimBackend, createSimBackend } from './lab/sim.js';
export { UsageError } from './lab/backend.js';
export { maskMilliseconds } from './sim/tools/mask.js';
export { renderLabSvg } from './topology/svg/svg.js';
export { loadScenarios, loadScenarioFile, observeScenario, runScenarios, checkObservation } from './lab/scenario/index.js';
export { verifyScenarios, agreementLine } from './lab/verify.js';
export { TrainingSession } from './lab/train/session.js';
export { runShell } from './lab/train/shell.js';
export type { Scenario, RunReport, ScenarioResult } from './lab/scenario/index.js';
export type { Backend, BackendName, BackendOptions } from './lab/backend.js';
export type { LabModel, Device, Interface, Route, Service, Segment } from './topology/model.js';
export type { CommandResult, TraceRecord, ProbeResult, Reply, Disposition, Step, L4Results, ConnectionRecord, LookupRecord, DnsAnswerRecord } from './topology/trace.js';

/** A lab running on the simulator, for tests of path logic written by users. */
export interface OpenLab {
  readonly model: LabModel;
  readonly sim: Simulator;
  /** Runs a command at a place (node, pod, node/pod): probes, ip, sysctl, iptables, kubectl get, ... */
  run(place: string, command: string): CommandResult;
  /** Runs a probe command and returns its first trace record (throws when the command made none). */
  trace(place: string, command: string): TraceRecord;
  /** The addresses that answered a traceroute, hop by hop ('*' where nothing did). */
  hops(place: string, destination: string): string[];
  /** Lets simulated time pass (Flannel reconciles deleted host-gw routes after about 10 s). */
  wait(seconds: number): void;
  /** `kubectl ARGS` on the control-plane node: what a terminal shows (stdout, then stderr), e.g. kubectl('get pods -A'). */
  kubectl(args: string): string;
  /**
   * `kubectl apply -f` of NetworkPolicy manifests (YAML, `---` between documents): validated as the API server does
   * (throws kubectl's message), then the lab is recompiled with them (a policy engine recompiles its rules) and a fresh
   * simulator replaces `sim`: commands run before apply() are not carried over. Returns kubectl's output lines.
   */
  apply(manifestYaml: string): string;
}

export interface OpenLabOptions {
  readonly seed?: number;
}

/** Opens a lab (default: the three-node lab) on the deterministic simulator. */
export function openLab(nameOrPath: string = DEFAULT_LAB, opts: OpenLabOptions = {}): OpenLab {
  let model = loadLab(nameOrPath);
  let sim = new Simulator(model, { seed: opts.seed });
  let data: LabFile | undefined;
  const run = (place: string, command: string): CommandResult => {
    const where = resolvePlace(model, place);
    if (!where.ok) throw new UsageError(where.message);
    return runInContainer(sim, where.device, command);
  };
  const trace = (place: string, command: string): TraceRecord => {
    const r = run(place, command);
    const t = r.traces?.[0];
    if (!t) throw new Error(`"${command}" at ${place} produced no trace: ${(r.stderr || r.stdout).trim()}`);
    return t;
  };
  return {
    get model() { return model; },
    get sim() { return sim; },
    run, trace,
    apply: (manifestYaml) => {
      data ??= readYamlFile<LabFile>(model.source, labValidator()).data;
      const applied = applyManifests(data, manifestYaml);
      model = compileLabObject(model.source, applied.data);
      data = applied.data;
      sim = new Simulator(model, { seed: opts.seed });
      return applied.lines.map((l) => `${l}\n`).join('');
    },
    hops: (place, destination) => {
      ip(destination);
      return trace(place, `traceroute -n -q 1 ${destination}`).hops.map((h) => {
        const reply = h.probes[0]?.reply;
        return reply ? formatIp(reply.from) : '*';
      });
    },
    wait: (seconds) => sim.advance(seconds * 1000),
    kubectl: (args) => {
      const controlPlane = model.devices.find((d) => d.role === 'control-plane') ?? model.devices.find((d) => d.kind === 'node');
      const r = sim.run(controlPlane!.id, `kubectl ${args}`);
      return r.stdout + r.stderr;
    },
  };
}
