#!/usr/bin/env node
// The `tracelab` executable: runs main() on the process arguments and exits with its code. main() comes from the CLI
// bundle (cli/bundle-loader.ts) when it was made from these very compiled modules, else (or with TRACELAB_BUNDLE=0)
// from the modules themselves.
import { bundledMain } from './bundle-loader.js';

const main = bundledMain() ?? (await import('./main.js')).main;
process.exitCode = await main(process.argv.slice(2));
