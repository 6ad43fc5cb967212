// The engine's nat OUTPUT / local-input un-DNAT and br_netfilter bridging on cni0, against kernel-recorded outputs:
// probes of the scenario library and the scenarios recorded in namespaces for this (test/fixtures/kernel-e1/).
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { explainTraces } from '../cli/explain.js';
import { formatResultText, loadScenarioFile, runScenario, scenarioLibraryDir, type Scenario } from '../lab/scenario/index.js';
import { createSimBackend } from '../lab/sim.js';
import { maskMilliseconds } from '../sim/tools/mask.js';
import { KERNEL_E1_DIR, loadKernelRecordings } from './helpers/kernel-recordings.js';

// The machine is shared: building labs and running probes may be slow, never wrong.
vi.setConfig({ testTimeout: 60_000 });

const library = (name: string) => loadScenarioFile(join(scenarioLibraryDir(), `${name}.yaml`));

/** The kernel-recorded output of a scenario's probe run at `at`. */
function recorded(s: Scenario, at: string, run: string): string {
  const p = s.probes.find((x) => x.at === at && x.run === run);
  if (!p) throw new Error(`${s.name} has no probe ${at}: ${run}`);
  return p.expect;
}

/** Runs commands on a fresh simulator of the scenario's lab: the break steps first, then `run` at `at`. */
async function simulate(s: Scenario, at: string, run: string, extra: readonly { at: string; run: string }[] = []) {
  const sim = createSimBackend();
  await sim.up(s.lab);
  for (const step of s.breakSteps) {
    if (step.kind !== 'run') continue;
    const r = await sim.run(step.at, step.run);
    expect(r.exitCode, `${step.at}: ${step.run}: ${r.stderr}`).toBe(0);
  }
  for (const step of extra) {
    const r = await sim.run(step.at, step.run);
    expect(r.exitCode, `${step.at}: ${step.run}: ${r.stderr}`).toBe(0);
  }
  const r = await sim.run(at, run);
  return { stdout: r.stdout, explain: explainTraces(r.traces ?? []) };
}

const TCP_CLUSTERIP = 'traceroute -n -T -p 80 -q 1 -w 1 -m 4 10.96.0.20';

