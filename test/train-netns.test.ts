// `tracelab train --backend netns`: the trainee's commands run for real inside the namespace lab (root and the
// lab's tools needed); after `quit` every namespace of the session is gone and the root namespace is unchanged.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { trainMain } from '../cli/commands/train.js';
import { preflight } from '../lab/netns/preflight.js';
import { readTranscript } from '../lab/train/transcript.js';

const check = preflight();
if (!check.ok) console.log(`skipping the namespace training session: ${check.message.split('\n').join('; ')}`);

const PREFIX = 'tlr1t';
const work = mkdtempSync(join(tmpdir(), 'tracelab-train-netns-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** What the root namespace looks like: links, routes, rules (must be byte-identical after a session). */
function rootState(): string {
  return ['link', 'route', 'rule'].map((what) => execFileSync('ip', ['-o', what, 'show'], { encoding: 'utf8' })).join('\n')
    + execFileSync('iptables-save', [], { encoding: 'utf8' }).split('\n').filter((l) => !l.startsWith('#')).join('\n');
}

const ourNamespaces = () => execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }).split('\n').filter((l) => l.startsWith(PREFIX));

describe.skipIf(!check.ok)('a training session on the namespace lab', () => {
  it('fixes cni0-down on the real kernel and leaves nothing behind', async () => {
    process.env.TRACELAB_STATE_DIR = work;
    const before = rootState();
    const lines = [
      'traceroute -n -q 1 -m 4 10.244.1.3', 'check', 'exit', 'ssh node-1', 'ip -br link show cni0', 'ip route',
      'frobnicate', "echo 'unbalanced", 'ip link set cni0 up', 'sudo ip link set cni0 up', 'ip route', 'check', 'quit',
    ];
    const input = new PassThrough();
    input.end(lines.map((l) => `${l}\n`).join(''));
    let out = '';
    const output = new Writable({ write: (c, _e, done) => ((out += String(c)), done()) });
    const transcript = join(work, 'netns.jsonl');
    const code = await trainMain(
      { scenario: join(import.meta.dirname, 'fixtures', 'train', 'cni0-down-node-1.yaml'), backend: 'netns', prefix: PREFIX, transcript },
      { input, output },
    );
    const t = readTranscript(transcript);
    const said = (line: string) => t.lines.filter((l) => l.line === line).map((l) => l.output);
    const checks = said('check');
    expect(checks[0], out).toMatch(/^NOT FIXED: 2 of 2 probes still differ/);
    expect(checks[1], out).toMatch(/^FIXED: all 2 probes/);
    // vagrant may not change links: iproute2's refusal for a user without CAP_NET_ADMIN (captured with setpriv).
    expect(said('ip link set cni0 up')[0]).toBe('RTNETLINK answers: Operation not permitted\n');
    expect(said('ip -br link show cni0')[0]).toMatch(/^cni0 +DOWN/);
    // The kernel removed the connected route with the link and put it back when the link came up.
    expect(said('ip route')[0]).not.toContain('10.244.1.0/24 dev cni0');
    expect(said('ip route')[1]).toContain('10.244.1.0/24 dev cni0 proto kernel scope link src 10.244.1.1');
    expect(t.summary).toMatchObject({ backend: 'netns', fixed: true, checks: 2 });
    expect(code).toBe(0);
    expect(ourNamespaces()).toEqual([]);
    expect(rootState()).toBe(before);
  }, 300_000);
});
