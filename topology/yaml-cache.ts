// Build-time parses of the package's own YAML files (library labs and scenarios): reading one of them while its text
// is unchanged needs no YAML parser; the parser runs only if a location is asked for (a problem to report).
import { readFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packageRoot } from './paths.js';

/** Next to the compiled modules: dist/yaml-cache once built (none when running from the sources). */
export const YAML_CACHE_DIR = fileURLToPath(new URL('../yaml-cache/', import.meta.url));

/** One cached file: the text it was parsed from and the parser's value for it. */
export interface YamlCacheEntry {
  readonly text: string;
  readonly data: unknown;
}

/** The cache file of a YAML file inside the package, or undefined for files elsewhere. */
export function yamlCacheFile(file: string, dir = YAML_CACHE_DIR): string | undefined {
  const inPackage = relative(packageRoot(), resolve(file));
  if (inPackage.startsWith('..') || isAbsolute(inPackage)) return undefined;
  return join(dir, `${inPackage.split(/[\\/]/).join('__')}.json`);
}

/** The parsed value of `file` when the cache has it for exactly `text`. */
export function cachedYaml(file: string, text: string): { data: unknown } | undefined {
  const cacheFile = yamlCacheFile(file);
  if (cacheFile === undefined) return undefined;
  let entry: YamlCacheEntry;
  try {
    entry = JSON.parse(readFileSync(cacheFile, 'utf8')) as YamlCacheEntry;
  } catch {
    return undefined;
  }
  return entry.text === text ? { data: entry.data } : undefined;
}
