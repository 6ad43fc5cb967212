// Carries out a namespace-lab plan (lifecycle.ts's `up`): namespaces, hostnames, /etc files, the batched commands, the
// CNI plugin, listeners and the link settle wait, each recorded before it is made, and overlapped where nothing depends.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runArgv } from '../process.js';
import type { NetnsPlan } from './plan.js';
import { writeRecord, type NetnsRecord, type RecordedProcess } from './record.js';
import { startServer } from './listener.js';
import { labServerArgv, labServerScript, pythonPath } from './server-process.js';
import { listenerSocket, type ServerSocket, type ServerSpec } from './server-spec.js';
import { makeEtcFiles, recordEtcFiles } from './etc.js';
import { createHostnames, recordHostnames } from './hostnames.js';
import { SETTLE_TIMEOUT_MS, settleLinks } from './settle.js';
import { batchLine, batchSteps, failedLines, failedStep, forEachLimit, phaseGroups, stageOf, type BatchedStep, type BatchInput } from './batch.js';
import { CNI_PLUGIN_DIRS, cniAdd, cniPluginDir } from './cni.js';
import { startNsHelper, type NsHelper } from './ns-helper.js';

export class NetnsError extends Error {
  override readonly name = 'NetnsError';
}

/** Commands (or hostnames) run at once while building: process start-up, not CPU, is what they wait on. */
const BUILD_CONCURRENCY = 8;
/** Namespaces made per `ip -batch` (and per progress line of a large lab). */
const NAMESPACE_CHUNK = 100;

/** What one build works with: the plan, its record (and where it is written), where its own files go. */
export interface Build {
  readonly plan: NetnsPlan;
  readonly record: NetnsRecord;
  readonly path: string;
  /** The state directory (UTS namespace files and CNI leases go in `uts-PREFIX`, `cni-PREFIX` under it). */
  readonly stateDir: string;
  readonly signal: AbortSignal;
  readonly progress: (line: string) => void;
  readonly warnings: string[];
}

function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new NetnsError('aborted');
}

/**
 * Runs the branches at once; the first failure aborts the others (they start nothing new), and once all have finished
 * it is thrown, so a failed build never races its own cleanup.
 */
async function allOrFirstError(signal: AbortSignal, branches: readonly ((signal: AbortSignal) => Promise<void>)[]): Promise<void> {
  const stop = new AbortController();
  const both = AbortSignal.any([signal, stop.signal]);
  let first: { error: unknown } | undefined;
  await Promise.all(
    branches.map((branch) =>
      branch(both).catch((error: unknown) => {
        first ??= { error };
        stop.abort(error);
      }),
    ),
  );
  if (first) throw first.error;
}

/**
 * Builds the plan. Everything is recorded first; then the namespaces and /etc files; then the commands stage by stage,
 * with the hostnames alongside (the sysctls, hostnames and settle wait go through one namespace helper, ns-helper.ts,
 * started first). The lab server's launcher (every listener and DNS server, on sockets it makes in their namespaces)
 * starts with the commands and makes its sockets once the stages up to addresses and routes are done: a socket bound
 * to an address before the namespace has any would send its replies from the interface's primary address, as the
 * namespace has no local routing table yet. The netfilter stage stays after the CNI one: loaded earlier, it changes
 * which flows conntrack lists (the nodes' IGMP reports from cni0 went missing from `conntrack -L`). The settle wait for
 * the links starts once the CNI stage has made the last of them, alongside the per-interface sysctls and netfilter.
 */
export async function buildLab(b: Build): Promise<void> {
  // Everything the build makes is recorded first, in one durable write: a crash at any point leaves only recorded
  // things (which down skips when they do not exist), never one that down misses.
  b.record.namespaces.push(...b.plan.namespaces.map((n) => n.name));
  recordEtcFiles(b.plan, b.record);
  const cniDir = b.plan.steps.some((s) => s.cni) ? recordPrivateDir(b, `cni-${b.plan.prefix}`) : undefined;
  const dir = recordPrivateDir(b, `build-${b.plan.prefix}`);
  const utsDir = recordHostnames(b.plan, b.record, b.stateDir);
  const server = recordServer(b, dir);
  // The helper makes nothing by starting: it starts before the durable write, so Python's start-up overlaps it.
  const helper = startNsHelper();
  try {
    writeRecord(b.path, b.record);
    await buildRecorded(b, { cniDir, dir, utsDir, server }, helper);
  } finally {
    helper.close();
  }
}

/** What buildLab recorded and then makes: the CNI lease and build directories, the UTS files' directory, the server. */
interface Recorded {
  readonly cniDir: string | undefined;
  readonly dir: string;
  readonly utsDir: string;
  readonly server: ServerStart | undefined;
}

