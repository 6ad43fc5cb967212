// Build-time parses of the package's own YAML files (library labs and scenarios): reading one of them while its text
// is unchanged needs no YAML parser; the parser runs only if a location is asked for (a problem to report). Each also
// names the generated schema validators that accepted it at build time, so that reading it needs no validator either
// while those validators are the same build.
import { readFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packageRoot } from './paths.js';
import { generatedValidatorsStamp, type GeneratedValidatorName } from './schema/validators.js';

/** Next to the compiled modules: dist/yaml-cache once built (none when running from the sources). */
export const YAML_CACHE_DIR = fileURLToPath(new URL('../yaml-cache/', import.meta.url));

/** One cached file: the text it was parsed from and the parser's value for it. */
export interface YamlCacheEntry {
  readonly text: string;
  readonly data: unknown;
  /** The generated validators that accepted `data` when the cache was written, and which build of them that was. */
  readonly validated?: { readonly by: readonly GeneratedValidatorName[]; readonly stamp: string };
}

/** The cache file of a YAML file inside the package, or undefined for files elsewhere. */
export function yamlCacheFile(file: string, dir = YAML_CACHE_DIR): string | undefined {
  const inPackage = relative(packageRoot(), resolve(file));
  if (inPackage.startsWith('..') || isAbsolute(inPackage)) return undefined;
  return join(dir, `${inPackage.split(/[\\/]/).join('__')}.json`);
}

/** What the cache knows of a file: the parser's value, and the generated validators (of this build) that accept it. */
export interface CachedYaml {
  readonly data: unknown;
  readonly validBy: readonly GeneratedValidatorName[];
}

/** The parsed value of `file` when the cache has it for exactly `text`. */
export function cachedYaml(file: string, text: string): CachedYaml | undefined {
  const cacheFile = yamlCacheFile(file);
  if (cacheFile === undefined) return undefined;
  let entry: YamlCacheEntry;
  try {
    entry = JSON.parse(readFileSync(cacheFile, 'utf8')) as YamlCacheEntry;
  } catch {
    return undefined;
  }
  if (entry.text !== text) return undefined;
  return { data: entry.data, validBy: entry.validated && entry.validated.stamp === generatedValidatorsStamp() ? entry.validated.by : [] };
}
