// The real-tool captures (test/fixtures/captures/*.yaml, loaded by kernel-recordings.ts) and how to replay them in the
// simulator: map its namespaces to lab devices, the capture rig and the faults as Linux commands, run, compare masked.
//
// The captures were taken back to back in one rig (cases.sh, sourced by make-captures.sh): rate-limit tokens and
// ARP attempts carry over from one case to the next, and cases.sh sleeps where that matters. A faithful replay
// therefore runs cases.sh in order in one simulator (captureSession), as the rig did; replayCapture(capture) runs
// it up to that capture. captureSimulator() is the quick alternative: a fresh rig with only the capture's fault.
//
// The capture rig (make-captures.sh) is a four-namespace copy of the lab's pod-to-pod path. Where it differs from
// the three-node lab, the difference is written here as Linux commands run through the simulator's interpreter
// (CAPTURE_RIG), never as direct state edits:
//   - tlcap-n1/tlcap-n2 have no default route (the lab's nodes default to their VirtualBox NAT engine);
//   - tlcap-n2 routes 203.0.113.0/24 and 198.51.100.0/24 to node-1; node-1 has no route to 203.0.113.0/24 (!N) and
//     sends 198.51.100.0/24 to 10.244.1.99 on cni0, which never answers ARP (!H);
//   - the rig's namespaces have no iptables rules (no Flannel masquerade, no kube-proxy), so node-1/node-2 tables are
//     flushed (node-2's masquerade would make node-1 count ICMP rate-limit tokens per 192.168.56.12, not per pod).
// `ip route flush cache` in cases.sh forgets a learned path MTU, in the simulator too (it keeps a PMTU cache).
// Name service: the rig's /etc/hosts (read from make-captures.sh) replaces the lab's hosts, as `hosts: files` did.
// Tools: the capture namespaces have Debian's full tools whatever pod they stand for, so `traceroute` in tlcap-pod
// is Linux traceroute even though node-2/traceroute is a busybox pod; `busybox X` is busybox's applet.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatIp, parseIp } from '../../topology/address.js';
import { loadLab } from '../../topology/compile.js';
import type { LabModel } from '../../topology/model.js';
import { resolvePlace } from '../../topology/place.js';
import { Simulator } from '../../sim/simulator.js';
import { maskMilliseconds } from '../../sim/tools/mask.js';
import { findProbeTool } from '../../sim/tools/registry.js';
import type { Scenario } from '../../lab/scenario/index.js';
import type { CommandResult } from '../../topology/trace.js';
import { quoteWord, splitWords } from '../../sim/words.js';
import { loadKernelRecordings } from './kernel-recordings.js';
import { inContainer, runInContainer } from '../../sim/debug-container.js';
import type { Device } from '../../topology/model.js';

export const CAPTURES_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'captures');

/** The capture namespaces and the lab place each stands for. */
export const CAPTURE_PLACES: Readonly<Record<string, string>> = {
  'tlcap-pod': 'node-2/traceroute',
  'tlcap-n2': 'node-2',
  'tlcap-n1': 'node-1',
  'tlcap-srv': 'node-1/httpd+netshoot',
};

/** A Linux command run at a lab place. */
export interface PlacedCommand {
  readonly at: string;
  readonly run: string;
}

/** The capture rig's differences from the three-node lab, as commands (see the file comment). */
export const CAPTURE_RIG: readonly PlacedCommand[] = [
  { at: 'node-2', run: 'ip route del default' },
  { at: 'node-1', run: 'ip route del default' },
  { at: 'node-2', run: 'ip route add 203.0.113.0/24 via 192.168.56.11' },
  { at: 'node-2', run: 'ip route add 198.51.100.0/24 via 192.168.56.11' },
  { at: 'node-1', run: 'ip route add 198.51.100.0/24 via 10.244.1.99 dev cni0' },
  ...['node-1', 'node-2'].flatMap((at) => ['iptables -F', 'iptables -X', 'iptables -t nat -F', 'iptables -t nat -X'].map((run) => ({ at, run }))),
];

/** Rig commands with nothing to do in the simulator (see the file comment). */
/** Time between two cases of the rig (process start, `ip netns exec`), in ms. */
const CASE_GAP_MS = 20;

