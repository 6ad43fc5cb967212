// `ping` without -c in a training session on the namespace lab (root and the lab's tools needed): the real ping runs
// in the place's namespace, its lines show while it runs, Ctrl-C ends it with its statistics, and no ping is left.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createBackend } from '../lab/backends.js';
import { preflight } from '../lab/netns/preflight.js';
import { loadScenarioFile } from '../lab/scenario/index.js';
import { TrainingSession } from '../lab/train/session.js';

const check = preflight();
if (!check.ok) console.log(`skipping ping until Ctrl-C on the namespace lab: ${check.message.split('\n').join('; ')}`);

const PREFIX = 'tlhshell';
const work = mkdtempSync(join(tmpdir(), 'tracelab-ping-netns-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe.skipIf(!check.ok)('ping until Ctrl-C on the namespace lab', () => {
  it('streams the real ping at node-2 and stops it with SIGINT', async () => {
    process.env.TRACELAB_STATE_DIR = work;
    const scenario = loadScenarioFile(join(import.meta.dirname, 'fixtures', 'train', 'cni0-down-node-1.yaml'));
    let out = '';
    const s = new TrainingSession({
      scenario, makeBackend: () => createBackend('netns', { prefix: PREFIX }), out: (t) => (out += t), diagramDir: work,
      untilInterrupted: { tickMs: 200 }, startAt: 'node-2',
    });
    await s.start();
    try {
      out = '';
      const done = s.handle('ping -n 192.168.56.11');
      while ((out.match(/bytes from/g) ?? []).length < 2) await new Promise((r) => setTimeout(r, 50));
      expect(s.interrupt()).toBe(true);
      await done;
      expect(out).toMatch(/^PING 192\.168\.56\.11 \(192\.168\.56\.11\) 56\(84\) bytes of data\.\n64 bytes from 192\.168\.56\.11: icmp_seq=1 ttl=64 /);
      expect(out).toMatch(/\n\^C\n--- 192\.168\.56\.11 ping statistics ---\n(\d+) packets transmitted, \1 received, 0% packet loss, time \d+ms\nrtt min\/avg\/max\/mdev = /);
      expect(spawnSync('pgrep', ['-f', 'ping -n 192.168.56.11'], { encoding: 'utf8' }).stdout.trim()).toBe('');
    } catch (e) {
      throw new Error(`${String(e)}\n${out}`);
    } finally {
      await s.finish();
    }
  }, 120_000);
});
