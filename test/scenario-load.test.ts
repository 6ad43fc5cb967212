// The scenario loader: FILE:LINE:COL errors for bad files, durations, duplicate names, model edits; the library loads;
// random and mutated scenario texts give a clean SourceError, never another exception.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  loadScenarioFile, loadScenarios, parseDuration, parseScenarioText, scenarioFiles, scenarioLibraryDir, scenarioValidator,
} from '../lab/scenario/index.js';
import { SourceError } from '../topology/yaml-source.js';
import { formatIp } from '../topology/address.js';

const FIXTURES = join(import.meta.dirname, 'fixtures', 'scenarios');
const fixture = (name: string) => join(FIXTURES, name);

/** The loader's message for FILE, as the CLI prints it (one line per problem). */
function loadError(paths: string[]): string {
  try {
    loadScenarios(paths);
  } catch (err) {
    if (err instanceof SourceError) return err.message;
    throw err;
  }
  throw new Error(`expected ${paths.join(' ')} to fail`);
}

describe('scenario loader errors', () => {
  it('points at a misspelled probe field', () => {
    const msg = loadError([fixture('bad-field.yaml')]);
    expect(msg).toContain(`${fixture('bad-field.yaml')}:10:5: unknown field "expcet" in probes.0`);
    expect(msg).toContain(`${fixture('bad-field.yaml')}:8:5: probes.0: missing required field "expect"`);
  });

  it('points at places the lab does not have, with the places it has', () => {
    const lines = loadError([fixture('unknown-place.yaml')]).split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(new RegExp(`^${fixture('unknown-place.yaml')}:7:9: unknown place "node-9"; nodes: controlplane, node-1, node-2`));
    expect(lines[1]).toBe(`${fixture('unknown-place.yaml')}:10:9: no pod "netshoot" on node-1 (pods there: nginx, httpd)`);
  });

  it('rejects a wait that is not a duration, and one longer than a day', () => {
    expect(loadError([fixture('bad-duration.yaml')])).toBe(`${fixture('bad-duration.yaml')}:7:11: break.0.wait: must match ^[0-9]+(\\.[0-9]+)?(ms|s|m)$`);
    expect(loadError([fixture('bad-duration-long.yaml')])).toBe(`${fixture('bad-duration-long.yaml')}:12:11: bad duration "99999m" (like 500ms, 15s, 2m)`);
  });

  it('reports duplicate scenario names across files at the second name', () => {
    const dir = fixture('dup');
    expect(loadError([dir])).toBe(`${join(dir, 'dup-b.yaml')}:2:7: duplicate scenario name "same-name" (also in ${join(dir, 'dup-a.yaml')})`);
  });

  it('locates model edits: an unknown array element, and a value the lab schema refuses', () => {
    expect(loadError([fixture('bad-edit.yaml')])).toBe(
      `${fixture('bad-edit.yaml')}:7:20: lab edit nodes.node-9.ip: no element "node-9" in nodes (names: controlplane, node-1, node-2)`,
    );
    expect(loadError([fixture('bad-edit-value.yaml')])).toBe(
      `${fixture('bad-edit-value.yaml')}:7:26: lab edit cluster.icmpRatelimit: cluster.icmpRatelimit: must be integer`,
    );
  });

  it('points at an unknown lab and at YAML syntax errors', () => {
    expect(loadError([fixture('unknown-lab.yaml')])).toMatch(new RegExp(`^${fixture('unknown-lab.yaml')}:4:6: no lab "four-node" \\(`));
    expect(loadError([fixture('bad-yaml.yaml')])).toMatch(new RegExp(`^${fixture('bad-yaml.yaml')}:\\d+:\\d+: `));
  });

  it('collects the problems of every file into one error', () => {
    const lines = loadError([fixture('bad-field.yaml'), fixture('unknown-lab.yaml')]).split('\n');
    expect(lines.filter((l) => l.startsWith(fixture('bad-field.yaml')))).toHaveLength(2);
    expect(lines.filter((l) => l.startsWith(fixture('unknown-lab.yaml')))).toHaveLength(1);
  });

  it('reports a missing file as a located error', () => {
    expect(loadError([fixture('no-such-file.yaml')])).toMatch(new RegExp(`^${fixture('no-such-file.yaml')}:1:1: cannot read`));
  });
});

describe('durations', () => {
  it('parses ms, s and m, and refuses everything else', () => {
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('15s')).toBe(15_000);
    expect(parseDuration('1.5s')).toBe(1_500);
    expect(parseDuration('2m')).toBe(120_000);
    for (const bad of ['15', 's', '15 s', '-1s', '1h', '1e3s', '', '99999m']) expect(parseDuration(bad)).toBeUndefined();
  });
});

describe('model edits', () => {
  it('rebuilds the lab: Flannel without --iface routes via 10.0.2.15 dev eth0', () => {
    const s = loadScenarioFile(join(scenarioLibraryDir(), 'flannel-on-eth0.yaml'));
    const set = s.lab.routeSets.find((r) => r.id === 'flannel-host-gw')!;
    expect(set.routes.map((r) => `${formatIp(r.via!)} ${r.dev}`)).toEqual(['10.0.2.15 eth0', '10.0.2.15 eth0', '10.0.2.15 eth0']);
  });

  it('addresses list elements by name: swapped pod subnets', () => {
    const s = loadScenarioFile(join(scenarioLibraryDir(), 'nodes-joined-out-of-order.yaml'));
    const httpd = s.lab.device('httpd')!;
    expect(httpd.node).toBe('node-1');
    expect(httpd.interfaces.find((i) => i.name === 'eth0')!.addrs.map((a) => formatIp(a.ip))).toEqual(['10.244.2.3']);
  });
});