async function buildRecorded(b: Build, { cniDir, dir, utsDir, server }: Recorded, helper: NsHelper): Promise<void> {
  await createNamespaces(b);
  makeEtcFiles(b.plan);
  const cni = prepareCni(cniDir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (server) writeFileSync(server.specFile, JSON.stringify(server.spec), { mode: 0o600 });
  const batches = batchSteps(b.plan.steps);
  const counter = new StepCounter(b.plan.steps.length, b.progress);
  const earlyStage = stageOf('address');
  const cniStage = stageOf('cni');
  const run = (signal: AbortSignal, which: (stage: number) => boolean): Promise<void> =>
    runBatches(batches.filter((x) => which(x.stage)), { ...b, signal }, { counter, dir, helper, ...(cni ? { cni } : {}) });
  // The server's launcher starts now and makes its sockets once addresses and routes are in (`go`).
  const early = deferred();
  // The stages' branch comes first: its sysctl question reaches the helper before the hostnames one.
  await allOrFirstError(b.signal, [
    async (signal) => {
      await run(signal, (stage) => stage <= earlyStage).then(early.resolve, (e: unknown) => {
        early.reject(e);
        throw e;
      });
      await run(signal, (stage) => stage > earlyStage && stage <= cniStage);
      await allOrFirstError(signal, [(s) => run(s, (stage) => stage > cniStage), (s) => settle({ ...b, signal: s }, helper)]);
    },
    (signal) => startLabServer({ ...b, signal }, server, early.promise),
    async (signal) => {
      throwIfAborted(signal);
      const problem = await createHostnames(b.plan, b.record, utsDir, helper);
      if (problem) throw new NetnsError(problem);
    },
  ]);
  if (server) b.progress(`listeners ${server.entries}/${server.entries}`);
  throwIfAborted(b.signal);
}

/** Waits until the lab's links can carry packets (settle.ts); once every link exists, alongside the last stages. */
async function settle(b: Build, helper: NsHelper): Promise<void> {
  const late = await settleLinks(b.plan.namespaces.map((n) => n.name), helper, b.signal);
  if (late.length > 0) b.warnings.push(`links not ready after ${SETTLE_TIMEOUT_MS} ms: ${late.join(', ')}`);
}

/** A private directory NAME under the state directory, recorded (down removes it whole); made later. */
function recordPrivateDir({ record, stateDir }: Build, name: string): string {
  const dir = join(stateDir, name);
  (record.privateDirs ??= []).push(dir);
  return dir;
}

/** Makes the plan's namespaces (recorded by buildLab), NAMESPACE_CHUNK per `ip -batch`. */
async function createNamespaces({ plan, signal, progress }: Build): Promise<void> {
  const total = plan.namespaces.length;
  for (let start = 0; start < total; start += NAMESPACE_CHUNK) {
    throwIfAborted(signal);
    const chunk = plan.namespaces.slice(start, start + NAMESPACE_CHUNK).map((n) => n.name);
    const r = await runArgv(['ip', '-batch', '-'], { input: chunk.map((n) => `netns add ${n}`).join('\n') + '\n' });
    if (r.exitCode !== 0) throw new NetnsError(`ip netns add: ${r.stderr.trim()}`);
    progress(`namespaces ${start + chunk.length}/${total}`);
  }
}

interface CniRun {
  readonly pluginDir: string;
  readonly dataDir: (nodeNs: string) => string;
}

/**
 * The CNI plugins' place: the plugin directory, and host-local's lease directory per node under DIR (a private
 * directory buildLab recorded, made here; down removes it whole). Undefined when the lab attaches no pod by CNI.
 */
function prepareCni(dir: string | undefined): CniRun | undefined {
  if (dir === undefined) return undefined;
  const pluginDir = cniPluginDir();
  if (!pluginDir) throw new NetnsError(`the CNI bridge and host-local plugins are missing (${CNI_PLUGIN_DIRS.join(' or ')}): apt-get install -y containernetworking-plugins`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return { pluginDir, dataDir: (nodeNs) => join(dir, nodeNs) };
}

/** Tallies the plan steps done, for progress lines (about ten per build, at least every 50 steps, and per stage). */
class StepCounter {
  done = 0;
  constructor(
    readonly total: number,
    private readonly progress: (line: string) => void,
  ) {}
  private shown = 0;
  add(n: number): void {
    const every = Math.max(50, Math.ceil(this.total / 10));
    const before = this.done;
    this.done += n;
    if (Math.floor(this.done / every) > Math.floor(before / every) || this.done === this.total) this.show();
  }
  /** A progress line at the end of each stage too (unless nothing was done since the last one). */
  stageDone(): void {
    if (this.done !== this.shown) this.show();
  }
  private show(): void {
    this.shown = this.done;
    this.progress(`commands ${this.done}/${this.total}`);
  }
}

/** How a batch's failure is reported: an error that stops the build, or (an optional batch) a warning. */
function failed(b: Build, batch: BatchedStep, message: string): void {
  if (!batch.optional) throw new NetnsError(message);
  b.warnings.push(message);
  b.progress(`warning: ${message}`);
}

/** Runs one batch as its own process (a CNI plugin run, or what cannot be a line of a top-level batch). */
async function runAlone(batch: BatchedStep, b: Build, { counter, cni, helper }: StageRun): Promise<void> {
  throwIfAborted(b.signal);
  const attach = batch.steps[0]?.cni;
  if (attach) {
    if (!cni) throw new NetnsError('a CNI step without the CNI plugins prepared');
    await cniAdd(attach, cni.pluginDir, cni.dataDir(attach.nodeNs), helper.rename).catch((e: Error) => {
      throw new NetnsError(e.message);
    });
    counter.done++;
    b.progress(`pod ${attach.podNs} attached by the CNI bridge plugin`);
    return;
  }
  const r = await runArgv(batch.argv, batch.stdin !== undefined ? { input: batch.stdin } : {});
  if (r.exitCode !== 0) {
    const step = failedStep(batch, r.stderr);
    failed(b, batch, `${(step ?? batch).argv.join(' ')}: exit ${r.exitCode}: ${r.stderr.trim().replace(/\n?Command failed -:\d+$/, '')}`);
  }
  counter.add(batch.steps.length);
}

/**
 * Runs BATCHES (all of one stage, each one line) in one `ip -force -batch -`: ip forks each command itself, one after
 * the other. Every line runs; then the first failed batch that is not optional is thrown, the optional ones warned.
 */
async function runAsLines(batches: readonly BatchedStep[], lines: readonly { line: string; input?: BatchInput }[], b: Build, counter: StepCounter): Promise<void> {
  throwIfAborted(b.signal);
  for (const { input } of lines) if (input) writeFileSync(input.path, input.content, { mode: 0o600 });
  const r = await runArgv(['ip', '-force', '-batch', '-'], { input: lines.map((l) => l.line).join('\n') + '\n' });
  const failures = failedLines(r.stderr);
  if (r.exitCode !== 0 && failures.length === 0) throw new NetnsError(`ip -force -batch: exit ${r.exitCode}: ${r.stderr.trim()}`);
  for (const f of failures) {
    const batch = batches[f.line - 1];
    if (!batch) throw new NetnsError(`ip -force -batch: ${f.stderr}`);
    const step = f.nested ? batch.steps[f.nested.line - 1] : batch.steps.length === 1 ? batch.steps[0] : undefined;
    failed(b, batch, `${(step ?? batch).argv.join(' ')}: failed: ${f.stderr}`);
  }
  counter.add(batches.reduce((n, x) => n + x.steps.length, 0));
}

/**
 * Top-level batches per stage (each runs its lines one by one): up to BUILD_CONCURRENCY, as the lines wait on the kernel
 * (nf_tables commits, netns switches) more than on the CPU: the netfilter stage of the three-node lab took 200-220 ms
 * in 2 runs and 60-70 ms in 8 (idle machine). The link stage keeps two (more for large labs): its veths' peers land in
 * other namespaces, whose interface indexes follow the order the peers are made in.
 */
const runnersFor = (groups: number, crossesNamespaces: boolean): number =>
  Math.min(groups, crossesNamespaces ? Math.max(2, Math.min(8, Math.ceil(groups / 25))) : BUILD_CONCURRENCY);

/** What runs a build's stages: the step tally, the build directory (batch input files), the helper, the CNI plugins. */
interface StageRun {
  readonly counter: StepCounter;
  readonly dir: string;
  readonly helper: NsHelper;
  readonly cni?: CniRun;
}

/** Writes the sysctl BATCHES of one stage through the helper, in one question (a failed one throws, or warns if optional). */
async function runSysctls(batches: readonly BatchedStep[], b: Build, { counter, helper }: StageRun): Promise<void> {
  throwIfAborted(b.signal);
  const errors = await helper.sysctl(batches.map((x) => x.sysctl!));
  batches.forEach((batch, i) => {
    if (errors[i] !== undefined) failed(b, batch, `${batch.argv.join(' ')}: failed: ${errors[i]}`);
  });
  counter.add(batches.reduce((n, x) => n + x.steps.length, 0));
}

/**
 * Runs BATCHES stage by stage. In each stage, the namespaces whose batches are all sysctl writes go to the helper in
 * one question; the batches of every other namespace whose batches can all be lines (batchLine) go, in order, into a
 * few top-level `ip -force -batch -` runs; the remaining namespaces' batches run one after the other as their own
 * processes. Input files go in the build directory.
 */
async function runBatches(batches: readonly BatchedStep[], b: Build, run: StageRun): Promise<void> {
  for (const groups of phaseGroups(batches)) {
    const tasks: (() => Promise<void>)[] = [];
    const lineable: { batch: BatchedStep; line: { line: string; input?: BatchInput } }[][] = [];
    const sysctls: BatchedStep[] = [];
    for (const group of groups) {
      if (group.every((batch) => batch.sysctl !== undefined)) {
        sysctls.push(...group);
        continue;
      }
      const lines = group.map((batch, i) => batchLine(batch, join(run.dir, `${batch.stage}-${i}-${batch.ns}`)));
      if (lines.every((l) => l !== undefined)) lineable.push(group.map((batch, i) => ({ batch, line: lines[i]! })));
      else tasks.push(async () => {
        for (const batch of group) await runAlone(batch, b, run);
      });
    }
    if (sysctls.length > 0) tasks.push(() => runSysctls(sysctls, b, run));
    const runners = runnersFor(lineable.length, groups.some((g) => g.some((x) => x.phase === 'link')));
    for (let r = 0; r < runners; r++) {
      const mine = lineable.filter((_, i) => i % runners === r).flat();
      tasks.push(() => runAsLines(mine.map((x) => x.batch), mine.map((x) => x.line), b, run.counter));
    }
    await forEachLimit(tasks, BUILD_CONCURRENCY, (task) => task());
    run.counter.stageDone();
  }
}

/** The lab server to start: where it lives, its argv, and how many record entries (listeners, DNS servers) it serves. */
interface ServerStart {
  readonly home: string;
  readonly python: string;
  readonly argv: readonly string[];
  /** The spec, written to specFile (in the build directory) once that is made. */
  readonly spec: ServerSpec;
  readonly specFile: string;
  readonly entries: number;
}

/** The resolv.conf the namespace NS sees under `ip netns exec` (its /etc/netns file), else the host's. */
function resolvConfOf(plan: Build['plan'], ns: string): string {
  return plan.files.find((f) => f.path.endsWith(`/${ns}/resolv.conf`))?.path ?? '/etc/resolv.conf';
}

/** The server's spec: the listeners' sockets, then each DNS server's UDP and TCP port 53. */
function serverSpec(plan: Build['plan'], home: string, python: string): ServerSpec {
  const sockets: ServerSocket[] = plan.listeners.flatMap((spec) => spec.listeners.map((l) => listenerSocket(spec.ns, l)));
  plan.dnsServers.forEach((d, server) => {
    for (const proto of ['udp', 'tcp'] as const) sockets.push({ ns: d.ns, proto, address: d.address, port: 53, service: { kind: 'dns', server } });
  });
  const dns = plan.dnsServers.map((d) => ({ ns: d.ns, role: d.role, zone: d.zone, resolvConf: resolvConfOf(plan, d.ns) }));
  return { python, home, sockets, dns };
}

/**
 * Records one process entry per listener set and DNS server (all the one server's command line, its spec file in
 * DIR); undefined when the lab has none.
 */
function recordServer({ plan, record }: Build, dir: string): ServerStart | undefined {
  const served = [
    ...plan.listeners.map((l) => ({ ns: l.ns, device: l.device, serves: 'listeners' as const })),
    ...plan.dnsServers.map((d) => ({ ns: d.ns, device: d.device, serves: 'dns' as const })),
  ];
  if (served.length === 0) return undefined;
  const home = served[0]!.ns;
  const specFile = join(dir, 'server.json');
  const spec = serverSpec(plan, home, pythonPath());
  const argv = labServerArgv(labServerScript(), specFile);
  record.processes.push(...served.map((s) => ({ ...s, argv })));
  return { home, python: spec.python, argv, spec, specFile, entries: served.length };
}

/**
 * Starts the lab server; its PID is written with the finished record (a crash before that leaves it to down, which
 * finds it in its home namespace, one of the lab's, by its command line).
 */
async function startLabServer({ record, signal }: Build, server: ServerStart | undefined, go: Promise<void>): Promise<void> {
  if (!server) return;
  throwIfAborted(signal);
  await startServer(server.home, server.python, server.argv, (pid) => {
    for (const p of record.processes) if (p.argv === server.argv) p.pid = pid;
  }, go);
}

/** A promise with its resolve and reject at hand (a rejection nobody awaits is not reported). */
function deferred(): { promise: Promise<void>; resolve: () => void; reject: (e: unknown) => void } {
  let resolve!: () => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}
