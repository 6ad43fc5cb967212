// `tracelab serve --backend netns`: one trainer-run session on the namespace lab (root and the lab's tools needed):
// the trainee's fix runs on the real kernel through the web terminal, a second trainee is refused, and closing the
// server leaves no namespace behind. Run under the lock: flock /tmp/tracelab-netns.lock npx vitest run test/web-netns.test.ts
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findScenario } from '../cli/common.js';
import { createBackend } from '../lab/backends.js';
import { preflight } from '../lab/netns/preflight.js';
import { loadClassFile } from '../lab/web/class-file.js';
import { fixLines, ScriptedTrainee } from '../lab/web/scripted-trainee.js';
import { startClassServer } from '../lab/web/server.js';

const check = preflight();
if (!check.ok) console.log(`skipping the web trainer on the namespace lab: ${check.message.split('\n').join('; ')}`);

const PREFIX = 'tlhweb';
const work = mkdtempSync(join(tmpdir(), 'tracelab-web-netns-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const ourNamespaces = () => execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }).split('\n').filter((l) => l.startsWith(PREFIX));

describe.skipIf(!check.ok)('the web trainer on the namespace lab', () => {
  it('a single trainee fixes forwarding-off-node-1 on the kernel; nothing is left behind', async () => {
    process.env.TRACELAB_STATE_DIR = work;
    const cls = loadClassFile(join(import.meta.dirname, '..', 'docs', 'example-class.yaml'));
    const server = await startClassServer(cls, { host: '127.0.0.1', port: 0, backend: { make: () => createBackend('netns', { prefix: PREFIX }), real: true } });
    try {
      const ada = await ScriptedTrainee.connect(server.url, { name: 'ada' });
      await ada.see('Type `help`', 0, 60_000);
      expect(ourNamespaces().length).toBeGreaterThan(0);
      const other = await ScriptedTrainee.connect(server.url, { name: 'bob' });
      await other.until((t) => t.closed !== undefined);
      expect(other.screen).toContain('The class is full');
      for (const line of fixLines(findScenario('forwarding-off-node-1'))) ada.type(`${line}\r`);
      await ada.see('FIXED: all', 0, 60_000);
      expect(server.room.rows()[0]).toMatchObject({ fixed: true });
      await ada.close();
    } finally {
      await server.close();
    }
    expect(ourNamespaces()).toEqual([]);
  }, 180_000);
});
