// The default lab's file, parsed and checked at build time (`npm run build` runs this module), so that commands on
// the default lab start without loading a YAML parser, and the parses of the library's YAML files (topology/yaml-cache.ts).
// Each cache holds its file's text: any edit makes it unused.
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { fileURLToPath } from 'node:url';
import { writeOutputFile } from '../lab/io/output-file.js';
import { compileLabObject, labValidator, loadLab } from '../topology/compile.js';
import type { LabFile } from '../topology/labfile.js';
import type { LabModel } from '../topology/model.js';
import { DEFAULT_LAB, packageRoot, resolveLabPath } from '../topology/paths.js';
import { YAML_CACHE_DIR, yamlCacheFile, type YamlCacheEntry } from '../topology/yaml-cache.js';
import { readInputFile } from '../topology/read-input.js';
import { GENERATED_VALIDATOR_NAMES, generatedValidatorsStamp, validatorByName } from '../topology/schema/validators.js';
import { parseYamlText } from '../topology/yaml-source.js';

/** Next to this module: dist/cli/default-lab.json once built (none when running from the sources). */
export const DEFAULT_LAB_CACHE = fileURLToPath(new URL('./default-lab.json', import.meta.url));

interface LabCache {
  /** The lab file's text the data was parsed from. */
  readonly text: string;
  readonly data: LabFile;
}

/** Writes the cache of the default lab, after compiling it (a lab that does not compile is not cached). */
export function writeLabCache(cacheFile = DEFAULT_LAB_CACHE): void {
  const file = resolveLabPath(DEFAULT_LAB);
  const text = readInputFile(file);
  loadLab(file);
  const cache: LabCache = { text, data: parseYamlText<LabFile>(file, text, labValidator()).data };
  writeOutputFile(cacheFile, `${JSON.stringify(cache)}\n`);
}

function readCache(cacheFile: string): LabCache | undefined {
  try {
    return JSON.parse(readFileSync(cacheFile, 'utf8')) as LabCache;
  } catch {
    return undefined;
  }
}

/**
 * The default lab's model: compiled from the cache when the lab file still has the text the cache was made from,
 * else loaded as any lab (and any problem of the file reported as usual). Either way the same model.
 */
export function loadDefaultLab(cacheFile = DEFAULT_LAB_CACHE): LabModel {
  const file = resolveLabPath(DEFAULT_LAB);
  const cache = readCache(cacheFile);
  let text: string | undefined;
  try {
    text = cache && readInputFile(file);
  } catch {
    text = undefined;
  }
  return cache && text === cache.text ? compileLabObject(file, cache.data) : loadLab(file);
}

/** The package's own YAML files: the library's labs and scenarios. */
function libraryYamlFiles(): string[] {
  const root = packageRoot();
  return [join(root, 'topology', 'labs'), join(root, 'scenarios')].flatMap((dir) =>
    readdirSync(dir).filter((n) => /\.ya?ml$/.test(n)).sort().map((n) => join(dir, n)));
}

/**
 * Writes topology/yaml-cache.ts's cache: each library file's text and parsed value, and which of the generated
 * validators accept the value (readers validate with any other). A file that does not parse, or whose value JSON
 * cannot carry unchanged, is left out.
 */
export function writeYamlCache(dir = YAML_CACHE_DIR, files = libraryYamlFiles()): void {
  mkdirSync(dir, { recursive: true });
  for (const file of files) {
    const text = readInputFile(file);
    let data: unknown;
    try {
      data = parseYamlText<unknown>(file, text, Object.assign(() => true, { errors: null }) as never).data;
    } catch {
      continue;
    }
    const by = GENERATED_VALIDATOR_NAMES.filter((name) => validatorByName(name)(data));
    const json = JSON.stringify({ text, data, validated: { by, stamp: generatedValidatorsStamp() } } satisfies YamlCacheEntry);
    if (isDeepStrictEqual((JSON.parse(json) as YamlCacheEntry).data, data)) writeOutputFile(yamlCacheFile(file, dir)!, `${json}\n`);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeLabCache();
  writeYamlCache();
}
