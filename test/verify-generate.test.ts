// verify --generate without root: the generator's coverage and determinism, and the runner's compare, shrink and
// kept scenario files, with a simulator that is made to differ standing in for the kernel.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Backend } from '../lab/backend.js';
import { CASES_PER_LAB, generateRecipes, verifyGenerated } from '../lab/verify-generate.js';
import { generatedCase } from '../lab/generate/scenario.js';
import { TOOLS } from '../lab/generate/probes.js';
import { l4TargetsOf } from '../lab/generate/l4-probes.js';
import { hasTool } from '../topology/images.js';
import { FAULT_CLASSES, NOT_MODELLED_FAULTS } from '../lab/generate/faults.js';
import { loadLab } from '../topology/compile.js';
import { formatGenerateSummary } from '../lab/generate/report.js';
import { loadScenarios } from '../lab/scenario/index.js';
import { createSimBackend } from '../lab/sim.js';
import { resolvePlace } from '../topology/place.js';
import { runCli } from './helpers/cli.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** The simulator, except that `tracepath` prints one line more: a disagreement on every tracepath probe. */
function skewedSim(runs: string[]): Backend {
  const sim = createSimBackend({ seed: 1 });
  return {
    name: 'netns',
    up: (lab) => sim.up(lab),
    down: () => sim.down(),
    preflight: () => sim.preflight(),
    wait: (ms) => sim.wait(ms),
    status: () => sim.status(),
    async run(place, command) {
      runs.push(command);
      const r = await sim.run(place, command);
      return command.startsWith('tracepath') ? { ...r, stdout: `${r.stdout}extra\n` } : r;
    },
  };
}

describe('generated cases', () => {
  const recipes = generateRecipes(300, 1);
  const cases = recipes.map((r, i) => generatedCase(r, `gen-1-${i}`));

  it('are the same for the same seed and differ for another', () => {
    expect(generateRecipes(20, 1)).toEqual(recipes.slice(0, 20));
    expect(generateRecipes(20, 2)).not.toEqual(recipes.slice(0, 20));
  });
  it('share one lab per group of cases (so the namespace lab is reset, not rebuilt)', () => {
    expect(recipes[1]!.lab).toBe(recipes[0]!.lab);
    expect(recipes[CASES_PER_LAB]!.lab).not.toEqual(recipes[0]!.lab);
  });
  it('compile, and name only places the lab has', () => {
    for (const c of cases) {
      for (const s of [...c.faults, ...c.probes]) expect(resolvePlace(c.lab, s.at).ok, `${c.name}: ${s.at}`).toBe(true);
    }
  });
  it('cover every tool, fault class, node count 1-6 and pod subnet /23-/26', () => {
    expect(new Set(cases.flatMap((c) => c.tools))).toEqual(new Set(TOOLS.map((t) => t.name)));
    const classes = new Set(cases.flatMap((c) => c.faultClasses));
    for (const k of [...FAULT_CLASSES, 'flannel', 'none']) expect(classes, k).toContain(k);
    expect(new Set(cases.map((c) => c.labFile.nodes.length))).toEqual(new Set([1, 2, 3, 4, 5, 6]));
    expect(new Set(cases.map((c) => c.labFile.nodes[0]!.podSubnet!.split('/')[1]))).toEqual(new Set(['23', '24', '25', '26']));
    const ifaces = new Set(cases.map((c) => c.labFile.hostOnly!.iface));
    expect(ifaces).toEqual(new Set(['eth1', 'enp0s8', 'ens4']));
  });
});

describe('generated DNS and L4 probes', () => {
  const cases = generateRecipes(300, 1).map((r, i) => generatedCase(r, `gen-1-${i}`));
  const l4 = cases.flatMap((c) => c.probes.map((p, i) => ({ c, p, tool: c.tools[i]! })).filter((x) => ['http', 'nc', 'dns'].includes(x.tool)));

  it('run only where the place\'s image has the client, and never busybox nc (Debian\'s has no -z)', () => {
    expect(l4.length).toBeGreaterThan(30);
    for (const { c, p } of l4) {
      const place = resolvePlace(c.lab, p.at);
      expect(place.ok, p.at).toBe(true);
      if (!place.ok) continue;
      const program = p.run.split(' ')[0]!;
      expect(hasTool(place.device, program), `${c.name} ${p.at}: ${p.run}`).toBe(true);
      if (program === 'nc') expect(place.device.toolset).not.toBe('busybox');
    }
  });

  it('reach a Service only when every endpoint answers alike, and with faults only one with a single endpoint (kube-proxy\'s pick is random on the kernel)', () => {
    for (const { c, p, tool } of l4.filter((x) => x.tool !== 'dns')) {
      const target = l4TargetsOf(c.lab).find((t) => p.run.includes(`${t.ip} ${t.port}`) || p.run.includes(`//${t.ip}${t.port === 80 ? '/' : `:${t.port}/`}`));
      expect(target, `${c.name}: ${p.run}`).toBeDefined();
      expect(target!.pickFree, `${c.name}: ${p.run}`).toBe(true);
      if (c.faults.length > 0) expect(target!.endpoints, `${c.name} (${tool}): ${p.run}`).toBeLessThanOrEqual(1);
    }
  });

  it('give labs CoreDNS behind kube-dns at the service network\'s .10 in some cases', () => {
    const withDns = cases.filter((c) => c.lab.services.some((s) => s.name === 'kube-dns' && s.endpoints.length > 0));
    expect(withDns.length).toBeGreaterThan(0);
    expect(new Set(withDns.map((c) => c.lab.services.find((s) => s.name === 'kube-dns')!.endpoints.length))).toEqual(new Set([1, 2]));
  });
});

