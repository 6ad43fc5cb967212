// `tracelab lab box build|up|down --backend vagrant --provider lxc`: the LXC lab's CLI actions, with timings per phase.
import { loadLab } from '../../topology/compile.js';
import { DEFAULT_LAB } from '../../topology/paths.js';
import { UsageError } from '../backend.js';
import { vagrantPaths } from '../vagrant/backend.js';
import { buildLxcBox } from './box.js';
import { DEFAULT_PREFIX as NETNS_DEFAULT_PREFIX } from '../netns/lifecycle.js';
import { DEFAULT_LXC_PREFIX, lxcDown, lxcUp, type LxcLabOptions } from './lab.js';

export interface LxcActionArgs {
  readonly lab?: string;
  readonly stateDir?: string;
  readonly prefix?: string;
  readonly what?: string;
}

type Out = (text: string) => void;

/** The provider a vagrant action uses: --provider, then TRACELAB_PROVIDER, then virtualbox. */
export function providerOf(args: { readonly provider?: string }): string {
  return args.provider ?? process.env.TRACELAB_PROVIDER ?? 'virtualbox';
}

function lxcOptions(args: LxcActionArgs, out: Out): LxcLabOptions {
  const paths = vagrantPaths(args.stateDir ? { stateDir: args.stateDir } : {});
  // The netns lab's default prefix is not ours: an LXC lab names its containers and bridge with its own.
  const prefix = args.prefix && args.prefix !== NETNS_DEFAULT_PREFIX ? args.prefix : DEFAULT_LXC_PREFIX;
  return { vagrantDir: paths.vagrantDir, renderDir: paths.stateDir, prefix, progress: (line) => out(`${line}\n`) };
}

export async function lxcBoxAction(args: LxcActionArgs, out: Out): Promise<number> {
  if (args.what !== 'build') throw new UsageError('lab box needs an action: `lab box build --provider lxc`');
  const started = Date.now();
  const box = await buildLxcBox({ progress: (line) => out(`${line}\n`) });
  out(`box ${box.built ? 'built' : 'cached'}: ${box.path} (${((Date.now() - started) / 1000).toFixed(0)} s)\n`);
  return 0;
}

export async function lxcUpAction(args: LxcActionArgs, out: Out): Promise<number> {
  const lab = loadLab(args.lab ?? DEFAULT_LAB);
  const started = Date.now();
  const machines = await lxcUp(lab, lxcOptions(args, out));
  out(
    `lab ${lab.name} is up on LXC: ${machines.join(', ')} (${((Date.now() - started) / 1000).toFixed(0)} s). Try:\n` +
      `  tracelab exec --backend vagrant ${machines[machines.length - 1]} -- traceroute -n ADDRESS\n` +
      `  tracelab verify --backend vagrant scenarios/\n` +
      `  tracelab lab down --backend vagrant --provider lxc\n`,
  );
  return 0;
}

export async function lxcDownAction(args: LxcActionArgs, out: Out): Promise<number> {
  const started = Date.now();
  const record = await lxcDown(lxcOptions(args, out));
  if (!record) out('no LXC lab recorded: nothing to remove\n');
  else out(`LXC lab ${record.prefix} removed: ${record.machines.join(', ') || 'no machines'} (${((Date.now() - started) / 1000).toFixed(0)} s)\n`);
  return 0;
}