describe('the scenario library', () => {
  const scenarios = loadScenarios([scenarioLibraryDir()]);

  it('has at least 20 valid scenarios with unique names, one per file named after it', () => {
    expect(scenarios.length).toBeGreaterThanOrEqual(20);
    expect(new Set(scenarios.map((s) => s.name)).size).toBe(scenarios.length);
    for (const s of scenarios) expect(s.file.endsWith(`/${s.name}.yaml`)).toBe(true);
    expect(scenarioFiles([scenarioLibraryDir()])).toHaveLength(scenarios.length);
  });

  it('gives every scenario a brief, hints and recorded expectations (a healthy text for each probe when it has a fix)', () => {
    for (const s of scenarios) {
      expect(s.brief.trim(), s.name).not.toBe('');
      expect(s.hints.length, s.name).toBeGreaterThan(0);
      for (const p of s.probes) {
        // An empty stdout can be what the kernel printed (ip route in a pod whose eth0 is down), but not everywhere.
        expect(p.expect !== '' || p.stderr !== undefined || !!p.healthy, `${s.name}: ${p.run} has no recorded output`).toBe(true);
        if (s.fixSteps) expect(p.healthy, `${s.name}: ${p.run} has no healthy text`).toBeDefined();
      }
    }
  });

  it('covers every probe tool and form the issue names', () => {
    const runs = scenarios.flatMap((s) => s.probes.map((p) => ({ run: p.run, busybox: s.lab.device(p.at.split('/').pop()!)?.toolset === 'busybox' })));
    const has = (test: (r: { run: string; busybox: boolean }) => boolean) => runs.some(test);
    expect(has((r) => r.busybox && r.run.startsWith('traceroute '))).toBe(true);
    expect(has((r) => !r.busybox && r.run.startsWith('traceroute ') && !r.run.includes(' -n'))).toBe(true);
    expect(has((r) => !r.busybox && / -I /.test(r.run))).toBe(true);
    expect(has((r) => !r.busybox && / -T -p 80 /.test(r.run))).toBe(true);
    expect(has((r) => !r.busybox && / -F /.test(r.run))).toBe(true);
    for (const tool of ['tcptraceroute ', 'mtr -r', 'tracepath ', 'ping ']) expect(has((r) => r.run.startsWith(tool)), tool).toBe(true);
  });
});

describe('fuzzing the loader', () => {
  const validate = scenarioValidator();
  const base = readFileSync(join(scenarioLibraryDir(), 'forward-reject-variants.yaml'), 'utf8');

  const onlySourceErrors = (text: string) => {
    try {
      parseScenarioText('fuzz.yaml', text, validate);
    } catch (err) {
      if (!(err instanceof SourceError)) throw err;
      for (const d of err.diagnostics) {
        expect(d.file).toBe('fuzz.yaml');
        expect(d.line).toBeGreaterThanOrEqual(1);
        expect(d.col).toBeGreaterThanOrEqual(1);
      }
    }
  };

  it('random text gives a clean error', () => {
    fc.assert(fc.property(fc.string({ maxLength: 300 }), onlySourceErrors), { numRuns: 300 });
  }, 60_000);

  it('a library file with lines deleted, duplicated or cut gives a clean error (or loads)', () => {
    const lines = base.split('\n');
    const mutation = fc.record({
      at: fc.nat({ max: lines.length - 1 }),
      kind: fc.constantFrom('delete', 'duplicate', 'cut', 'indent', 'dedent'),
      cut: fc.nat({ max: 40 }),
    });
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), (muts) => {
        const out = [...lines];
        for (const m of muts) {
          const i = Math.min(m.at, out.length - 1);
          if (m.kind === 'delete') out.splice(i, 1);
          else if (m.kind === 'duplicate') out.splice(i, 0, out[i]!);
          else if (m.kind === 'cut') out[i] = out[i]!.slice(0, m.cut);
          else if (m.kind === 'indent') out[i] = `  ${out[i]}`;
          else out[i] = out[i]!.replace(/^ {1,2}/, '');
        }
        onlySourceErrors(out.join('\n'));
      }),
      { numRuns: 200 },
    );
  }, 60_000);

  it('arbitrary model edits give a clean error (or load)', () => {
    const key = fc.array(fc.constantFrom('cluster', 'nodes', 'node-1', '0', '7', 'pods', 'ip', 'flannel', 'iface', 'services', 'httpd', 'endpoints', 'name', 'x'), { minLength: 1, maxLength: 5 }).map((k) => k.join('.'));
    const value = fc.oneof(fc.constant(null), fc.boolean(), fc.integer(), fc.string({ maxLength: 12 }), fc.constant([]), fc.constant({}), fc.constant('10.244.9.0/24'));
    fc.assert(
      fc.property(key, value, (k, v) => {
        onlySourceErrors(base.replace(/^break:/m, `model:\n  ${k}: ${JSON.stringify(v)}\nbreak:`));
      }),
      { numRuns: 150 },
    );
  }, 60_000);
});
