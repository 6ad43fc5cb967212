// Root-only: a generated 20-node host-gw lab (topology/generate.ts) builds in namespaces with progress, works, and goes.
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { preflight } from '../lab/netns/preflight.js';
import { createNetnsBackend } from '../lab/netns/backend.js';
import { netnsDown, netnsUp } from '../lab/netns/lifecycle.js';
import { compileLabObject } from '../topology/compile.js';
import { generateHostGwLab } from '../topology/generate.js';
import { maskMilliseconds } from '../sim/tools/mask.js';
import { formatIp } from '../topology/address.js';

const check = preflight();
if (!check.ok) console.log(`skipping the large namespace lab: ${check.message.split('\n').join('; ')}`);

describe.skipIf(!check.ok)('a generated 20-node lab in namespaces', () => {
  it('reports progress while building, routes across nodes, and leaves nothing behind', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'tracelab-large-'));
    const lab = compileLabObject('host-gw-20', generateHostGwLab(20, 3));
    const progress: string[] = [];
    try {
      const summary = await netnsUp(lab, { prefix: 'tlt8', stateDir, progress: (l) => progress.push(l) });
      expect(summary.namespaces).toBeGreaterThanOrEqual(lab.devices.length);
      expect(progress).toContain(`namespaces ${summary.namespaces}/${summary.namespaces}`);
      const commandLines = progress.filter((l) => /^commands \d+\/\d+$/.test(l));
      expect(commandLines.length).toBeGreaterThanOrEqual(5);
      expect(commandLines.at(-1)).toBe(`commands ${summary.commands}/${summary.commands}`);
      expect(progress.at(-1)).toMatch(/^lab host-gw-20 up as tlt8: \d+ namespaces in \d+ ms$/);

      const backend = createNetnsBackend({ prefix: 'tlt8', stateDir });
      const to = lab.device('p1-0')!.interfaces.find((i) => i.name === 'eth0')!.addrs[0]!;
      const dst = formatIp(to.ip);
      // p19-0 is an nginx pod (no traceroute): the probe runs from a netshoot debug container in it.
      const r = await backend.run('p19-0+netshoot', `traceroute -n -q 1 ${dst}`);
      expect(maskMilliseconds(r.stdout)).toBe(
        `traceroute to ${dst} (${dst}), 30 hops max, 60 byte packets\n 1  10.244.19.1  # ms\n 2  192.168.56.11  # ms\n 3  ${dst}  # ms\n`,
      );
    } finally {
      const down = await netnsDown({ prefix: 'tlt8', stateDir });
      expect(down.problems).toEqual([]);
      rmSync(stateDir, { recursive: true, force: true });
    }
    expect(existsSync('/run/netns') ? readdirSync('/run/netns').filter((n) => n.startsWith('tlt8-')) : []).toEqual([]);
  }, 600_000);
});
