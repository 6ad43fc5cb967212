// Root-only: capture on the namespace lab. The capture scenarios (scenarios/capture-*.yaml) still match their
// kernel recordings when run again on the kernel, a tap's pcap file from the real tcpdump -w is one tshark reads, and
// a background tcpdump job in a namespace is stopped by its pid with tcpdump's trailer.
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { preflight } from '../lab/netns/preflight.js';
import { createNetnsBackend } from '../lab/netns/backend.js';
import { formatResultText, loadScenarios, runScenarios, scenarioLibraryDir } from '../lab/scenario/index.js';
import { loadLab } from '../topology/compile.js';
import { findProgram } from '../lab/process.js';

const check = preflight();
const tcpdump = findProgram('tcpdump');
if (!check.ok || !tcpdump) console.log(`skipping capture kernel tests: ${check.ok ? 'tcpdump is not installed' : check.message.split('\n').join('; ')}`);

const PREFIX = 'tlcap';

describe.skipIf(!check.ok || !tcpdump)('capture on the kernel (namespace lab)', () => {
  it('every capture scenario passes on the kernel, and nothing named tlcap-* is left', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'tracelab-capture-kernel-'));
    const files = readdirSync(scenarioLibraryDir()).filter((f) => f.startsWith('capture-')).map((f) => join(scenarioLibraryDir(), f));
    expect(files.length).toBeGreaterThanOrEqual(6);
    const report = await runScenarios(loadScenarios(files), () => createNetnsBackend({ prefix: PREFIX, stateDir }));
    const left = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }).split('\n').filter((l) => l.startsWith(`${PREFIX}-`));
    expect(left).toEqual([]);
    expect(report.failed, report.results.map(formatResultText).join('')).toBe(0);
  }, 600_000);

  it('a tap writes a pcap with one tap, and a background tcpdump ends with its trailer when stopped', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'tracelab-capture-kernel-'));
    const backend = createNetnsBackend({ prefix: PREFIX, stateDir });
    await backend.up(loadLab('three-node'));
    try {
      const tapped = await backend.runTapped!('netshoot', 'ping -c 1 10.244.1.3', [{ place: 'node-1', iface: 'eth1' }], 'icmp');
      expect(tapped.taps[0]!.stdout).toMatch(/ICMP echo request, id \d+, seq 1, length 64\n.*ICMP echo reply, id \d+, seq 1, length 64\n\n$/);
      expect(tapped.pcap!.subarray(0, 4)).toEqual(Uint8Array.from([0xd4, 0xc3, 0xb2, 0xa1]));
      const started = await backend.startJob!('netshoot', 'tcpdump -ni eth0 icmp');
      expect(started.ok).toBe(true);
      if (!started.ok) return;
      expect(started.job.header).toBe('tcpdump: verbose output suppressed, use -v[v]... for full protocol decode\nlistening on eth0, link-type EN10MB (Ethernet), snapshot length 262144 bytes\n');
      await backend.run('netshoot', 'ping -c 1 10.244.1.3');
      expect(await started.job.output()).toMatch(/ICMP echo reply, id \d+, seq 1, length 64\n$/);
      const end = await started.job.stop();
      expect(end.stdout).toBe('\n');
      expect(end.stderr).toBe('2 packets captured\n2 packets received by filter\n0 packets dropped by kernel\n');
    } finally {
      await backend.down();
    }
  }, 300_000);
});
