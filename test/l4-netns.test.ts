// Root-only: the real curl, netcat-openbsd and busybox wget in the namespace lab (HTTP servers sending the modelled
// responses) against the simulator, command for command: every iptables REJECT type's errno, RST, DROP timeouts,
// -m/--connect-timeout, HEAD, write-out. Outputs compared masked (sim/tools/mask.ts), exit codes exactly.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { preflight } from '../lab/netns/preflight.js';
import { createNetnsBackend } from '../lab/netns/backend.js';
import { netnsDown } from '../lab/netns/lifecycle.js';
import { createSimBackend } from '../lab/sim.js';
import { loadLab } from '../topology/compile.js';
import { maskForComparison } from '../sim/tools/mask.js';

const check = preflight();
if (!check.ok) console.log(`skipping L4 client namespace tests: ${check.message.split('\n').join('; ')}`);

const PREFIX = 'tl4c';

/** iptables REJECT types on node-2's FORWARD chain for netshoot -> httpd:80, one at a time. */
const REJECT_TYPES = [
  'icmp-net-unreachable', 'icmp-host-unreachable', 'icmp-port-unreachable', 'icmp-proto-unreachable',
  'icmp-net-prohibited', 'icmp-host-prohibited', 'icmp-admin-prohibited', 'tcp-reset',
];

const CLIENTS = ['nc -zv 10.244.1.3 80', "curl -sS -o /dev/null -w '%{http_code}\\n' http://10.244.1.3/"];

const PROBES: readonly [string, string][] = [
  ['node-2/netshoot', 'curl -v http://10.96.0.20/'],
  ['node-2/netshoot', 'curl -sI http://10.244.1.2/'],
  ['node-2/netshoot', "curl -s -o /dev/null -w '%{http_code} %{remote_ip} %{remote_port} %{size_download} %{content_type}\\n' http://10.96.0.20/"],
  ['node-2/netshoot', 'curl -v -H X-Debug:1 http://10.244.1.2/'],
  ['node-2/netshoot', 'curl -v http://10.244.1.3:82/'],
  ['node-2/netshoot', 'nc -zv 10.244.1.2 80'],
  ['node-2/netshoot', 'nc -zv 10.244.1.3 82'],
  ['node-2/traceroute', 'wget -qO- http://10.96.0.20/'],
  ['node-2/traceroute', 'wget -O- http://10.244.1.2/'],
  ['node-2/traceroute', 'wget -qO- http://10.244.1.3:82/'],
  ['node-2', 'curl -s http://10.96.0.20/'],
  // Names through the pods' resolv.conf and the CoreDNS pods' DNS servers.
  ['node-2/netshoot', 'curl -v http://httpd/'],
  ['node-2/netshoot', 'nc -zv httpd 80'],
  ['node-2/traceroute', 'wget -qO- http://httpd/'],
  // netcat-openbsd's data connection with nothing to send: connected, idle for -w seconds, exit 0 (or the -z errors).
  ['node-2/netshoot', 'nc -v -w 2 10.96.0.20 80'],
  ['node-2/netshoot', 'nc -v -w 1 10.244.1.3 82'],
  ['node-2/netshoot', 'nc -w 1 httpd 80'],
];

describe.skipIf(!check.ok)('TCP clients: the kernel and the simulator', () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'tracelab-l4-'));
  const kernel = createNetnsBackend({ prefix: PREFIX, stateDir });
  const sim = createSimBackend();
  const lab = loadLab('three-node');

  beforeAll(async () => {
    await kernel.up(lab);
    await sim.up(lab);
    // One ICMP error per case without the rate limit's timing (the simulator's clock is not the wall clock).
    for (const b of [kernel, sim]) expect((await b.run('node-2', 'sysctl -w net.ipv4.icmp_ratelimit=0')).exitCode).toBe(0);
  }, 120_000);
  afterAll(async () => {
    await netnsDown({ prefix: PREFIX, stateDir });
    rmSync(stateDir, { recursive: true, force: true });
  }, 120_000);

  const both = async (at: string, line: string) => {
    const [k, s] = [await kernel.run(at, line), await sim.run(at, line)];
    const view = (r: { stdout: string; stderr: string; exitCode: number }) => ({ stdout: maskForComparison(r.stdout), stderr: maskForComparison(r.stderr), exitCode: r.exitCode });
    return { kernel: view(k), sim: view(s) };
  };

  for (const [at, line] of PROBES) {
    it(`${at}: ${line}`, async () => {
      const r = await both(at, line);
      expect(r.sim).toEqual(r.kernel);
    }, 30_000);
  }

  /** Breaks NODE on both backends (BREAK), runs each client at netshoot on both and compares, then undoes it (UNDO). */
  const underFault = async (node: string, brk: string, undo: string, clients: readonly string[]) => {
    for (const b of [kernel, sim]) expect((await b.run(node, brk)).exitCode).toBe(0);
    try {
      for (const client of clients) {
        const r = await both('node-2/netshoot', client);
        expect(r.sim, client).toEqual(r.kernel);
      }
    } finally {
      for (const b of [kernel, sim]) await b.run(node, undo);
    }
  };

  for (const type of REJECT_TYPES) {
    it(`REJECT --reject-with ${type} on node-2: nc and curl see the kernel's errno`, async () => {
      const rule = `FORWARD -s 10.244.2.3 -d 10.244.1.3 -p tcp --dport 80 -j REJECT --reject-with ${type}`;
      await underFault('node-2', `iptables -I ${rule}`, `iptables -D ${rule}`, CLIENTS);
    }, 60_000);
  }

  it('DROP on node-1: nc -w and curl -m time out (not refused)', async () => {
    const rule = 'FORWARD -d 10.244.1.3 -p tcp --dport 80 -j DROP';
    // Not `curl --connect-timeout` here: curl 7.88 races two timers at that deadline and prints either
    // "ipv4 connect timeout after 1999ms, move on!" (idle machine, as the simulator) or "Connection timeout after
    // 2001 ms" (loaded machine); see docs/l4-clients.md.
    const clients = ['nc -zv -w 2 10.96.0.20 80', 'curl -v -m 2 http://10.96.0.20/', "curl -sS -o /dev/null -w '%{http_code}\\n' -m 2 http://10.96.0.20/"];
    await underFault('node-1', `iptables -I ${rule}`, `iptables -D ${rule}`, clients);
  }, 60_000);

  it('MTU black hole on node-2 eth1: the handshake passes, a large response stalls, a small one (and HEAD) arrives', async () => {
    const clients = ['nc -zv 10.244.1.2 80', 'curl -v -m 2 http://10.244.1.2/', 'curl -sI -m 2 http://10.244.1.2/', 'curl -s -m 2 http://10.96.0.20/'];
    await underFault('node-2', 'ip link set eth1 mtu 600', 'ip link set eth1 mtu 1500', clients);
  }, 60_000);
});
