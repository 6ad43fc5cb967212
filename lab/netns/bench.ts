// Benchmark of the namespace lab for `npm run bench`: building and tearing down the three-node lab, and the same
// traceroute on the simulator and on the kernel, measured side by side in one run. Figures are printed, never asserted.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadLab } from '../../topology/compile.js';
import { createSimBackend } from '../sim.js';
import { createNetnsBackend } from './backend.js';
import { preflight } from './preflight.js';
import { netnsDown, netnsUp } from './lifecycle.js';
import { readRecord, recordPath } from './record.js';
import { runArgv } from '../process.js';
import { median } from '../median.js';

export interface NetnsBenchRow {
  /** What was measured, e.g. `netns up three-node` or `traceroute -n 10.244.1.3 (node-2/netshoot)`. */
  readonly what: string;
  /** Median wall-clock milliseconds on the namespace lab (the real kernel). */
  readonly kernelMs: number;
  /** Median milliseconds of the same command on the simulator, where it applies. */
  readonly simMs?: number;
  /** kernelMs / simMs: how many times faster the simulator is. */
  readonly ratio?: number;
  /** Mininet's figure for the same work on this class of machine (up and down rows), for comparison. */
  readonly mininet?: string;
  /** The bare command the measured one wraps (exec overhead row): median ms. */
  readonly bareMs?: number;
  readonly runs: number;
}

export interface NetnsBenchResult {
  /** Undefined when the benchmark ran; otherwise why it was skipped (not root, a tool missing). */
  readonly skipped?: string;
  readonly rows: readonly NetnsBenchRow[];
}

export interface NetnsBenchOptions {
  /** Namespace prefix of the bench lab (default tlbench). */
  readonly prefix?: string;
  /** Repetitions of each measurement (default 5). */
  readonly runs?: number;
}

/**
 * Mininet building and tearing down a comparable bare topology on a 2-core machine of this class (issue 15; Mininet is
 * not needed to run the bench): printed next to the namespace lab's up and down rows.
 */
export const MININET_REFERENCE = { up: '330-370 ms', down: '300 ms' } as const;

async function timed(body: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await body();
  return performance.now() - t;
}

/** The traceroutes compared: the seeds of docs/kernel-facts.md §1 (Linux and busybox) and a cross-node pod-to-pod trace. */
export const BENCH_PROBES: readonly { readonly at: string; readonly run: string }[] = [
  { at: 'controlplane', run: 'traceroute -n 192.168.56.11' },
  { at: 'node-2/netshoot', run: 'traceroute -n 10.244.1.3' },
  { at: 'node-2/traceroute', run: 'traceroute 10.244.1.3' },
];

/**
 * Times `up` and `down` of the three-node lab in namespaces, and each BENCH_PROBES traceroute on the kernel and on the
 * simulator (same lab, same command, alternating so both see the same machine load). Needs root and the tools;
 * otherwise returns `skipped` with the reason. Always removes its lab.
 */
