// Lazily loaded implementations for the simulator's registries: a program's name is registered up front and its
// module is loaded on its first call, synchronously (Node >= 20.19 requires ES modules), so a command line loads only
// the tools it runs. Runners that cannot require the sources (vitest on TypeScript) preload them all instead; the CLI
// bundle (cli/build-bundle.mjs) loads its own copy of each, which shares the bundle's modules.
import { createRequire } from 'node:module';
import { dirname, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Every lazy module's asynchronous loader, for preloadLazyModules. */
const preloaders: (() => Promise<unknown>)[] = [];

/** Every lazy module's URL, for the bundle's build (each is bundled, to be loaded on its first call). */
const lazyUrls = new Set<string>();

/** The compiled modules' root (dist/), this module being dist/sim/lazy.js. */
const moduleRoot = () => dirname(dirname(fileURLToPath(import.meta.url)));

/** Inside the CLI bundle: its copy of each lazy module, by path relative to the compiled modules' root. */
let bundled: Readonly<Record<string, () => unknown>> | undefined;

/** The module at `specifier` (relative to `base`, the registering module's import.meta.url), loaded on first use. */
function lazyModule<M>(base: string, specifier: string): () => M {
  const url = new URL(specifier, base);
  lazyUrls.add(url.href);
  let loaded: M | undefined;
  preloaders.push(async () => (loaded ??= (await import(/* @vite-ignore */ url.href)) as M));
  return () => (loaded ??= requireModule<M>(base, url));
}

function requireModule<M>(base: string, url: URL): M {
  if (base.endsWith('.ts')) {
    // Running the TypeScript sources (vitest): Node cannot require them, they must have been preloaded.
    throw new Error(`${fileURLToPath(url)} was not preloaded: import the module that registers it in test/setup-lazy.ts`);
  }
  if (bundled) return bundledModule<M>(fileURLToPath(url));
  return createRequire(url)(fileURLToPath(url)) as M;
}

function bundledModule<M>(file: string): M {
  const load = bundled?.[relative(moduleRoot(), file)];
  if (!load) throw new Error(`${file} is not in the CLI bundle: register its module in lab/lazy-registries.ts, then npm run build`);
  return load() as M;
}

/** The lazy modules registered so far, relative to the compiled modules' root (cli/build-bundle.mjs). */
export function lazyModuleFiles(): string[] {
  return [...lazyUrls].map((u) => relative(moduleRoot(), fileURLToPath(u))).sort();
}

/** Called by the CLI bundle's entry: its copy of each lazy module (by lazyModuleFiles()'s names when it was built). */
export function useBundledLazyModules(modules: Readonly<Record<string, () => unknown>>): void {
  bundled = modules;
}

/**
 * Export `name` of module `specifier` (relative to `base`) as a function that loads the module on its first call:
 * `lazyFunction<typeof import('./ip.js'), 'ip'>(import.meta.url, './ip.js', 'ip')` stands for `ip`.
 */
export function lazyFunction<M, K extends keyof M>(base: string, specifier: string, name: K): M[K] {
  const load = lazyModule<M>(base, specifier);
  return ((...args: unknown[]) => (load()[name] as (...a: unknown[]) => unknown)(...args)) as M[K];
}

/** Loads every lazy module registered so far (test runners that import TypeScript sources call it first). */
export async function preloadLazyModules(): Promise<void> {
  await Promise.all(preloaders.map((preload) => preload()));
}
