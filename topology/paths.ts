// Where the package's own files live (labs, schemas, scenarios), wherever it runs from (source or dist/), and how a lab is named.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

/** The directory holding tracelab's package.json, found by walking up from this module (once a process). */
export function packageRoot(): string {
  return (root ??= findPackageRoot());
}

function findPackageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'tracelab') return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the tracelab package root');
    dir = parent;
  }
}

/** A lab named with a "/" or ending in .yaml/.yml is a file path; anything else is the name of a lab under topology/labs. */
export function isLabFilePath(nameOrPath: string): boolean {
  return nameOrPath.includes('/') || /\.ya?ml$/.test(nameOrPath);
}

/** The file of the lab NAME under topology/labs (which may not exist). */
export function libraryLabPath(name: string): string {
  return join(packageRoot(), 'topology', 'labs', `${name}.yaml`);
}

/** The names of the labs under topology/labs, sorted. */
export function libraryLabNames(): string[] {
  return readdirSync(join(packageRoot(), 'topology', 'labs')).filter((n) => n.endsWith('.yaml')).map((n) => n.slice(0, -5)).sort();
}

/**
 * A --lab argument: a file path (see isLabFilePath), else a lab under topology/labs; a bare name that is no lab there
 * but names a file or directory here means that path, so `--lab adir` reports what adir is.
 */
export function resolveLabPath(nameOrPath: string): string {
  if (isLabFilePath(nameOrPath)) return resolve(nameOrPath);
  const library = libraryLabPath(nameOrPath);
  return existsSync(library) || !existsSync(nameOrPath) ? library : resolve(nameOrPath);
}

/**
 * A scenario's `lab:`: a lab under topology/labs, or a lab file named by a relative path that stays inside the
 * scenario file's directory (subdirectories are fine; absolute paths and ".." out of the directory are refused, so a
 * scenario cannot make tracelab read files elsewhere). Returns the file, or why the name is refused or unknown.
 */
export function resolveScenarioLab(scenarioFile: string, lab: string): { ok: true; file: string } | { ok: false; message: string } {
  if (!isLabFilePath(lab)) {
    const file = libraryLabPath(lab);
    return existsSync(file) ? { ok: true, file } : { ok: false, message: `no lab "${lab}" (labs: ${libraryLabNames().join(', ')})` };
  }
  if (isAbsolute(lab)) return { ok: false, message: `lab "${lab}": a lab file is named by a path relative to the scenario file, not an absolute path` };
  const dir = dirname(resolve(scenarioFile));
  const file = resolve(dir, lab);
  const inside = relative(dir, file);
  if (inside === '' || inside === '..' || inside.startsWith(`..${sep}`) || isAbsolute(inside)) {
    return { ok: false, message: `lab "${lab}": a lab file must be inside the scenario file's directory (no ".." out of it)` };
  }
  return { ok: true, file };
}

export const DEFAULT_LAB = 'three-node';
