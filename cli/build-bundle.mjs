// Bundles the compiled CLI (dist/cli/main.js) into one CommonJS file, dist/bundle/main.cjs, with esbuild, and makes
// V8's code cache for it by running the two hot command lines (cli/cold-start.ts); run by `npm run build` after tsc.
// A command then loads one file, compiled from the cache, instead of about a hundred modules compiled from source.
// Lazily loaded programs (sim/lazy.ts) are bundled too and still loaded on their first call; dynamic imports stay
// lazy. Each module keeps its compiled file's import.meta.url, so what it finds next to itself is found as before.
// cli/bundle-loader.ts runs the bundle only while dist/bundle/stamp matches the compiled modules.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const compiled = (file) => import(pathToFileURL(join(dist, file)).href);
const { BUNDLE, BUNDLE_CACHE, BUNDLE_STAMP, loadBundle } = await compiled('cli/bundle-loader.js');
const entry = join(dist, 'bundle-entry.js');
/** What import.meta.url becomes in the bundle's input, until the constants of resolveModuleUrls replace it. */
const MODULE_URL = '__tracelabModuleUrl';
/** The dynamic import cli/bundle-loader.ts hands the bundle. */
const IMPORT = '__tracelabImport';

/** The lazily loaded programs' modules, relative to dist/, as the registries list them. */
async function lazyFiles() {
  await compiled('lab/lazy-registries.js');
  return (await compiled('sim/lazy.js')).lazyModuleFiles();
}

/**
 * Packages bundled (and so compiled from the code cache) though the modules load them on first use with
 * createRequire(import.meta.url)('NAME'): the DNS wire format, which every reverse lookup of a traceroute uses.
 * Every other package stays outside the bundle, loaded by Node as before.
 */
const BUNDLED_PACKAGES = ['dns-packet'];

/** Every compiled module's import.meta.url, as a marker naming the module; the bundled packages' requires plain. */
const moduleUrls = {
  name: 'module-urls',
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (args) => {
      const inPackage = args.importer.includes(`${join('node_modules', '')}`);
      return inPackage || BUNDLED_PACKAGES.includes(args.path) ? undefined : { path: args.path, external: true };
    });
    build.onLoad({ filter: /\.js$/ }, (args) => {
      const text = readFileSync(args.path, 'utf8');
      if (args.path === entry || !args.path.startsWith(dist)) return { contents: text, loader: 'js' };
      const required = BUNDLED_PACKAGES.reduce((t, name) => t.replaceAll(`createRequire(import.meta.url)('${name}')`, `require('${name}')`), text);
      return { contents: required.replaceAll('import.meta.url', `${MODULE_URL}(${JSON.stringify(relative(dist, args.path))})`), loader: 'js' };
    });
  },
};

/**
 * The markers become constants, declared first, holding each compiled module's file URL (from the bundle's place);
 * the dynamic imports esbuild left (of computed URLs and packages) call the loader's import, as a vm script cannot.
 */
function resolveModuleUrls(file) {
  const names = new Map();
  const text = readFileSync(file, 'utf8').replace(/\bimport\(/g, `${IMPORT}(`).replace(new RegExp(`${MODULE_URL}\\(("[^"]+")\\)`, 'g'), (_m, name) => {
    if (!names.has(name)) names.set(name, `${MODULE_URL}${names.size}`);
    return names.get(name);
  });
  if (text.includes(`${MODULE_URL}(`)) throw new Error(`${file}: a module URL marker was left unresolved`);
  if (/[^\x00-\x7f]/.test(text)) throw new Error(`${file}: not ASCII (cli/bundle-loader.ts reads it as latin1)`);
  const consts = [...names].map(([name, id]) =>
    `const ${id} = require("node:url").pathToFileURL(require("node:path").join(__dirname, ${JSON.stringify(relative(dirname(file), join(dist, JSON.parse(name))))})).href;\n`);
  writeFileSync(file, consts.join('') + text);
}

/**
 * Runs the hot lines on the bundle (their output muted) and writes the code cache of everything they compiled (what
 * they print or exit with does not matter here: the tests check that).
 */
async function writeCodeCache() {
  const { main, script } = loadBundle();
  const { coldStartLines } = await compiled('cli/cold-start.js');
  const write = process.stdout.write;
  process.stdout.write = () => true;
  try {
    for (const line of Object.values(coldStartLines(root))) await main(line);
  } finally {
    process.stdout.write = write;
    process.exitCode = 0;
  }
  writeFileSync(BUNDLE_CACHE, script.createCachedData());
}

const files = await lazyFiles();
writeFileSync(entry, [
  "import { useBundledLazyModules } from './sim/lazy.js';",
  "export { main } from './cli/main.js';",
  `useBundledLazyModules({\n${files.map((f) => `  ${JSON.stringify(f)}: () => require(${JSON.stringify(`./${f}`)}),\n`).join('')}});`,
  '',
].join('\n'));
rmSync(dirname(BUNDLE), { recursive: true, force: true });
mkdirSync(dirname(BUNDLE), { recursive: true });
try {
  await esbuild.build({
    entryPoints: [entry], outfile: BUNDLE, bundle: true, format: 'cjs', platform: 'node', target: 'node20',
    plugins: [moduleUrls], logLevel: 'warning', minifyWhitespace: true, // less to read; names kept
  });
} finally {
  rmSync(entry, { force: true });
}
resolveModuleUrls(BUNDLE);
await writeCodeCache();
const { modulesStamp } = await compiled('cli/bundle-stamp.js');
writeFileSync(BUNDLE_STAMP, modulesStamp(join(dist, 'cli', 'main.js')));
