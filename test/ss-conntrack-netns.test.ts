// Root-only: the real ss and conntrack in the namespace lab (real listeners, real connections) against the simulator,
// command for command, masked by sim/tools/mask.ts (row order, ephemeral ports, ss -p owners, conntrack timeouts).
import { describe } from 'vitest';
import { join } from 'node:path';
import { preflight } from '../lab/netns/preflight.js';
import { pairedSteps, type Step } from './helpers/paired-steps.js';

const check = preflight();
if (!check.ok) console.log(`skipping ss/conntrack namespace tests: ${check.message.split('\n').join('; ')}`);

const PREFIX = 'tl4ss';

/** Listeners first (nothing connected yet), then connections, then what they left behind. */
const STEPS: readonly Step[] = [
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
  pairedSteps(PREFIX, join(import.meta.dirname, 'fixtures/l4/netshoot-listening.yaml'), STEPS);
});