export async function benchNetns(opts: NetnsBenchOptions = {}): Promise<NetnsBenchResult> {
  const check = preflight();
  if (!check.ok) return { skipped: check.message.split('\n').join('; '), rows: [] };
  const prefix = opts.prefix ?? 'tlbench';
  const runs = Math.max(1, opts.runs ?? 5);
  const stateDir = mkdtempSync(join(tmpdir(), 'tracelab-bench-'));
  const lab = loadLab('three-node');
  const rows: NetnsBenchRow[] = [];
  try {
    const up: number[] = [];
    const down: number[] = [];
    for (let i = 0; i < runs; i++) {
      up.push(await timed(() => netnsUp(lab, { prefix, stateDir, skipPreflight: true })));
      down.push(await timed(() => netnsDown({ prefix, stateDir })));
    }
    rows.push({ what: `netns up ${lab.name}`, kernelMs: median(up), mininet: MININET_REFERENCE.up, runs });
    rows.push({ what: `netns down ${lab.name}`, kernelMs: median(down), mininet: MININET_REFERENCE.down, runs });

    const kernel = createNetnsBackend({ prefix, stateDir });
    const sim = createSimBackend();
    await kernel.up(lab);
    await sim.up(lab);
    rows.push(await execOverhead(kernel, stateDir, prefix, runs));
    for (const probe of BENCH_PROBES) {
      // One untimed run each: the simulator's first run pays for JIT compilation, the kernel's for cold caches.
      await kernel.run(probe.at, probe.run);
      await sim.run(probe.at, probe.run);
      const k: number[] = [];
      const s: number[] = [];
      for (let i = 0; i < runs; i++) {
        k.push(await timed(() => kernel.run(probe.at, probe.run)));
        s.push(await timed(() => sim.run(probe.at, probe.run)));
      }
      const kernelMs = median(k);
      const simMs = median(s);
      rows.push({ what: `${probe.run} (${probe.at})`, kernelMs, simMs, ratio: simMs > 0 ? kernelMs / simMs : Infinity, runs });
    }
  } finally {
    await netnsDown({ prefix, stateDir });
    rmSync(stateDir, { recursive: true, force: true });
  }
  return { rows };
}

/**
 * What one `run` on the namespace backend costs over the bare `ip netns exec NS true` it wraps (place lookup, record
 * read, hostname namespace, process start), measured alternately on the controlplane's namespace.
 */
async function execOverhead(kernel: ReturnType<typeof createNetnsBackend>, stateDir: string, prefix: string, runs: number): Promise<NetnsBenchRow> {
  const ns = readRecord(recordPath(stateDir, prefix))?.places['controlplane']?.ns;
  if (ns === undefined) throw new Error('bench: the namespace lab has no controlplane place');
  const backend: number[] = [];
  const bare: number[] = [];
  for (let i = 0; i < runs * 2; i++) {
    backend.push(await timed(() => kernel.run('controlplane', 'true')));
    bare.push(await timed(() => runArgv(['ip', 'netns', 'exec', ns, 'true'])));
  }
  const kernelMs = median(backend);
  const bareMs = median(bare);
  return { what: 'exec `true` (controlplane) vs bare ip netns exec', kernelMs, bareMs, runs: runs * 2 };
}

/** The namespace rows `npm run bench -- --json` adds as one object: up and down medians in ms (root only). */
export function netnsJsonRow(result: NetnsBenchResult): { netnsUpMs: number; netnsDownMs: number; netnsExecMs?: number; netnsBareExecMs?: number } | undefined {
  const up = result.rows.find((r) => r.what.startsWith('netns up'));
  const down = result.rows.find((r) => r.what.startsWith('netns down'));
  const exec = result.rows.find((r) => r.bareMs !== undefined);
  if (!up || !down) return undefined;
  const ms = (x: number) => Math.round(x * 10) / 10;
  return { netnsUpMs: ms(up.kernelMs), netnsDownMs: ms(down.kernelMs), ...(exec ? { netnsExecMs: ms(exec.kernelMs), netnsBareExecMs: ms(exec.bareMs!) } : {}) };
}

/** The rows as the bench prints them. */
export function formatNetnsBench(result: NetnsBenchResult): string {
  if (result.skipped) return `namespace lab: skipped (${result.skipped})\n`;
  const lines = ['namespace lab (median of runs; ratio = kernel / simulator):'];
  for (const r of result.rows) {
    const sim = r.simMs !== undefined ? `  sim ${r.simMs.toFixed(3)} ms  ratio ${r.ratio!.toFixed(0)}x`
      : r.bareMs !== undefined ? `  bare ${r.bareMs.toFixed(1)} ms  overhead ${(r.kernelMs - r.bareMs).toFixed(1)} ms`
      : r.mininet !== undefined ? `  (Mininet: ${r.mininet})` : '';
    lines.push(`  ${r.what.padEnd(48)} kernel ${r.kernelMs.toFixed(1)} ms${sim}`);
  }
  return lines.join('\n') + '\n';
}