export interface Capture {
  /** File name without .yaml, e.g. tr-udp-reached. */
  readonly name: string;
  readonly argv: readonly string[];
  /** Namespace the tool ran in (tlcap-pod, ...). */
  readonly namespace: string;
  /** The lab place that namespace stands for. */
  readonly place: string;
  /** The fault line as recorded (kept in the file's brief). */
  readonly fault: string;
  /** The fault as commands at lab places (empty for `none ...`: the rig alone). */
  readonly faultCommands: readonly PlacedCommand[];
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

function placeOfNamespace(ns: string, file: string): string {
  const place = CAPTURE_PLACES[ns];
  if (!place) throw new Error(`${file}: namespace ${ns} has no lab place (CAPTURE_PLACES)`);
  return place;
}

const NAMESPACE_OF = new Map(Object.entries(CAPTURE_PLACES).map(([ns, place]) => [place, ns]));

/** A capture from its scenario file: one probe; `break` is CAPTURE_RIG then the fault; the brief keeps the fault line. */
function captureOf(s: Scenario): Capture {
  const [probe, ...more] = s.probes;
  if (!probe || more.length > 0) throw new Error(`${s.file}: a capture has one probe`);
  const steps = s.breakSteps.map((step) => (step.kind === 'run' ? { at: step.at, run: step.run } : undefined));
  const rig = steps.slice(0, CAPTURE_RIG.length);
  if (JSON.stringify(rig) !== JSON.stringify(CAPTURE_RIG.map((c) => ({ at: c.at, run: c.run })))) throw new Error(`${s.file}: break does not start with CAPTURE_RIG`);
  const faultCommands = steps.slice(CAPTURE_RIG.length);
  if (faultCommands.some((c) => c === undefined)) throw new Error(`${s.file}: a capture's fault is commands only`);
  const split = splitWords(probe.run);
  if (!split.ok) throw new Error(`${s.file}: run: ${split.error}`);
  const namespace = NAMESPACE_OF.get(probe.at);
  if (!namespace) throw new Error(`${s.file}: ${probe.at} is no capture namespace's place`);
  return {
    name: s.name, argv: split.words, namespace, place: probe.at, fault: /^Fault: (.*)\. Topology: /.exec(s.brief)?.[1] ?? '',
    faultCommands: faultCommands as PlacedCommand[], exitCode: probe.exit, stdout: probe.expect, stderr: probe.stderr ?? '',
  };
}

/** Every capture whose name starts with one of `prefixes` (all when none given), sorted by name. */
export function loadCaptures(...prefixes: string[]): Capture[] {
  return loadKernelRecordings(CAPTURES_DIR)
    .filter((s) => prefixes.length === 0 || prefixes.some((p) => s.name.startsWith(p)))
    .map(captureOf)
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The rig's /etc/hosts, as make-captures.sh writes it (`printf '...' >"/etc/netns/$ns/hosts"`). */
export function captureHosts(): { ip: number; name: string }[] {
  const script = readFileSync(join(CAPTURES_DIR, 'make-captures.sh'), 'utf8');
  const m = /printf '([^']*)' >"\/etc\/netns\/\$ns\/hosts"/.exec(script);
  if (!m) throw new Error('make-captures.sh: no /etc/hosts line');
  return m[1]!.split('\\n').filter(Boolean).flatMap((line) => {
    const [addr, ...names] = line.split(/\s+/);
    const ip = parseIp(addr!);
    return ip === undefined ? [] : names.map((name) => ({ ip, name }));
  });
}

/** The three-node lab with the capture rig's name service: its hosts file and `hosts: files` (no DNS) in every namespace. */
export function captureLab(): LabModel {
  const lab = loadLab('three-node');
  const hosts = captureHosts();
  const hostsText = ['127.0.0.1\tlocalhost', ...hosts.map((h) => `${formatIp(h.ip)}\t${h.name}`)].join('\n') + '\n';
  const devices = lab.devices.map((d) => ({ ...d, files: { ...d.files, '/etc/hosts': hostsText, '/etc/nsswitch.conf': 'hosts: files\n' } }));
  const byId = new Map(devices.map((d) => [d.id, d]));
  return { ...lab, devices, hosts, device: (id: string) => byId.get(id) };
}

/** A setup command that did not succeed (the interpreter may lack it). */
export interface SetupFailure {
  readonly command: PlacedCommand;
  readonly result: CommandResult;
}

function deviceAt(sim: Simulator, place: string): Device {
  const where = resolvePlace(sim.model, place);
  if (!where.ok) throw new Error(where.message);
  return where.device;
}

/** A fresh simulator of the capture rig with the capture's fault applied; failures of setup commands are returned. */
export function captureSimulator(capture: Capture, seed = 1): { sim: Simulator; failures: SetupFailure[] } {
  const sim = new Simulator(captureLab(), { seed });
  const failures: SetupFailure[] = [];
  for (const command of [...CAPTURE_RIG, ...capture.faultCommands]) {
    const result = runInContainer(sim, deviceAt(sim, command.at), command.run);
    if (result.exitCode !== 0) failures.push({ command, result });
  }
  return { sim, failures };
}

/** Runs the capture's argv at its place with Debian's tools (see the file comment). */
export function runCaptureTool(sim: Simulator, capture: Capture): CommandResult {
  const [program, ...args] = capture.argv;
  const tool = findProbeTool(program!, args, 'linux');
  if (!tool) throw new Error(`${capture.name}: ${program} is not a probe tool of the simulator`);
  return inContainer(sim, deviceAt(sim, capture.place), (id) => tool.run(tool.args, sim.toolContext(id)));
}

/**
 * Masks what differs between runs of the real tool: millisecond figures (sim/tools/mask.ts) and tcptraceroute's
 * randomly chosen source port (`port 59579 for outgoing packets`).
 */
