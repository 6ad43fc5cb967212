// Where the package's own files live (labs, schemas, scenarios), wherever it runs from (source or dist/).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The directory holding tracelab's package.json, found by walking up from this module. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'tracelab') return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the tracelab package root');
    dir = parent;
  }
}

/** A lab argument is a path to a YAML file or the name of a lab under topology/labs. */
export function resolveLabPath(nameOrPath: string): string {
  if (nameOrPath.includes('/') || nameOrPath.endsWith('.yaml') || nameOrPath.endsWith('.yml')) return resolve(nameOrPath);
  return join(packageRoot(), 'topology', 'labs', `${nameOrPath}.yaml`);
}

export const DEFAULT_LAB = 'three-node';
