// Runs the CLI bundle (cli/build-bundle.mjs): one CommonJS file of every compiled module, compiled with the V8 code
// cache the build made by running the hot command lines, so that a command starts with almost nothing to load or
// compile. Used only while the bundle was made from the compiled modules beside it (dist/bundle/stamp).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import { modulesStamp } from './bundle-stamp.js';

export type Main = typeof import('./main.js').main;

/** dist/bundle/main.cjs, its code cache and its stamp. */
export const BUNDLE = fileURLToPath(new URL('../bundle/main.cjs', import.meta.url));
export const BUNDLE_CACHE = `${BUNDLE}.cache`;
export const BUNDLE_STAMP = fileURLToPath(new URL('../bundle/stamp', import.meta.url));

function readOptional(file: string): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch {
    return undefined; // not built
  }
}

/** Whether dist/bundle was made from the compiled modules next to this one (and not TRACELAB_BUNDLE=0). */
export function bundleIsCurrent(): boolean {
  if (process.env.TRACELAB_BUNDLE === '0') return false;
  const stamp = readOptional(BUNDLE_STAMP)?.toString('utf8');
  return stamp !== undefined && stamp === modulesStamp(new URL('./main.js', import.meta.url));
}

/** The bundle's dynamic imports (cli/build-bundle.mjs makes them call this: a vm script has no import of its own). */
const importForBundle = (specifier: string): Promise<unknown> => import(specifier);

/**
 * Compiles and runs the bundle as Node runs a CommonJS module, with CACHED as V8's code cache when given (V8 ignores
 * a cache of another version or flags): its main and its script.
 */
export function loadBundle(cachedData?: Buffer): { readonly main: Main; readonly script: vm.Script } {
  const source = readFileSync(BUNDLE, 'latin1'); // ASCII (cli/build-bundle.mjs checks), read without UTF-8 decoding
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname, __tracelabImport) {${source}\n})`, { filename: BUNDLE, cachedData });
  const module = { exports: {} as { main?: Main } };
  const run = script.runInThisContext() as (...args: unknown[]) => void;
  run(module.exports, createRequire(BUNDLE), module, BUNDLE, dirname(BUNDLE), importForBundle);
  return { main: module.exports.main!, script };
}

/** The bundle's main with its code cache, when the bundle is current; else undefined (run the compiled modules). */
export function bundledMain(): Main | undefined {
  return bundleIsCurrent() ? loadBundle(readOptional(BUNDLE_CACHE)).main : undefined;
}
