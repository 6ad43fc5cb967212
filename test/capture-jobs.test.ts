// Background captures in the training shell (simulator): `tcpdump ... &` prints its header at once and its packet
// lines after later commands, wherever the trainee is; `jobs`, `fg` (then Ctrl-C), `kill %N` and `-c N` end them with
// tcpdump's trailer, as bash and tcpdump 4.99.3 print them (FACTS-L4 §8); `-w FILE &` then `-r FILE` reads it back.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadScenarioFile, scenarioLibraryDir } from '../lab/scenario/index.js';
import { createSimBackend } from '../lab/sim.js';
import { TrainingSession } from '../lab/train/session.js';

const work = mkdtempSync(join(tmpdir(), 'tracelab-capture-jobs-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Each typed line with what the session printed for it. */
async function session(lines: readonly string[]): Promise<string[]> {
  const scenario = loadScenarioFile(join(scenarioLibraryDir(), 'capture-syn-dropped.yaml'));
  let out = '';
  const s = new TrainingSession({ scenario, makeBackend: () => createSimBackend(), out: (t) => (out += t), diagramDir: work });
  await s.start();
  const outputs: string[] = [];
  for (const line of lines) {
    out = '';
    await s.handle(line);
    outputs.push(out);
  }
  await s.finish();
  return outputs;
}

const HEADER = 'tcpdump: verbose output suppressed, use -v[v]... for full protocol decode\nlistening on eth0, link-type EN10MB (Ethernet), snapshot length 262144 bytes\n';
const TIME = String.raw`\d\d:\d\d:\d\d\.\d{6}`;

describe('tcpdump ... & in the training shell (sim)', () => {
  it('prints the probes\' replies after the traceroute, lists the job, and fg + Ctrl-C ends it with the trailer', async () => {
    const [started, traced, jobs, fg, after] = await session(['tcpdump -ni eth0 icmp &', 'traceroute -n -q 1 -m 3 10.244.1.3', 'jobs', 'fg', 'jobs']);
    expect(started).toBe(`[1]\n${HEADER}`);
    expect(traced).toMatch(new RegExp(`\\n${TIME} IP 10\\.244\\.2\\.1 > 10\\.244\\.2\\.3: ICMP time exceeded in-transit, length 68\\n${TIME} IP 192\\.168\\.56\\.11 > 10\\.244\\.2\\.3: ICMP time exceeded in-transit, length 68\\n${TIME} IP 10\\.244\\.1\\.3 > 10\\.244\\.2\\.3: ICMP 10\\.244\\.1\\.3 udp port 33436 unreachable, length 68\\n$`));
    expect(jobs).toBe('[1]+  Running                 tcpdump -ni eth0 icmp &\n');
    expect(fg).toBe('tcpdump -ni eth0 icmp\n^C\n3 packets captured\n3 packets received by filter\n0 packets dropped by kernel\n');
    expect(after).toBe('');
  });

  it('-c N ends by itself (no blank line) and is reported Done; kill %N ends a capture; a bad interface is tcpdump\'s error', async () => {
    const [, pinged, , killed, bad, none] = await session(['tcpdump -nc 2 -i eth0 icmp &', 'ping -c 2 10.244.1.3', 'tcpdump -ni eth0 &', 'kill %2', 'tcpdump -ni eth9 &', 'kill %2']);
    expect(pinged).toMatch(new RegExp(`ICMP echo reply, id \\d+, seq 1, length 64\\n2 packets captured\\n2 packets received by filter\\n0 packets dropped by kernel\\n\\[1\\]\\+  Done                    tcpdump -nc 2 -i eth0 icmp\\n$`));
    expect(killed).toBe('\n0 packets captured\n0 packets received by filter\n0 packets dropped by kernel\n[2]+  Done                    tcpdump -ni eth0\n');
    expect(bad).toBe('tcpdump: eth9: No such device exists\n(No such device exists)\n');
    expect(none).toBe('sh: kill: %2: no such job\n');
  });

  it('a capture stays on its interface when the trainee moves, and -w FILE & then -r FILE reads it back at the place', async () => {
    const [, , , , read] = await session(['tcpdump -n -i eth0 -w /tmp/x.pcap icmp &', 'ping -c 1 10.244.1.3', 'kill %1', 'hostname', 'tcpdump -n -r /tmp/x.pcap']);
    expect(read).toMatch(new RegExp(`^${TIME} IP 10\\.244\\.2\\.3 > 10\\.244\\.1\\.3: ICMP echo request, id \\d+, seq 1, length 64\\n${TIME} IP 10\\.244\\.1\\.3 > 10\\.244\\.2\\.3: ICMP echo reply, id \\d+, seq 1, length 64\\nreading from file /tmp/x\\.pcap, link-type EN10MB \\(Ethernet\\), snapshot length 262144\\n$`));
  });

  it('on a node the vagrant user\'s background capture is refused as the foreground one is; with sudo it runs', async () => {
    const [, foreground, background, started, jobs] = await session(['exit', 'tcpdump -ni eth1', 'tcpdump -ni eth1 &', 'sudo tcpdump -ni eth1 icmp &', 'jobs']);
    expect(foreground).toMatch(/^tcpdump: eth1: You don't have permission/);
    expect(background).toBe(foreground);
    expect(started).toBe(`[1]\n${HEADER.replace('eth0', 'eth1')}`);
    expect(jobs).toBe('[1]+  Running                 sudo tcpdump -ni eth1 icmp &\n');
  });
});
