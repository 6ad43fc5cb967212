// Which build of the compiled modules the CLI bundle was made from: dist/cli/main.js's modification time (tsc writes
// every module on each build), recorded by cli/build-bundle.mjs and compared by cli/bin.ts before using the bundle.
import { statSync } from 'node:fs';

/** The stamp of the compiled modules that dist/cli/main.js (at MAIN) belongs to. */
export function modulesStamp(main: URL | string): string {
  return String(statSync(main).mtimeMs);
}
