// Root-only: the real ss and conntrack in the namespace lab (real listeners, real connections) against the simulator,
// command for command, masked by sim/tools/mask.ts (row order, ephemeral ports, ss -p owners, conntrack timeouts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { preflight } from '../lab/netns/preflight.js';
import { createNetnsBackend } from '../lab/netns/backend.js';
import { netnsDown } from '../lab/netns/lifecycle.js';
import { createSimBackend } from '../lab/sim.js';
import { loadLab } from '../topology/compile.js';
import { maskMilliseconds } from '../sim/tools/mask.js';

const check = preflight();
if (!check.ok) console.log(`skipping ss/conntrack namespace tests: ${check.message.split('\n').join('; ')}`);

const PREFIX = 'tl4ss';

/** Listeners first (nothing connected yet), then connections, then what they left behind. */
const STEPS: readonly [string, string][] = [
  ['netshoot', 'ss -tlnp'],
  ['netshoot', 'ss -uln'],
  ['netshoot', 'ss -tuln'],
  ['netshoot', 'ss -tul'],
  ['netshoot', 'ss -ltnH'],
  ['netshoot', 'ss -tan'],
  ['node-2', 'ss -tlnp'],
  ['node-2', 'conntrack -L -p tcp'],
  ['node-2', 'curl -s http://10.244.2.3/'],
  ['netshoot', 'curl -s -o /dev/null http://httpd/'],
  ['netshoot', 'nc -zv 10.244.1.2 80'],
  ['netshoot', 'nc -zv 10.244.1.3 82'],
  ['controlplane', 'curl -s -o /dev/null http://10.96.0.20/'],
  ['netshoot', 'ss -tan'],
  ['netshoot', 'ss -ta'],
  ['netshoot', 'ss -tuan'],
  ['netshoot', 'ss -tanH'],
  ['netshoot', 'ss -t'],
  ['node-2', 'ss -tan'],
  ['controlplane', 'ss -tan'],
  ['node-2', 'conntrack -L -p tcp'],
  ['node-1', 'conntrack -L -p tcp'],
  ['controlplane', 'conntrack -L -p tcp'],
  ['node-2', 'conntrack -L -p tcp --dport 80 -o extended'],
  ['node-2', 'conntrack -L -p tcp --orig-dst 10.96.0.20'],
  ['netshoot', 'conntrack -L -p tcp'],
];

describe.skipIf(!check.ok)('ss and conntrack: the kernel and the simulator', () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'tracelab-ss-'));
  const kernel = createNetnsBackend({ prefix: PREFIX, stateDir });
  const sim = createSimBackend();
  const lab = loadLab(join(import.meta.dirname, 'fixtures/l4/netshoot-listening.yaml'));
  const seen: { kernel: string; sim: string }[] = [];

  beforeAll(async () => {
    await kernel.up(lab);
    await sim.up(lab);
    const view = (r: { stdout: string; stderr: string; exitCode: number }) => `${maskMilliseconds(r.stdout)}|${maskMilliseconds(r.stderr)}|${r.exitCode}`;
    // One pass, in order (the connections of one step are the sockets and flows of the next).
    for (const [at, line] of STEPS) seen.push({ kernel: view(await kernel.run(at, line)), sim: view(await sim.run(at, line)) });
  }, 180_000);
  afterAll(async () => {
    await netnsDown({ prefix: PREFIX, stateDir });
    rmSync(stateDir, { recursive: true, force: true });
  }, 120_000);

  for (const [i, [at, line]] of STEPS.entries()) {
    it(`${i}. ${at}: ${line}`, () => {
      expect(seen[i]!.sim).toEqual(seen[i]!.kernel);
    });
  }
});
