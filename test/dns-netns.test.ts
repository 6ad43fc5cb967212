// Root-only: the real nslookup, dig, host, getent, busybox nslookup, ping and traceroute in the namespace lab (whose
// CoreDNS and NAT DNS are served by the lab server, lab/netns/lab-server.ts) against the simulator, byte for byte after masking; and
// the real clients' timings when node-2 drops DNS. Needs `npm run build` (the servers run the compiled responder).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { preflight } from '../lab/netns/preflight.js';
import { createNetnsBackend } from '../lab/netns/backend.js';
import { netnsDown, netnsUp } from '../lab/netns/lifecycle.js';
import { labServerScript } from '../lab/netns/server-process.js';
import { processCmdline } from '../lab/netns/listener.js';
import { loadLab } from '../topology/compile.js';
import { Simulator } from '../sim/simulator.js';
import { maskForComparison } from '../sim/tools/mask.js';
import type { Backend } from '../lab/backend.js';

const here = dirname(fileURLToPath(import.meta.url));
const check = preflight();
let built: string | undefined;
try {
  labServerScript();
} catch (e) {
  built = (e as Error).message;
}
const skip = !check.ok || built !== undefined;
if (!check.ok) console.log(`skipping the DNS namespace-lab tests: ${check.message.split('\n').join('; ')}`);
else if (built) console.log(`skipping the DNS namespace-lab tests: ${built}`);

const PREFIX = 'tld1';
const stateDir = mkdtempSync(join(tmpdir(), 'tracelab-dns-'));
let backend: Backend;

interface FactsCase { readonly command: string; readonly netns: string; readonly seconds: number; readonly stdout: string; readonly stderr: string }
const facts = (JSON.parse(readFileSync(join(here, 'fixtures/dns/facts-l4-dns.json'), 'utf8')) as { cases: FactsCase[] }).cases;
const PLACES: Readonly<Record<string, string>> = { 'l4r-netshoot': 'netshoot', 'l4r-bbox': 'traceroute' };

/** The FACTS-L4 commands of a healthy lab, and more. */
const HEALTHY: readonly (readonly [string, string])[] = [
  ...facts
    .filter((c) => c.seconds < 5 && !/connection refused/i.test(c.stdout + c.stderr))
    .map((c) => [PLACES[c.netns]!, c.command.replace(/^busybox-1\.37 /, 'busybox ')] as const),
  ['netshoot', 'host httpd'], ['netshoot', 'host nosuchsvc'], ['netshoot', 'host 10.96.0.20'],
  ['netshoot', 'getent hosts httpd'], ['netshoot', 'getent hosts api.example.com'], ['netshoot', 'getent hosts nosuchsvc'],
  ['netshoot', 'nslookup kube-dns'], ['netshoot', 'nslookup kube-dns.kube-system'], ['netshoot', 'nslookup api.example.com.'],
  ['netshoot', 'dig +short -x 10.244.0.2'], ['netshoot', 'ping -c 1 -W 1 httpd'], ['traceroute', 'ping -c 1 -W 1 api.example.com'],
  ['netshoot', 'traceroute -q 1 -w 1 10.244.1.3'], ['node-2', 'traceroute -q 1 -w 1 10.244.1.3'],
  ['node-2', 'nslookup api.example.com'], ['node-2', 'dig api.example.com'], ['node-2', 'host api.example.com'], ['node-2', 'nslookup httpd'],
  // DNS over TCP: kube-proxy's dns-tcp rules to CoreDNS's tcp/53; a RST and a silent peer per try (BIND 9.18's wording).
  ['netshoot', 'dig +tcp +short kube-dns.kube-system.svc.cluster.local'], ['netshoot', 'dig +tcp +tries=1 @10.96.0.10 -x 10.96.0.20'],
  ['netshoot', 'dig +tcp @10.244.1.3 httpd.default.svc.cluster.local'], ['netshoot', 'dig +tcp +short +tries=1 +timeout=2 @192.0.2.99 x'],
  ['netshoot', 'dig +tcp api.example.com'], ['node-2', 'dig +tcp @10.244.0.2 httpd.default.svc.cluster.local'],
];

const masked = (r: { stdout: string; stderr: string; exitCode: number }) => ({ stdout: maskForComparison(r.stdout), stderr: r.stderr, exitCode: r.exitCode });

describe.skipIf(skip)('DNS in the namespace lab agrees with the simulator', () => {
  beforeAll(async () => {
    await netnsUp(loadLab('three-node'), { prefix: PREFIX, stateDir });
    backend = createNetnsBackend({ prefix: PREFIX, stateDir });
  }, 120_000);
  afterAll(async () => {
    const down = await netnsDown({ prefix: PREFIX, stateDir });
    expect(down.problems).toEqual([]);
    rmSync(stateDir, { recursive: true, force: true });
  });

  for (const [place, command] of HEALTHY) {
    it(`${place}: ${command}`, async () => {
      const kernel = await backend.run(place, command);
      const sim = new Simulator(loadLab('three-node')).run(place, command);
      expect(masked(sim)).toEqual(masked(kernel));
    });
  }

  it('node-2 dropping DNS: nslookup takes 15 s, busybox nslookup 5 s, glibc getaddrinfo 20 s, in both', async () => {
    const drop = 'iptables -I FORWARD -p udp --dport 53 -j DROP';
    const sim = new Simulator(loadLab('three-node'));
    expect(sim.run('node-2', drop).exitCode).toBe(0);
    expect((await backend.run('node-2', drop)).exitCode).toBe(0);
    try {
      // glibc's getaddrinfo (busybox ping): 20 s on the first candidate (measured), then EAI_AGAIN.
      for (const [place, command, seconds] of [['netshoot', 'nslookup httpd', 15], ['traceroute', 'busybox nslookup httpd', 5], ['traceroute', 'ping -c 1 -W 1 httpd', 20]] as const) {
        const t0 = Date.now();
        const kernel = await backend.run(place, command);
        const took = (Date.now() - t0) / 1000;
        const s0 = sim.dp.nowMs;
        const simulated = sim.run(place, command);
        expect(masked(simulated)).toEqual(masked(kernel));
        expect(Math.abs(took - seconds)).toBeLessThan(1.5);
        expect(Math.abs((sim.dp.nowMs - s0) / 1000 - seconds)).toBeLessThan(0.2);
      }
    } finally {
      await backend.run('node-2', 'iptables -D FORWARD -p udp --dport 53 -j DROP');
    }
  }, 120_000);

  it('leaves the DNS servers running, recorded as served by the one lab server process', () => {
    const record = JSON.parse(readFileSync(join(stateDir, `netns-${PREFIX}.json`), 'utf8')) as { processes: { device: string; pid?: number; argv: string[]; serves?: string }[] };
    const dns = record.processes.filter((p) => p.serves === 'dns');
    expect(dns.map((p) => p.device).sort()).toEqual(['controlplane-nat', 'coredns-a', 'coredns-b', 'node-1-nat', 'node-2-nat']);
    expect(new Set(record.processes.map((p) => p.pid)).size).toBe(1);
    const pid = dns[0]!.pid!;
    expect(processCmdline(pid)).toEqual(dns[0]!.argv);
    expect(dns[0]!.argv[1]).toMatch(/lab-server\.js$/);
  });
});