describe('a node\'s own traffic to a ClusterIP (nat OUTPUT, un-DNAT on local input)', () => {
  const s = library('clusterip-every-hop');

  it('is DNATed in nat OUTPUT, re-routed, and the replies come back from the ClusterIP as on the kernel', async () => {
    const r = await simulate(s, 'node-2', TCP_CLUSTERIP);
    expect(maskMilliseconds(r.stdout)).toBe(maskMilliseconds(recorded(s, 'node-2', TCP_CLUSTERIP)));
    expect(r.stdout).toContain(' 2  10.96.0.20');
    expect(r.explain).toMatch(/-> node-2: DNAT 10\.96\.0\.20:80 -> 10\.244\.1\.3:80 in nat OUTPUT/);
    expect(r.explain).toMatch(/-> node-2 \[out eth1\]: route 10\.244\.1\.0\/24 via 192\.168\.56\.11 dev eth1 \(looked up again after nat OUTPUT/);
    // Node-1's Time Exceeded and httpd's SYN-ACK are both un-DNATed on node-2's local input.
    expect(r.explain).toMatch(/<- node-2 \[in eth1\]: conntrack reverses the DNAT in nat INPUT: source 192\.168\.56\.11 -> 10\.96\.0\.20/);
    expect(r.explain).toMatch(/<- node-2 \[in eth1\]: conntrack reverses the DNAT in nat INPUT: source 10\.244\.1\.3 -> 10\.96\.0\.20/);
  });
});

describe('same-node pod traffic over cni0 with br_netfilter', () => {
  const clusterip = library('clusterip-every-hop');
  const sameNode = library('forward-drop-same-node');

  it('bridges a ClusterIP DNATed to a pod on the same bridge (no TTL decrement) and un-DNATs the bridged reply', async () => {
    const r = await simulate(clusterip, 'node-1/nginx+netshoot', TCP_CLUSTERIP);
    expect(maskMilliseconds(r.stdout)).toBe(maskMilliseconds(recorded(clusterip, 'node-1/nginx+netshoot', TCP_CLUSTERIP)));
    expect(r.explain).toMatch(/^hop 1: reached at httpd; tcp-synack from 10\.96\.0\.20$/m);
    expect(r.explain).toMatch(/-> node-1 \[in cni0, out cni0\]: DNAT target is on cni0 again: bridged back out \(br_netfilter/);
    expect(r.explain).toMatch(/<- node-1 \[in cni0, out cni0\]: bridged by cni0 \(br_netfilter, not routed\): iptables -t filter /);
    expect(r.explain).toMatch(/<- node-1 \[out cni0\]: conntrack reverses the DNAT in nat POSTROUTING: source 10\.244\.1\.3 -> 10\.96\.0\.20/);
  });

  for (const p of sameNode.probes) {
    it(`applies node-1's FORWARD rules to bridged frames: ${p.at}$ ${p.run}`, async () => {
      const r = await simulate(sameNode, p.at, p.run);
      expect(maskMilliseconds(r.stdout)).toBe(maskMilliseconds(p.expect));
    });
  }

  it('explains the bridged FORWARD verdicts with the bridge as in and out interface', async () => {
    const drop = await simulate(sameNode, 'node-1/nginx+netshoot', 'traceroute -n -T -p 80 -q 1 -w 1 -m 3 10.244.1.3');
    expect(drop.explain).toMatch(/-> node-1 \[in cni0, out cni0\]: bridged by cni0 \(br_netfilter, not routed\): iptables -t filter -A FORWARD -s 10\.244\.1\.2\/32 -d 10\.244\.1\.3\/32 -p tcp -m tcp --dport 80 -j DROP/);
    const reject = await simulate(sameNode, 'node-1/nginx+netshoot', 'traceroute -n -q 1 -w 1 -m 3 10.244.1.3');
    expect(reject.explain).toMatch(/^hop 1: rejected at node-1; unreachable code 13 from 10\.244\.1\.1$/m);
  });

  it('stops when net.bridge.bridge-nf-call-iptables=0: the same rules no longer see the bridged frames', async () => {
    const r = await simulate(sameNode, 'node-1/nginx+netshoot', 'traceroute -n -T -p 80 -q 1 -w 1 -m 3 10.244.1.3', [
      { at: 'node-1', run: 'sysctl -w net.bridge.bridge-nf-call-iptables=0' },
    ]);
    const healthy = sameNode.probes.find((p) => p.run === 'traceroute -n -T -p 80 -q 1 -w 1 -m 3 10.244.1.3')!.healthy!;
    expect(maskMilliseconds(r.stdout)).toBe(maskMilliseconds(healthy));
    expect(r.explain).not.toMatch(/br_netfilter/);
  });
});

describe('kernel recordings of br_netfilter cases (test/fixtures/kernel-e1)', () => {
  const recordings = loadKernelRecordings(KERNEL_E1_DIR);

  it('has the recorded cases', () => {
    expect(recordings.map((s) => s.name).sort()).toEqual([
      'bridge-nf-call-iptables-off', 'bridged-dnat-without-forwarding', 'bridged-forward-interfaces', 'reject-for-routed-pod-traffic',
    ]);
    for (const s of recordings) for (const p of s.probes) expect(p.expect, `${s.name}: ${p.run} was never recorded`).not.toBe('');
  });

  for (const s of recordings) {
    it(`${s.name}: broken and fixed outputs agree with the kernel`, async () => {
      const r = await runScenario(s, () => createSimBackend());
      expect(r.pass, formatResultText(r)).toBe(true);
    });
  }
});
