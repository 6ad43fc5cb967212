// The build-time parses of the library's YAML files: each holds its file's text and exactly the parser's value for it.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeYamlCache } from '../cli/lab-cache.js';
import { packageRoot } from '../topology/paths.js';
import { yamlCacheFile, type YamlCacheEntry } from '../topology/yaml-cache.js';
import { parseYamlText } from '../topology/yaml-source.js';
import { GENERATED_VALIDATOR_NAMES, generatedValidatorsStamp, validatorByName } from '../topology/schema/validators.js';

const work = mkdtempSync(join(tmpdir(), 'tracelab-yaml-cache-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const anything = Object.assign(() => true, { errors: null }) as never;

describe('the YAML cache', () => {
  const scenarios = join(packageRoot(), 'scenarios');
  const files = readdirSync(scenarios).filter((n) => n.endsWith('.yaml')).sort().slice(0, 5).map((n) => join(scenarios, n));
  writeYamlCache(work, [...files, join(packageRoot(), 'topology', 'labs', 'three-node.yaml')]);

  it('holds, for each library file, its text and the value the YAML parser gives for it', () => {
    for (const file of [...files, join(packageRoot(), 'topology', 'labs', 'three-node.yaml')]) {
      const entry = JSON.parse(readFileSync(yamlCacheFile(file, work)!, 'utf8')) as YamlCacheEntry;
      const text = readFileSync(file, 'utf8');
      expect(entry.text).toBe(text);
      expect(entry.data).toStrictEqual(parseYamlText(file, text, anything).data);
    }
  });

  it('names the generated validators (of this build) that accept each value, which readers then do not run again', () => {
    for (const file of files) {
      const entry = JSON.parse(readFileSync(yamlCacheFile(file, work)!, 'utf8')) as YamlCacheEntry;
      const accepting = GENERATED_VALIDATOR_NAMES.filter((name) => validatorByName(name)(entry.data));
      expect(entry.validated).toEqual({ by: accepting, stamp: generatedValidatorsStamp() });
      expect(accepting).toEqual(['validateScenario']);
    }
  });

  it('has no entry for files outside the package', () => {
    expect(yamlCacheFile(join(tmpdir(), 'lab.yaml'), work)).toBeUndefined();
  });
});
