// `verify --backend vagrant` on an LXC (network-only) lab: only the scenarios it can run, the others listed with why.
import type { BackendOptions } from '../backend.js';
import type { Scenario } from '../scenario/types.js';
import { vagrantPaths } from '../vagrant/backend.js';
import { renderedLxc } from './places.js';
import { partitionForNetworkOnly } from './scenarios.js';
import { readFileSync } from 'node:fs';

/** The scenarios the running lab takes: all of them on a VirtualBox lab, the network-only ones on an LXC lab. */
export function networkOnlyScenarios(scenarios: readonly Scenario[], opts: BackendOptions, io: { out: (text: string) => void }): Scenario[] {
  const paths = vagrantPaths(opts);
  if (!renderedLxc(paths.json)) return [...scenarios];
  const labName = (JSON.parse(readFileSync(paths.json, 'utf8')) as { lab: string }).lab;
  const { run, skipped } = partitionForNetworkOnly(scenarios, labName);
  for (const line of skipped) io.out(`${line}\n`);
  io.out(`network-only LXC lab ${labName}: running ${run.length} of ${scenarios.length} scenarios\n`);
  return run;
}
