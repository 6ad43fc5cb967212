// The web trainer's pages, styles and scripts as `npm run build` left them in dist/web (lab/web/build-assets.mjs):
// read once when the server starts and served from memory; nothing is fetched from elsewhere.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { UsageError } from '../backend.js';
import { packageRoot } from '../../topology/paths.js';

export interface Asset {
  readonly body: Buffer;
  readonly type: string;
}

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** Where `npm run build` puts the assets. */
export function assetsDir(): string {
  return join(packageRoot(), 'dist', 'web');
}

/** Every regular file of `dir` with a known type, by name; a missing directory is a UsageError saying to build. */
export function loadAssets(dir = assetsDir()): ReadonlyMap<string, Asset> {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    throw new UsageError(`the web trainer's pages are not built (no ${dir}): run npm run build`);
  }
  const assets = new Map<string, Asset>();
  for (const name of names) {
    const type = TYPES[extname(name)];
    const file = join(dir, name);
    if (type && statSync(file).isFile()) assets.set(name, { body: readFileSync(file), type });
  }
  for (const needed of ['trainee.html', 'dashboard.html', 'xterm.js']) {
    if (!assets.has(needed)) throw new UsageError(`the web trainer's ${needed} is missing from ${dir}: run npm run build`);
  }
  return assets;
}
