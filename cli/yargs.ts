// yargs on a platform shim that loads the help layout (cliui, string-width) only when help is printed.
// yargs' own shim (yargs/lib/platform-shims/esm.mjs) imports them up front, and yargs lays its help out after every
// command it runs (usage.cacheHelpMessage): half the CLI's start-up. This is the same shim, built from the same
// packages that yargs itself resolves, with the layout functions loaded by loadYargs({ help: true }).
import { notStrictEqual, strictEqual } from 'node:assert';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, extname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { inspect } from 'node:util';
import type yargsFactory from 'yargs';

type Yargs = typeof yargsFactory;
type Ui = { div(...cols: unknown[]): void; span(...cols: unknown[]): void; resetOutput(): void; toString(): string };
type Layout = { cliui: (opts: { width: number; wrap: boolean }) => Ui; stringWidth: (text: string) => number };

/** yargs' package directory, and an import of a module the way yargs resolves it. */
const yargsPackage = createRequire(import.meta.url).resolve('yargs/package.json');
const fromYargs = createRequire(yargsPackage);
const importFromYargs = async <T>(specifier: string): Promise<T> => (await import(pathToFileURL(fromYargs.resolve(specifier)).href)) as T;
const importYargsFile = async <T>(file: string): Promise<T> => (await import(pathToFileURL(join(dirname(yargsPackage), file)).href)) as T;

/** Stands in for cliui when no help is printed: yargs still "lays out" its help after a command, into nothing. */
const noLayout: Layout = {
  cliui: () => ({ div: () => undefined, span: () => undefined, resetOutput: () => undefined, toString: () => '' }),
  stringWidth: (text) => text.length,
};

let factory: Promise<{ Yargs: Yargs; layout: Layout }> | undefined;
let helpLayout: Promise<Layout> | undefined;

async function loadHelpLayout(): Promise<Layout> {
  const [cliui, stringWidth] = await Promise.all([
    importFromYargs<{ default: Layout['cliui'] }>('cliui'),
    importFromYargs<{ default: Layout['stringWidth'] }>('string-width'),
  ]);
  return { cliui: cliui.default, stringWidth: stringWidth.default };
}

async function loadFactory(): Promise<{ Yargs: Yargs; layout: Layout }> {
  const [{ YargsFactory }, { getProcessArgvBin }, parser, y18n, escalade, getCallerFile] = await Promise.all([
    importYargsFile<{ YargsFactory: (shim: object) => Yargs }>('build/lib/yargs-factory.js'),
    importYargsFile<{ getProcessArgvBin: () => string }>('build/lib/utils/process-argv.js'),
    importFromYargs<{ default: unknown }>('yargs-parser'),
    importFromYargs<{ default: (opts: object) => unknown }>('y18n'),
    importFromYargs<{ default: unknown }>('escalade/sync'),
    importFromYargs<{ default: (depth: number) => string }>('get-caller-file'),
  ]);
  const layout: Layout = { ...noLayout };
  const mainFilename = yargsPackage.substring(0, yargsPackage.lastIndexOf('node_modules'));
  const shim = {
    assert: { notStrictEqual, strictEqual },
    cliui: (opts: { width: number; wrap: boolean }) => layout.cliui(opts),
    findUp: escalade.default,
    getEnv: (key: string) => process.env[key],
    inspect,
    getProcessArgvBin,
    mainFilename: mainFilename || process.cwd(),
    Parser: parser.default,
    path: { basename, dirname, extname, relative, resolve, join },
    process: {
      argv: () => process.argv,
      cwd: process.cwd,
      emitWarning: (warning: string, type: string) => process.emitWarning(warning, type),
      execPath: () => process.execPath,
      exit: (code: number) => process.exit(code),
      nextTick: process.nextTick,
      stdColumns: typeof process.stdout.columns !== 'undefined' ? process.stdout.columns : null,
    },
    readFileSync,
    readdirSync,
    require: fromYargs,
    getCallerFile: () => {
      const callerFile = getCallerFile.default(3);
      return callerFile.startsWith('file://') ? fileURLToPath(callerFile) : callerFile;
    },
    stringWidth: (text: string) => layout.stringWidth(text),
    y18n: y18n.default({ directory: join(dirname(yargsPackage), 'locales'), updateFiles: false }),
  };
  return { Yargs: YargsFactory(shim), layout };
}

/**
 * The yargs factory. With `help`, its help layout is loaded first (a help text is printed only then); without, the
 * layout yargs builds for itself after a command goes nowhere.
 */
export async function loadYargs(opts: { help: boolean }): Promise<Yargs> {
  const loaded = await (factory ??= loadFactory());
  if (opts.help) Object.assign(loaded.layout, await (helpLayout ??= loadHelpLayout()));
  return loaded.Yargs;
}
