// `npm run bench`: compile time, memory and simulated traceroutes per second of generated host-gw clusters.
// As root, also the namespace lab: build/teardown and the same traceroute on the kernel and on the simulator.
// Not a test: figures are printed, never asserted. `npm run bench -- --json` prints the simulator rows as a JSON array,
// the CLI's cold start row (`coldStartRatio`) and, as root, the namespace lab's row (`netnsUpMs`, `netnsDownMs`, exec
// overhead); `npm run bench -- 3 100` picks sizes; `--no-netns` skips the namespace rows, `--no-cold-start` the cold start row;
// `--web` adds the web trainer's row (heap per session, 100 scripted trainees over loopback; `--web=N` trainees).
import { compileLabObject } from '../topology/compile.js';
import { generateHostGwLab } from '../topology/generate.js';
import type { Device, LabModel } from '../topology/model.js';
import { hasTool } from '../topology/images.js';
import { debugView } from '../topology/debug-container.js';
import { runInContainer } from '../sim/debug-container.js';
import { Dataplane } from '../sim/dataplane.js';
import { runProbe } from '../sim/probe.js';
import { mix } from '../sim/packet.js';
import { Simulator } from '../sim/simulator.js';
import type { ColdStartRow } from './cold-start.js';
import type { WebBenchRow } from '../lab/web/bench-web.js';

export interface BenchRow {
  nodes: number;
  pods: number;
  compileMs: number;
  rssMiB: number;
  tracesPerSec: number;
  /** The same, printing Linux traceroute's text through the CLI's code path (`traceroute -n DST`). */
  textTracesPerSec: number;
}

const SIZES = [3, 100, 1000, 5000];
const PODS_PER_NODE = 30;
/** Untimed runs before each timed loop (timeLoop), in ms of CPU. */
const WARM_MS = 1000;

/** A traceroute as data: 3 UDP probes per hop from TTL 1 until a final reply (Linux traceroute's defaults). */
function traceRecord(dp: Dataplane, src: string, dst: number, seq: number): number {
  let probes = 0;
  for (let ttl = 1; ttl <= 30; ttl++) {
    let final = false;
    for (let q = 0; q < 3; q++) {
      const r = runProbe(dp, src, { protocol: 'udp', dst, dport: 33434 + probes, sport: 40000, ttl, length: 60, df: false, seq: seq * 100 + probes });
      probes++;
      if (r.reply && r.reply.kind !== 'time-exceeded') final = true;
    }
    if (final) break;
  }
  return probes;
}

function podPairs(lab: LabModel, count: number): [string, number][] {
  const pods = lab.devices.filter((d) => d.kind === 'pod');
  const out: [string, number][] = [];
  for (let i = 0; i < count; i++) {
    const a = pods[mix(7, i) % pods.length]!;
    const b = pods[mix(11, i) % pods.length]!;
    out.push([a.id, b.interfaces[1]!.addrs[0]!.ip]);
  }
  return out;
}

/** Where a text traceroute from pod D runs: the pod, or a netshoot debug container in it when its image has none. */
function tracerouteAt(d: Device): Device {
  if (hasTool(d, 'traceroute')) return d;
  const view = debugView(d, 'netshoot');
  return view.ok ? view.device : d;
}

/**
 * Runs of BODY per CPU second over at least MINMS, after WARMMS of untimed runs: V8 first runs the code unoptimised
 * and, when the text loop follows the records loop, deoptimises the engine it shares (new object shapes, a moving
 * clock) and optimises it again, on a compiler thread that a loaded machine starves. That start-up is no rate.
 */
function timeLoop(minMs: number, body: (i: number) => void, warmMs = WARM_MS): number {
  // CPU time of this process, not wall time: on a shared 2-core machine the wall clock counts other processes' turns.
  const cpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
  let n = 0;
  const warmStart = cpuMs();
  while (cpuMs() - warmStart < warmMs) for (let k = 0; k < 100; k++) body(n++);
  const timed = n;
  const start = cpuMs();
  let elapsed = 0;
  while (elapsed < minMs) {
    for (let k = 0; k < 100; k++) body(n++);
    elapsed = cpuMs() - start;
  }
  return ((n - timed) / elapsed) * 1000;
}