export function maskCaptureText(text: string): string {
  return maskMilliseconds(text).replace(/(, port )\d+( for outgoing packets)/g, '$1#$2');
}

export interface Replay {
  /** Setup commands (rig, fault) that did not succeed before this capture ran. */
  readonly failures: SetupFailure[];
  readonly result: CommandResult;
  /** Masked expected (capture) and actual (simulator) outputs, and the exit codes. */
  readonly expected: { stdout: string; stderr: string; exitCode: number };
  readonly actual: { stdout: string; stderr: string; exitCode: number };
}

function compare(capture: Capture, failures: SetupFailure[], result: CommandResult): Replay {
  return {
    failures,
    result,
    expected: { stdout: maskCaptureText(capture.stdout), stderr: maskCaptureText(capture.stderr), exitCode: capture.exitCode },
    actual: { stdout: maskCaptureText(result.stdout), stderr: maskCaptureText(result.stderr), exitCode: result.exitCode },
  };
}

/** One step of cases.sh. */
export type RigStep =
  | { readonly kind: 'commands'; readonly commands: readonly PlacedCommand[] }
  | { readonly kind: 'sleep'; readonly ms: number }
  | { readonly kind: 'case'; readonly name: string };

/** cases.sh as steps: variables expanded, fault_forward/clear_forward/in_ns as commands, sleeps, run_case. */
export function rigSteps(): RigStep[] {
  const text = readFileSync(join(CAPTURES_DIR, 'cases.sh'), 'utf8');
  const vars = new Map<string, string>();
  const steps: RigStep[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\$\{?(\w+)\}?/g, (m, name: string) => vars.get(name) ?? m).trim();
    if (line === '' || line.startsWith('#')) continue;
    const assign = /^(\w+)=(.*)$/.exec(line);
    if (assign) {
      const value = splitWords(assign[2]!);
      vars.set(assign[1]!, value.ok ? value.words.join(' ') : assign[2]!);
      continue;
    }
    // Only the in_ns lines chain commands with `; ` (elsewhere it appears inside quoted descriptions).
    for (const part of line.startsWith('in_ns ') ? line.split('; ') : [line]) {
      const split = splitWords(part);
      if (!split.ok) throw new Error(`cases.sh: ${split.error}: ${part}`);
      const comment = split.words.findIndex((w) => w.startsWith('#'));
      const [verb, ns, ...rest] = comment < 0 ? split.words : split.words.slice(0, comment);
      const run = (words: readonly string[]) => words.map(quoteWord).join(' ');
      if (verb === 'run_case') steps.push({ kind: 'case', name: ns! });
      else if (verb === 'sleep') steps.push({ kind: 'sleep', ms: Number(ns) * 1000 });
      else if (verb === 'fault_forward') steps.push({ kind: 'commands', commands: [{ at: placeOfNamespace(ns!, 'cases.sh'), run: `iptables -I FORWARD ${run(rest)}` }] });
      else if (verb === 'clear_forward') steps.push({ kind: 'commands', commands: [{ at: placeOfNamespace(ns!, 'cases.sh'), run: 'iptables -F FORWARD' }] });
      else if (verb === 'in_ns') {
        steps.push({ kind: 'commands', commands: [{ at: placeOfNamespace(ns!, 'cases.sh'), run: run(rest) }] });
      } else throw new Error(`cases.sh: cannot replay "${part}"`);
    }
  }
  return steps;
}

/**
 * Replays cases.sh in one simulator, in order, as the rig ran it, up to the capture named `until` (all when
 * omitted). Returns each case's replay; `failures` holds the setup commands since the previous case that failed.
 */
export function captureSession(seed = 1, until?: string): Map<string, Replay> {
  const captures = new Map(loadCaptures().map((c) => [c.name, c]));
  const sim = new Simulator(captureLab(), { seed });
  const replays = new Map<string, Replay>();
  let failures: SetupFailure[] = [];
  const apply = (commands: readonly PlacedCommand[]) => {
    for (const command of commands) {
      const result = runInContainer(sim, deviceAt(sim, command.at), command.run);
      if (result.exitCode !== 0) failures.push({ command, result });
    }
  };
  apply(CAPTURE_RIG);
  for (const step of rigSteps()) {
    if (step.kind === 'commands') apply(step.commands);
    else if (step.kind === 'sleep') sim.advance(step.ms);
    else {
      const capture = captures.get(step.name);
      if (!capture) throw new Error(`cases.sh runs ${step.name} but ${step.name}.yaml is missing`);
      sim.advance(CASE_GAP_MS);
      replays.set(step.name, compare(capture, failures, runCaptureTool(sim, capture)));
      failures = [];
      if (step.name === until) break;
    }
  }
  return replays;
}

/** Replays cases.sh up to `capture` (see captureSession) and returns that capture's replay. */
export function replayCapture(capture: Capture, seed = 1): Replay {
  const replay = captureSession(seed, capture.name).get(capture.name);
  if (!replay) throw new Error(`${capture.name} is not run by cases.sh`);
  return replay;
}
