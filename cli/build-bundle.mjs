// Bundles the compiled CLI (dist/cli/main.js) into dist/bundle with esbuild, run by `npm run build` after tsc: one
// entry for main, one per lazily loaded program (sim/lazy.ts; they must share the bundle's modules, not load their
// own), and the chunks they share, so a command line loads a few files instead of about a hundred modules. Each
// module keeps its own import.meta.url (the compiled file's), so the files it finds next to itself are found as
// before. cli/bin.ts uses the bundle only while dist/bundle/stamp matches the compiled modules (cli/bundle-stamp.ts).
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';

const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');
const out = join(dist, 'bundle');
const entry = join(dist, 'bundle-entry.js');
/** What import.meta.url becomes in the bundle's input, until the output file it landed in is known. */
const MODULE_URL = '__tracelabModuleUrl';

/** The lazily loaded programs' modules, relative to dist/, as the registries list them. */
async function lazyFiles() {
  await import(pathToFileURL(join(dist, 'lab', 'lazy-registries.js')).href);
  const { lazyModuleFiles } = await import(pathToFileURL(join(dist, 'sim', 'lazy.js')).href);
  return lazyModuleFiles();
}

/** Every compiled module's import.meta.url, as a marker naming the module (the entry's own is the bundle's). */
const moduleUrls = {
  name: 'module-urls',
  setup(build) {
    build.onLoad({ filter: /\.js$/ }, (args) => {
      const text = readFileSync(args.path, 'utf8');
      if (args.path === entry || !args.path.startsWith(dist)) return { contents: text, loader: 'js' };
      return { contents: text.replaceAll('import.meta.url', `${MODULE_URL}(${JSON.stringify(relative(dist, args.path))})`), loader: 'js' };
    });
  },
};

/**
 * In each output file, the markers become constants (declared first in the file) holding the compiled module's URL,
 * made relative to where that file is.
 */
function resolveModuleUrls(file) {
  const text = readFileSync(file, 'utf8');
  const marker = new RegExp(`${MODULE_URL}\\(("[^"]+")\\)`, 'g');
  const names = new Map();
  const resolved = text.replace(marker, (_m, name) => {
    if (!names.has(name)) names.set(name, `${MODULE_URL}${names.size}`);
    return names.get(name);
  });
  if (resolved.includes(`${MODULE_URL}(`)) throw new Error(`${file}: a module URL marker was left unresolved`);
  const consts = [...names].map(([name, id]) => `const ${id} = new URL(${JSON.stringify(relative(dirname(file), join(dist, JSON.parse(name))))}, import.meta.url).href;\n`);
  writeFileSync(file, consts.join('') + resolved);
}

const files = await lazyFiles();
writeFileSync(entry, [
  "import { fileURLToPath } from 'node:url';",
  "import { useBundledLazyModules } from './sim/lazy.js';",
  "export { main } from './cli/main.js';",
  `useBundledLazyModules(fileURLToPath(new URL('..', import.meta.url)), ${JSON.stringify(files)});`,
  '',
].join('\n'));
rmSync(out, { recursive: true, force: true });
try {
  const result = await esbuild.build({
    entryPoints: { 'cli/main': entry, ...Object.fromEntries(files.map((f) => [f.replace(/\.js$/, ''), join(dist, f)])) },
    outdir: out, bundle: true, splitting: true, format: 'esm', platform: 'node', target: 'node20', packages: 'external',
    chunkNames: 'chunks/[name]-[hash]', plugins: [moduleUrls], metafile: true, logLevel: 'warning',
  });
  for (const file of Object.keys(result.metafile.outputs)) resolveModuleUrls(resolve(file));
} finally {
  rmSync(entry, { force: true });
}
const { modulesStamp } = await import(pathToFileURL(join(dist, 'cli', 'bundle-stamp.js')).href);
writeFileSync(join(out, 'stamp'), modulesStamp(join(dist, 'cli', 'main.js')));
