// The web trainer's row of `npm run bench -- --web`: the heap one trainee's session takes (the three-node lab of
// forwarding-off-node-1, started and waiting at its prompt), and a class of scripted trainees (100 by default) who all
// join over loopback at once and type the scenario's fix. Figures are printed, never asserted.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Scenario } from '../scenario/types.js';
import { CLASS_DEFAULTS, randomToken, type ClassConfig } from './class-file.js';
import { ClassRoom } from './class-room.js';
import { makePrivateDir } from '../io/output-file.js';
import { fixLines, ScriptedTrainee } from './scripted-trainee.js';
import { startClassServer } from './server.js';

export interface WebBenchRow {
  readonly what: 'web class';
  readonly scenario: string;
  /** Heap MiB per started session (sessions held at once: `sessionsMeasured`). */
  readonly heapPerSessionMiB: number;
  readonly sessionsMeasured: number;
  readonly trainees: number;
  /** How many of them saw FIXED. */
  readonly fixed: number;
  /** Wall milliseconds from the first connection to the last FIXED. */
  readonly wallMs: number;
  /** Process RSS MiB with every trainee's session (and its scripted client) held. */
  readonly rssMiB: number;
}


/** The garbage collector, exposed for this measurement (bench only; `node --expose-gc` not needed). */
function collector(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

function benchClass(scenario: Scenario, trainees: number): ClassConfig {
  return {
    name: 'bench', steps: [{ scenario, hints: true, solutions: false }], trainerToken: randomToken(), tokenGenerated: true,
    idleTimeoutMs: CLASS_DEFAULTS.idleTimeoutMs, maxTrainees: trainees,
  };
}

const round = (x: number) => Math.round(x * 100) / 100;

/** Issue 16's target for one trainee's session on the three-node lab. */
const TARGET_MIB = 5;

/** Heap per session: `count` sessions started side by side (each after one probe), measured after a full collection. */
async function heapPerSession(scenario: Scenario, count: number, gc: () => void): Promise<number> {
  const room = new ClassRoom(benchClass(scenario, count), makePrivateDir('tracelab-bench-web-'));
  gc();
  const before = process.memoryUsage().heapUsed;
  // Each session started and its first probe run once (the simulator has then built what a probe needs).
  const probe = `${scenario.probes[0]?.run ?? 'ip route'}\r`;
  const started = Array.from({ length: count }, (_, i) => new Promise<void>((resolve) => {
    const trainee = room.admit(`t${i}`)!;
    let typed = false;
    trainee.subscribe((m) => {
      if (!typed && m.t === 'out' && m.d.includes('Type `help`')) {
        typed = true;
        trainee.type(probe);
      } else if (typed && m.t === 'state') resolve(); // sent when the probe's line was answered
    });
  }));
  await Promise.all(started);
  gc();
  const after = process.memoryUsage().heapUsed;
  await room.close();
  return (after - before) / count / 1048576;
}

export async function benchWeb(scenario: Scenario, trainees = 100): Promise<WebBenchRow> {
  const gc = collector();
  const sessionsMeasured = 50;
  const heapPerSessionMiB = await heapPerSession(scenario, sessionsMeasured, gc);
  const server = await startClassServer(benchClass(scenario, trainees), { host: '127.0.0.1', port: 0 });
  const lines = fixLines(scenario);
  let fixed = 0;
  const t0 = performance.now();
  const clients = await Promise.all(Array.from({ length: trainees }, (_, i) => ScriptedTrainee.connect(server.url, { name: `trainee-${i}` })));
  await Promise.all(clients.map(async (c) => {
    await c.see('Type `help`', 0, 120_000);
    for (const line of lines) c.type(`${line}\r`);
    await c.see('FIXED: all', 0, 120_000);
    fixed++;
  }));
  const wallMs = Math.round(performance.now() - t0);
  const rssMiB = round(process.memoryUsage().rss / 1048576);
  await Promise.all(clients.map((c) => c.close()));
  await server.close();
  return { what: 'web class', scenario: scenario.name, heapPerSessionMiB: round(heapPerSessionMiB), sessionsMeasured, trainees, fixed, wallMs, rssMiB };
}

export function formatWebBench(row: WebBenchRow): string {
  return [
    `web class (${row.scenario}): ${row.heapPerSessionMiB} MiB heap per session (${row.sessionsMeasured} sessions held; target < ${TARGET_MIB} MiB: ${row.heapPerSessionMiB < TARGET_MIB ? 'met' : 'NOT met'})`,
    `  ${row.trainees} scripted trainees over loopback: ${row.fixed} FIXED in ${row.wallMs} ms; RSS ${row.rssMiB} MiB`,
  ].join('\n') + '\n';
}
