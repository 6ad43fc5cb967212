// The CLI's cold start for `npm run bench`: wall time of whole `tracelab` processes against a bare `node -e 0`.
// The commands run alternating in one loop (a loaded machine slows all of them alike), and medians are reported.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../topology/paths.js';
import { median } from '../lab/median.js';

export interface ColdStartRow {
  readonly what: 'cold start';
  /** Median wall milliseconds of `node -e 0`. */
  readonly nodeMs: number;
  /** Median wall milliseconds of `tracelab exec node-2/traceroute -- traceroute 10.244.1.3`. */
  readonly execMs: number;
  /** Median wall milliseconds of `tracelab scenario run` on one library scenario. */
  readonly scenarioMs: number;
  /** execMs / nodeMs. */
  readonly coldStartRatio: number;
  /** scenarioMs / nodeMs. */
  readonly scenarioRatio: number;
  /** Peak RSS of the exec command in MiB (from /usr/bin/time), when that program exists. */
  readonly execPeakRssMiB?: number;
  readonly runs: number;
}

/** The scenario `scenario run` is timed on. */
export const COLD_START_SCENARIO = join('scenarios', 'forwarding-off-node-1.yaml');

const TIME = '/usr/bin/time';

/** The two timed command lines (tracelab's arguments); the CLI bundle's code cache is made by running them. */
export function coldStartLines(root: string): Record<'exec' | 'scenario', string[]> {
  return {
    exec: ['exec', 'node-2/traceroute', '--', 'traceroute', '10.244.1.3'],
    scenario: ['scenario', 'run', join(root, COLD_START_SCENARIO)],
  };
}

function argvs(root: string): Record<'node' | 'exec' | 'scenario', string[]> {
  const bin = join(root, 'dist', 'cli', 'bin.js');
  const lines = coldStartLines(root);
  return { node: ['-e', '0'], exec: [bin, ...lines.exec], scenario: [bin, ...lines.scenario] };
}

/** Wall milliseconds of one run of node with `args`; a failing run is an error (the figures would mean nothing). */
function timeRun(args: readonly string[]): number {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`cold start: node ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return ms;
}

/** Peak RSS in MiB of node with `args`, by /usr/bin/time's maximum resident set size (KiB); undefined without it. */
function peakRssMiB(args: readonly string[]): number | undefined {
  if (!existsSync(TIME)) return undefined;
  const r = spawnSync(TIME, ['-f', '%M', process.execPath, ...args], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  const kib = Number(/(\d+)\s*$/.exec(r.stderr)?.[1]);
  return Number.isFinite(kib) ? Math.round((kib / 1024) * 10) / 10 : undefined;
}


const round = (x: number, places = 1) => Math.round(x * 10 ** places) / 10 ** places;

/** Times the three commands `runs` times each, alternating, after one untimed warm-up round (disk cache). */
export function benchColdStart(runs = 11): ColdStartRow {
  const commands = argvs(packageRoot());
  const times = { node: [] as number[], exec: [] as number[], scenario: [] as number[] };
  for (const args of Object.values(commands)) timeRun(args);
  for (let i = 0; i < runs; i++) {
    for (const key of ['node', 'exec', 'scenario'] as const) times[key].push(timeRun(commands[key]));
  }
  const nodeMs = median(times.node);
  const execMs = median(times.exec);
  const scenarioMs = median(times.scenario);
  const rss = peakRssMiB(commands.exec);
  return {
    what: 'cold start', nodeMs: round(nodeMs), execMs: round(execMs), scenarioMs: round(scenarioMs),
    coldStartRatio: round(execMs / nodeMs, 2), scenarioRatio: round(scenarioMs / nodeMs, 2),
    ...(rss !== undefined ? { execPeakRssMiB: rss } : {}), runs,
  };
}

export function formatColdStart(row: ColdStartRow): string {
  return [
    `cold start (medians of ${row.runs}, alternating): node -e 0 ${row.nodeMs} ms`,
    `  tracelab exec node-2/traceroute -- traceroute 10.244.1.3  ${row.execMs} ms  (${row.coldStartRatio}x node)`,
    `  tracelab scenario run ${COLD_START_SCENARIO}  ${row.scenarioMs} ms  (${row.scenarioRatio}x node)`,
    ...(row.execPeakRssMiB !== undefined ? [`  exec peak RSS ${row.execPeakRssMiB} MiB`] : []),
  ].join('\n') + '\n';
}
