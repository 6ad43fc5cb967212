// Copies the web trainer's assets into dist/web (run by `npm run build` after tsc): its pages and styles
// (lab/web/public), its compiled page scripts (dist/lab/web/client) and xterm.js from node_modules, so the server
// serves them itself and nothing is fetched from a CDN at run time.
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const out = join(root, 'dist', 'web');
const require = createRequire(import.meta.url);
const xterm = dirname(require.resolve('@xterm/xterm/package.json'));

mkdirSync(out, { recursive: true });
const copies = [
  ...readdirSync(join(root, 'lab', 'web', 'public')).map((n) => join(root, 'lab', 'web', 'public', n)),
  ...readdirSync(join(root, 'dist', 'lab', 'web', 'client')).filter((n) => n.endsWith('.js')).map((n) => join(root, 'dist', 'lab', 'web', 'client', n)),
  join(xterm, 'lib', 'xterm.js'),
  join(xterm, 'css', 'xterm.css'),
];
for (const file of copies) copyFileSync(file, join(out, file.split('/').pop()));