describe('the differential runner', () => {
  it('agrees when both sides are the simulator, and counts refusals apart', async () => {
    const report = await verifyGenerated({ count: 12, seed: 5, makeReference: () => createSimBackend({ seed: 5 }), makeSubject: () => createSimBackend({ seed: 5 }) });
    expect(report.agreed).toBe(report.total);
    expect(formatGenerateSummary(report, 1000)).toMatch(/agreement: 12\/12\n$/);
  });

  it('draws the commands both backends refuse as not modelled and counts them as agreeing on the refusal', async () => {
    const report = await verifyGenerated({ count: 120, seed: 1, makeReference: () => createSimBackend({ seed: 1 }), makeSubject: () => createSimBackend({ seed: 1 }) });
    const refused = report.results.filter((r) => r.outcome === 'not-modelled');
    expect(refused.length).toBeGreaterThan(0);
    for (const r of refused) expect(r.refused).toMatch(/^iptables -t (mangle|raw) /);
    expect(report.agreed).toBe(120);
    expect(formatGenerateSummary(report, 1000)).toContain(`not modelled (refused alike by both backends, counted as agreeing on the refusal): ${refused.length}`);
    const sim = createSimBackend();
    await sim.up(loadLab('three-node'));
    for (const command of NOT_MODELLED_FAULTS) {
      const r = await sim.run('node-1', command);
      expect(r.exitCode, command).toBe(3);
      expect(r.stderr, command).toContain('not modelled by the tracelab simulator');
    }
  });

  it('shrinks a disagreement and keeps it as a scenario file that loads', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tlg-gen-'));
    dirs.push(dir);
    mkdirSync(join(dir, 'labs'));
    const report = await verifyGenerated({
      count: 40, seed: 1, outDir: dir, shrinkRuns: 60,
      makeReference: () => createSimBackend({ seed: 1 }), makeSubject: () => skewedSim([]),
    });
    const differ = report.results.filter((r) => r.outcome === 'differ');
    expect(differ.length).toBeGreaterThan(0);
    for (const r of differ) expect(r.case.tools).toContain('tracepath');
    const kept = differ.find((r) => r.written)!;
    // fast-check shrinks an array by dropping its head: a tracepath probe in first place keeps the probe after it,
    // shrunk to the simplest tool (ping).
    const others = kept.shrunk!.probes.filter((p) => !p.run.startsWith('tracepath'));
    expect(kept.shrunk!.probes.length - others.length).toBe(1);
    for (const p of others) expect(p.run).toMatch(/^ping /);
    expect(kept.shrunk!.faults).toHaveLength(0);
    expect(kept.shrunk!.labFile.nodes.length).toBeLessThanOrEqual(kept.case.labFile.nodes.length);
    const [scenario] = loadScenarios([kept.written!]);
    const traced = scenario!.probes.find((p) => p.run.startsWith('tracepath '))!;
    expect(traced.expect).toMatch(/extra\n$/);
  });
});

describe('tracelab verify --generate (arguments)', () => {
  it('refuses the simulator and non-namespace backends as the subject, in one line, exit 2', async () => {
    const a = await runCli(['verify', '--backend', 'sim', '--generate', '5']);
    expect(a).toMatchObject({ code: 2, out: '' });
    expect(a.err).toMatch(/^tracelab: verify compares the simulator with a real backend/);
    const b = await runCli(['verify', '--backend', 'vagrant', '--generate', '5']);
    expect(b).toMatchObject({ code: 2, out: '' });
    expect(b.err).toMatch(/^tracelab: verify --generate builds its labs in network namespaces/);
    for (const bad of [['--generate', '0'], ['--generate', 'x'], ['--out', 'd']]) {
      const c = await runCli(['verify', ...bad]);
      expect(c.code, bad.join(' ')).toBe(2);
    }
  });
});
