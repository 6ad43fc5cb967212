// The default lab's build-time cache: the same model as the YAML file gives, used only while the file is unchanged.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadDefaultLab, writeLabCache } from '../cli/lab-cache.js';
import { labJson as labJsonOf } from '../topology/describe.js';
import { Simulator } from '../sim/simulator.js';
import type { LabModel } from '../topology/model.js';
import { loadLab } from '../topology/compile.js';
import { DEFAULT_LAB } from '../topology/paths.js';

/** `topo show --json` of a lab, routes from the simulator. */
function labJson(lab: LabModel): unknown {
  const sim = new Simulator(lab);
  return labJsonOf(lab, (node) => sim.run(node, 'ip route').stdout);
}

const work = mkdtempSync(join(tmpdir(), 'tracelab-lab-cache-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The cache file with its data's description replaced, and (optionally) its text. */
function tampered(cache: string, edit: { description: string; text?: string }): string {
  const parsed = JSON.parse(readFileSync(cache, 'utf8')) as { text: string; data: Record<string, unknown> };
  const out = join(work, `tampered-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(out, JSON.stringify({ text: edit.text ?? parsed.text, data: { ...parsed.data, description: edit.description } }));
  return out;
}

describe('the default lab cache', () => {
  const cache = join(work, 'default-lab.json');
  writeLabCache(cache);

  it('gives the model the lab file gives', () => {
    const fromYaml = loadLab(DEFAULT_LAB);
    const fromCache = loadDefaultLab(cache);
    expect(JSON.stringify(fromCache)).toBe(JSON.stringify(fromYaml));
    expect(labJson(fromCache)).toEqual(labJson(fromYaml));
  });

  it('is used while the lab file has the text it was made from', () => {
    expect(loadDefaultLab(tampered(cache, { description: 'from the cache' })).description).toBe('from the cache');
  });

  it('is not used once the lab file changed, nor when it is missing', () => {
    const stale = tampered(cache, { description: 'from the cache', text: 'an older lab file\n' });
    expect(loadDefaultLab(stale).description).toBe(loadLab(DEFAULT_LAB).description);
    expect(loadDefaultLab(join(work, 'none.json')).description).toBe(loadLab(DEFAULT_LAB).description);
  });
});
