// nslookup (BIND and busybox) and dig in the simulator against FACTS-L4.md §3-5: the captured outputs (copied verbatim
// into test/fixtures/dns/facts-l4-dns.json), masked where dig's run-to-run fields and its version (netshoot's BIND 9.20, the captures' 9.18) are, with the exit codes and the
// seconds a broken DNS path costs.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { compileLabObject, loadLab } from '../topology/compile.js';
import type { LabFile } from '../topology/labfile.js';
import type { LabModel } from '../topology/model.js';
import { Simulator } from '../sim/simulator.js';
import { maskForComparison } from '../sim/tools/mask.js';

const here = dirname(fileURLToPath(import.meta.url));
interface FactsCase {
  readonly section: number;
  readonly command: string;
  readonly netns: string;
  readonly exit: number;
  readonly seconds: number;
  readonly stdout: string;
  readonly stderr: string;
}
const facts = JSON.parse(readFileSync(join(here, 'fixtures/dns/facts-l4-dns.json'), 'utf8')) as { cases: FactsCase[] };

/** The replica's namespaces as the lab's places. */
const PLACES: Readonly<Record<string, string>> = { 'l4r-netshoot': 'netshoot', 'l4r-bbox': 'traceroute' };

/** The three-node lab file with EDIT applied (kube-dns without endpoints, CoreDNS pods not listening). */
function labWith(edit: (f: LabFile) => void): LabModel {
  const file = parse(readFileSync(join(here, '../topology/labs/three-node.yaml'), 'utf8')) as LabFile;
  edit(file);
  return compileLabObject('three-node.yaml', file);
}
/** The CoreDNS pods relabelled: kube-dns's selector matches nothing, so the Service has no endpoints. */
const noEndpoints = (): LabModel => labWith((f) => {
  for (const pod of f.nodes[0]!.pods!) pod.labels = {};
});
const notListening = (): LabModel => labWith((f) => {
  for (const pod of f.nodes[0]!.pods!) pod.listen = [];
});

/** node-2 drops forwarded DNS (capture-all.sh DROP_PRE). */
const DROP_DNS = ['iptables -I FORWARD -p udp --dport 53 -j DROP', 'iptables -I FORWARD -p tcp --dport 53 -j DROP'];

function run(lab: LabModel, place: string, command: string, setup: readonly string[] = []): { out: { stdout: string; stderr: string; exitCode: number }; seconds: number } {
  const sim = new Simulator(lab);
  for (const line of setup) expect(sim.run('node-2', line).exitCode).toBe(0);
  const start = sim.dp.nowMs;
  const r = sim.run(place, command.replace(/^busybox-1\.37 /, 'busybox '));
  return { out: { stdout: maskForComparison(r.stdout), stderr: r.stderr, exitCode: r.exitCode }, seconds: (sim.dp.nowMs - start) / 1000 };
}

const expected = (c: FactsCase) => ({ stdout: maskForComparison(c.stdout), stderr: c.stderr, exitCode: c.exit });
const timedOut = (c: FactsCase) => c.seconds >= 5;
const refused = (c: FactsCase) => /connection refused/i.test(c.stdout + c.stderr);

describe('DNS clients reproduce FACTS-L4 §3-5 (healthy lab)', () => {
  const lab = loadLab('three-node');
  for (const c of facts.cases.filter((x) => !timedOut(x) && !refused(x))) {
    const place = PLACES[c.netns]!;
    it(`${place}: ${c.command}`, () => {
      expect(run(lab, place, c.command).out).toEqual(expected(c));
    });
  }
});

describe('DNS clients on a broken DNS path (FACTS-L4 §3-5)', () => {
  for (const c of facts.cases.filter(timedOut)) {
    it(`${c.command}: node-2 drops DNS -> ${c.seconds} s`, () => {
      const r = run(loadLab('three-node'), PLACES[c.netns]!, c.command, DROP_DNS);
      expect(r.out).toEqual(expected(c));
      expect(Math.abs(r.seconds - c.seconds)).toBeLessThan(0.2);
    });
  }
  for (const c of facts.cases.filter(refused)) {
    it(`${c.command}: kube-dns without endpoints (kube-proxy REJECT), and CoreDNS not listening`, () => {
      expect(run(noEndpoints(), PLACES[c.netns]!, c.command).out).toEqual(expected(c));
      expect(run(notListening(), PLACES[c.netns]!, c.command).out).toEqual(expected(c));
    });
  }
});

describe("CoreDNS records FACTS-L4 §2 states from the plugin's source", () => {
  const lab = loadLab('three-node');
  it('pods insecure: a-b-c-d.NS.pod.cluster.local is A a.b.c.d', () => {
    expect(run(lab, 'netshoot', 'dig +short 10-244-1-3.default.pod.cluster.local').out).toEqual({ stdout: '10.244.1.3\n', stderr: '', exitCode: 0 });
  });
  it('PTR of an endpoint address: <dashed-ip>.<svc>.<ns>.svc.cluster.local.', () => {
    expect(run(lab, 'netshoot', 'dig +short -x 10.244.0.2').out).toEqual({ stdout: '10-244-0-2.kube-dns.kube-system.svc.cluster.local.\n', stderr: '', exitCode: 0 });
  });
  it('an unknown namespace is NXDOMAIN with the cluster SOA (serial fixed per lab)', () => {
    expect(run(lab, 'netshoot', 'nslookup httpd.nosuchns.svc.cluster.local').out.stdout).toContain("** server can't find httpd.nosuchns.svc.cluster.local: NXDOMAIN\n");
  });
});
