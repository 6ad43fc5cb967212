// The CLI's shared options and their validation (--lab, --seed, --json, --backend and its companions, actions), all checked before any command runs.
import type { Argv } from 'yargs';
import { UsageError, type Backend, type BackendOptions } from '../lab/backend.js';
import { BACKEND_NAMES } from '../lab/backend-names.js';
import { DEFAULT_LAB } from '../topology/paths.js';

/** The largest seed: the simulator's RTT model takes an unsigned 32-bit seed. */
export const MAX_SEED = 2 ** 32 - 1;

export interface LabOptions {
  readonly lab?: string;
  readonly seed?: number;
  readonly json?: boolean;
}

export interface BackendArgs {
  readonly backend: string;
  readonly prefix?: string;
  readonly seed?: number;
  readonly kubeconfig?: string;
  readonly context?: string;
}

const kebab = (key: string) => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** A flag's value given once; `--seed 1 --seed 2` (yargs makes an array of it) is a usage error. */
function once(flag: string, value: unknown): unknown {
  if (Array.isArray(value)) throw new UsageError(`--${flag} was given ${value.length} times; give it once`);
  return value;
}

/** A whole number in [min, max] written in decimal digits only (no sign, exponent, hex or fraction). */
function wholeNumber(flag: string, value: unknown, min: number, max: number): number {
  const text = String(once(flag, value));
  const n = /^\d{1,16}$/.test(text) ? Number(text) : NaN;
  if (!(n >= min && n <= max)) throw new UsageError(`--${flag} must be a whole number from ${min} to ${max}, not "${text}"`);
  return n;
}

/**
 * --FLAG N: a whole number from `min` to `max`, checked (and made a number) after yargs' own validation and before
 * the command runs. Not a yargs `coerce`: yargs rewraps a coerce's error as its own, and it would count as internal.
 */
export function withWholeNumber<T, K extends string>(
  y: Argv<T>, flag: K, range: { min: number; max: number; default?: number }, describe: string,
): Argv<T & { [key in K]?: number }> {
  return y
    .option(flag, { type: 'string', describe, ...(range.default !== undefined ? { default: String(range.default) } : {}) })
    .middleware((argv: Record<string, unknown>) => {
      if (argv[flag] === undefined) return;
      const n = wholeNumber(flag, argv[flag], range.min, range.max);
      argv[flag] = n;
      const camel = flag.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase()); // yargs' alias of a kebab-case flag
      if (camel !== flag) argv[camel] = n;
    }) as unknown as Argv<T & { [key in K]?: number }>;
}

/**
 * A check for every command: a flag that takes one value, given more than once, is a usage error (yargs would pass
 * an array on, which no command expects). Flags declared as arrays, and the positional lists, may repeat.
 */
export function singleValuedFlags(argv: Record<string, unknown>, options: { array?: string[] }): true {
  const arrays = new Set(options.array ?? []);
  for (const [key, value] of Object.entries(argv)) {
    if (key === '_' || key === '$0' || arrays.has(key) || arrays.has(kebab(key))) continue;
    once(kebab(key), value);
  }
  return true;
}

export function withSeedOption<T>(y: Argv<T>): Argv<T & { seed?: number }> {
  return withWholeNumber(y, 'seed', { min: 0, max: MAX_SEED }, `seed of the simulator's RTT model (0 to ${MAX_SEED}, default 1): same seed, same bytes`);
}

/** --lab, --seed and --json. */
export function withLabOptions<T>(y: Argv<T>): Argv<T & LabOptions> {
  return withSeedOption(y)
    .option('lab', { type: 'string', describe: `lab name under topology/labs, or a lab file (default: ${DEFAULT_LAB})` })
    .option('json', { type: 'boolean', describe: 'print data as JSON' }) as Argv<T & LabOptions>;
}

/** --kubeconfig and --context, for commands that can run on the kubectl backend. */
export function withClusterOptions<T>(y: Argv<T>): Argv<T & { kubeconfig?: string; context?: string }> {
  return y
    .option('kubeconfig', { type: 'string', describe: 'kubeconfig of the cluster (kubectl backend)' })
    .option('context', { type: 'string', describe: 'kubeconfig context (kubectl backend)' }) as Argv<T & { kubeconfig?: string; context?: string }>;
}

/**
 * --backend (one of `choices`, by default every registered backend), --prefix, --kubeconfig and --context: the one
 * builder of backend options every command uses.
 */
export function withBackendOptions<T>(
  y: Argv<T>,
  opts: { default?: string; choices?: readonly string[]; describe?: string; defaultPrefix?: string } = {},
): Argv<T & BackendArgs> {
  const choices = opts.choices ?? BACKEND_NAMES;
  return withClusterOptions(y)
    .option('backend', {
      type: 'string',
      choices,
      ...(opts.default !== undefined ? { default: opts.default } : {}),
      describe: opts.describe ?? `backend to run on (${choices.join(', ')})`,
    })
    .option('prefix', { type: 'string', describe: `namespace/VM name prefix of a real lab (netns, vagrant)${opts.defaultPrefix ? `; default ${opts.defaultPrefix}` : ''}` }) as unknown as Argv<T & BackendArgs>;
}

/** The backend options a command's flags carry (only those given). */
export function backendOptionsFrom(args: Partial<BackendArgs>): BackendOptions {
  const out: { -readonly [K in keyof BackendOptions]: BackendOptions[K] } = {};
  if (args.seed !== undefined) out.seed = args.seed;
  if (args.prefix !== undefined) out.prefix = args.prefix;
  if (args.kubeconfig !== undefined) out.kubeconfig = args.kubeconfig;
  if (args.context !== undefined) out.context = args.context;
  return out;
}

/**
 * What makes backend `name` from options. Only that backend's code is loaded: the simulator, every command's default,
 * starts without the real labs' modules.
 */
export async function backendFactory(name: string): Promise<(opts: BackendOptions) => Backend> {
  if (name === 'sim') return (await import('../lab/sim.js')).createSimBackend;
  const { createBackend } = await import('../lab/backends.js');
  return (opts) => createBackend(name, opts);
}

/** The `[action]` positional of `COMMAND ACTION`: one of `actions`; a missing one is named in the usage error. */
export function withAction<T>(y: Argv<T>, command: string, actions: readonly string[], describe: string): Argv<T & { action: string }> {
  const list = `${actions.slice(0, -1).join(', ')} or ${actions[actions.length - 1]}`;
  return y
    .positional('action', { type: 'string', choices: actions, describe })
    .check((argv) => demand(argv.action !== undefined, `${command} needs an action: ${list}`)) as unknown as Argv<T & { action: string }>;
}

/** For a yargs check: true when `ok`, else a usage error saying `message` (thrown, so yargs passes it on as it is). */
export function demand(ok: boolean, message: string): true {
  if (!ok) throw new UsageError(message);
  return true;
}

/** A check: a usage error (before the command runs) when --json is given where the output is not data. */
export function jsonNotFor(when: (argv: Record<string, unknown>) => boolean, why: string): (argv: Record<string, unknown>) => true {
  return (argv) => demand(!(argv.json === true && when(argv)), `--json: ${why}`);
}