export function benchSize(nodes: number): BenchRow {
  const file = generateHostGwLab(nodes, PODS_PER_NODE);
  // `npm run bench` exposes gc: the row's RSS then holds no garbage of the rows before it (a finished 1,000-node row
  // left about 100 MiB of it under the 5,000-node compile).
  (globalThis as { gc?: () => void }).gc?.();
  const t0 = performance.now();
  const lab = compileLabObject(`generated:${nodes}`, file);
  const sim = new Simulator(lab);
  const compileMs = performance.now() - t0;
  const rssMiB = process.memoryUsage().rss / 1048576;
  const dp = sim.dp;
  dp.recordSteps = false;
  const pairs = podPairs(lab, 4096);
  const tracesPerSec = timeLoop(1000, (i) => {
    const [src, dst] = pairs[i % pairs.length]!;
    traceRecord(dp, src, dst, i);
  });
  // nginx pods have no traceroute: theirs run from a netshoot debug container in the pod, the same Linux tool as before.
  const from = new Map(pairs.map(([src]) => [src, tracerouteAt(lab.device(src)!)]));
  const textTracesPerSec = timeLoop(500, (i) => {
    const [src, dst] = pairs[i % pairs.length]!;
    const ip = `${dst >>> 24}.${(dst >>> 16) & 255}.${(dst >>> 8) & 255}.${dst & 255}`;
    runInContainer(sim, from.get(src)!, `traceroute -n ${ip}`);
  });
  return { nodes, pods: nodes * PODS_PER_NODE, compileMs: round(compileMs), rssMiB: round(rssMiB), tracesPerSec: Math.round(tracesPerSec), textTracesPerSec: Math.round(textTracesPerSec) };
}

const round = (x: number) => Math.round(x * 10) / 10;

async function main(argv: readonly string[]): Promise<void> {
  const json = argv.includes('--json');
  const sizes = argv.filter((a) => /^\d+$/.test(a)).map(Number);
  const rows: (BenchRow | ColdStartRow | WebBenchRow)[] = [];
  if (!json) console.log('nodes   pods     compile ms  rss MiB  traceroutes/s (record)  traceroutes/s (text)');
  for (const n of sizes.length ? sizes : SIZES) {
    const row = benchSize(n);
    rows.push(row);
    if (!json) {
      console.log(`${String(row.nodes).padEnd(8)}${String(row.pods).padEnd(9)}${String(row.compileMs).padStart(10)}  ${String(row.rssMiB).padStart(7)}  ${String(row.tracesPerSec).padStart(22)}  ${String(row.textTracesPerSec).padStart(20)}`);
    }
  }
  // The cold start and namespace lab rows load their modules when they run: the simulator rows' RSS is the lab's alone.
  if (!argv.includes('--no-cold-start')) {
    const { benchColdStart, formatColdStart } = await import('./cold-start.js');
    const coldStart = benchColdStart();
    rows.push(coldStart);
    if (!json) process.stdout.write(`\n${formatColdStart(coldStart)}`);
  }
  const web = argv.find((a) => a === '--web' || a.startsWith('--web='));
  if (web) {
    const { benchWeb, formatWebBench } = await import('../lab/web/bench-web.js');
    const { COLD_START_SCENARIO } = await import('./cold-start.js');
    const { findScenario } = await import('./common.js');
    const row = await benchWeb(findScenario(COLD_START_SCENARIO), web.includes('=') ? Number(web.split('=')[1]) : 100);
    rows.push(row);
    if (!json) process.stdout.write(`\n${formatWebBench(row)}`);
  }
  const { benchNetns, formatNetnsBench, netnsJsonRow } = await import('../lab/netns/index.js');
  const netns = argv.includes('--no-netns') ? { skipped: '--no-netns', rows: [] } : await benchNetns();
  if (json) {
    const netnsRow = netnsJsonRow(netns);
    console.log(JSON.stringify(netnsRow ? [...rows, netnsRow] : rows));
    return;
  }
  process.stdout.write(`\n${formatNetnsBench(netns)}`);
}

await main(process.argv.slice(2));
