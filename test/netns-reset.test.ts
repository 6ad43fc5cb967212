// The reusing namespace backend of `verify --generate` (root): faults of one case are reset before the next case of
// the same lab, and the namespaces then read back as freshly built; a different lab is built anew.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { preflight } from '../lab/netns/preflight.js';
import { createReusingNetnsBackend } from '../lab/netns/reusing-backend.js';
import { smallLab } from './helpers/netns-small-lab.js';

const check = preflight();
const stateDir = mkdtempSync(join(tmpdir(), 'tlgr-state-'));
const backend = createReusingNetnsBackend({ prefix: 'tlgr', stateDir });
afterAll(async () => {
  await backend.close();
  rmSync(stateDir, { recursive: true, force: true });
});

const STATE = ['ip -br link', 'ip -br addr', 'ip route', 'iptables -S', 'sysctl net.ipv4.ip_forward net.ipv4.conf.all.rp_filter'];
const FAULTS = [
  'ip link set eth1 mtu 1400', 'ip link set cni0 down', 'ip addr add 192.168.56.200/24 dev eth1', 'ip route del 10.244.2.0/24',
  'ip route add blackhole 203.0.113.0/24', 'iptables -I FORWARD -p icmp -j DROP', 'iptables -t nat -I POSTROUTING -j MASQUERADE',
  'sysctl -w net.ipv4.ip_forward=0', 'sysctl -w net.ipv4.conf.all.rp_filter=1',
];

async function state(place: string): Promise<string[]> {
  const out: string[] = [];
  for (const c of STATE) out.push((await backend.run(place, c)).stdout);
  return out;
}

describe.skipIf(!check.ok)('verify --generate: the namespace lab reset between cases', () => {
  it('puts back links, addresses, routes, iptables and sysctls, without a rebuild', async () => {
    const lab = smallLab();
    await backend.up(lab);
    const fresh = await state('node-1');
    for (const f of FAULTS) expect((await backend.run('node-1', f)).exitCode, f).toBe(0);
    expect(await state('node-1')).not.toEqual(fresh);
    await backend.down();
    await backend.up(lab);
    expect(await state('node-1')).toEqual(fresh);
    expect(backend.stats).toEqual({ builds: 1, resets: 1, failedResets: 0 });
  }, 60_000);
});
