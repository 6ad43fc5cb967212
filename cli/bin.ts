#!/usr/bin/env node
// The `tracelab` executable: runs main() on the process arguments and exits with its code. main() comes from the CLI
// bundle (cli/build-bundle.mjs: a few files instead of a hundred modules to load) when it was made from these very
// compiled modules, else (or with TRACELAB_BUNDLE=0) from the modules themselves.
import { readFileSync } from 'node:fs';
import { modulesStamp } from './bundle-stamp.js';

type Main = typeof import('./main.js').main;

async function loadMain(): Promise<Main> {
  let stamp: string | undefined;
  if (process.env.TRACELAB_BUNDLE === '0') return (await import('./main.js')).main;
  try {
    stamp = readFileSync(new URL('../bundle/stamp', import.meta.url), 'utf8');
  } catch {
    stamp = undefined; // no bundle: running the modules as compiled
  }
  if (stamp !== undefined && stamp === modulesStamp(new URL('./main.js', import.meta.url))) {
    return ((await import(new URL('../bundle/cli/main.js', import.meta.url).href)) as { main: Main }).main;
  }
  return (await import('./main.js')).main;
}

process.exitCode = await (await loadMain())(process.argv.slice(2));
