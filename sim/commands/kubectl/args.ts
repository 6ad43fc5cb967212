// kubectl's one flag parser: global and verb flags anywhere on the line (cobra/pflag: `-n NS`, `-nNS`,
// `--namespace=NS`, `-o wide`, `-owide`), positional words in order, and everything after `--` kept for exec.

export interface KubectlArgs {
  readonly verb?: string;
  /** Words that are not flags, after the verb (resource, names). */
  readonly words: readonly string[];
  readonly namespace?: string;
  readonly allNamespaces: boolean;
  readonly output?: string;
  readonly selector?: string;
  readonly fieldSelector?: string;
  readonly showLabels: boolean;
  readonly replicas?: string;
  readonly patch?: string;
  readonly container?: string;
  readonly tail?: string;
  readonly overwrite: boolean;
  /** -f/--filename (apply, delete, get): the manifest file. */
  readonly filename?: string;
  /** logs -p/--previous. */
  readonly previous: boolean;
  /** Words after `--` (kubectl exec's command). */
  readonly command?: readonly string[];
}

type ValueFlag = 'namespace' | 'output' | 'selector' | 'fieldSelector' | 'replicas' | 'patch' | 'container' | 'tail' | 'type' | 'kubeconfig' | 'context' | 'filename';

/** Flags taking a value: long names and their one-letter shorthands. */
const VALUE_FLAGS: Readonly<Record<string, ValueFlag>> = {
  '--namespace': 'namespace', '-n': 'namespace', '--output': 'output', '-o': 'output', '--selector': 'selector', '-l': 'selector',
  '--field-selector': 'fieldSelector', '--replicas': 'replicas', '--patch': 'patch', '-p': 'patch', '--container': 'container', '-c': 'container',
  '--tail': 'tail', '--type': 'type', '--kubeconfig': 'kubeconfig', '--context': 'context', '--filename': 'filename', '-f': 'filename',
};

/** Flags whose meaning depends on the verb (cobra's per-command flag sets): for logs, -p is --previous, -f --follow. */
const LOGS_BOOLEANS = new Set(['-p', '--previous', '-f', '--follow']);

/** Real kubectl flags the simulator does not model: said so, rather than called unknown. */
export const UNMODELLED_FLAGS = new Set(['-w', '--watch', '--watch-only', '--sort-by', '-L', '--label-columns', '--template', '--raw', '--dry-run', '--force', '--grace-period', '--server-side', '-k', '--kustomize', '-R', '--recursive', '--since', '--since-time', '--all-containers', '--prefix']);

/** The verb: the first word that is neither a flag nor a value flag's separate value. */
function verbOf(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') return undefined;
    if (Object.hasOwn(VALUE_FLAGS, a)) i++;
    else if (!a.startsWith('-')) return a;
  }
  return undefined;
}

/** Flags without a value that change nothing here (a terminal, a watch-free listing) or are modelled below. */
const BOOLEAN_FLAGS = new Set(['-A', '--all-namespaces', '--show-labels', '-i', '-t', '-it', '-ti', '--stdin', '--tty', '--overwrite', '--no-headers', '--timestamps']);

export type ParseResult = { ok: true; args: KubectlArgs } | { ok: false; message: string; unmodelled?: boolean };

/** pflag's error for a flag given without its value. */
function missingValue(flag: string): string {
  return flag.startsWith('--') ? `flag needs an argument: ${flag}` : `flag needs an argument: '${flag.slice(1)}' in ${flag}`;
}

/** How cobra reports a flag error: `Error: MESSAGE` and where to look, for the verb's own help. */
export function flagErrorText(message: string, verb: string | undefined): string {
  return `Error: ${message}\nSee 'kubectl ${verb !== undefined ? `${verb} ` : ''}--help' for usage.`;
}

export function parseKubectlArgs(argv: readonly string[]): ParseResult {
  const logs = verbOf(argv) === 'logs';
  const values: Partial<Record<ValueFlag, string>> = {};
  const bools = new Set<string>();
  const words: string[] = [];
  let command: string[] | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      command = argv.slice(i + 1);
      break;
    }
    const eq = a.indexOf('=');
    const name = a.startsWith('--') && eq > 0 ? a.slice(0, eq) : a;
    if (logs && LOGS_BOOLEANS.has(name)) {
      bools.add(name);
    } else if (UNMODELLED_FLAGS.has(name) || (name.startsWith('--') && UNMODELLED_FLAGS.has(name.split('=')[0]!))) {
      return { ok: false, message: `kubectl ${name.split('=')[0]}`, unmodelled: true };
    } else if (Object.hasOwn(VALUE_FLAGS, name)) {
      const value = name !== a ? a.slice(eq + 1) : argv[++i];
      if (value === undefined) return { ok: false, message: flagErrorText(missingValue(name), verbOf(argv)) };
      values[VALUE_FLAGS[name]!] = value;
    } else if (/^-[nolcpf]./.test(a) && !a.startsWith('--') && !(logs && /^-[pf]/.test(a))) {
      // pflag shorthand with its value attached: -nkube-system, -owide, -o=wide.
      values[VALUE_FLAGS[a.slice(0, 2)]!] = a.slice(2).replace(/^=/, '');
    } else if (BOOLEAN_FLAGS.has(a) || a === '--all') {
      bools.add(a);
    } else if (a.startsWith('-') && a !== '-') {
      const flag = a.startsWith('--') ? name.slice(2) : a.slice(1, 2);
      return { ok: false, message: flagErrorText(a.startsWith('--') ? `unknown flag: --${flag}` : `unknown shorthand flag: '${flag}' in ${a}`, verbOf(argv)) };
    } else words.push(a);
  }
  return {
    ok: true,
    args: {
      ...(words[0] !== undefined ? { verb: words[0] } : {}),
      words: words.slice(1),
      ...pick(values, ['namespace', 'output', 'selector', 'fieldSelector', 'replicas', 'patch', 'container', 'tail', 'filename']),
      allNamespaces: bools.has('-A') || bools.has('--all-namespaces'),
      showLabels: bools.has('--show-labels'),
      overwrite: bools.has('--overwrite'),
      previous: bools.has('-p') || bools.has('--previous'),
      ...(command ? { command } : {}),
    },
  };
}

function pick(values: Partial<Record<ValueFlag, string>>, keys: readonly ValueFlag[]): Partial<Record<ValueFlag, string>> {
  const out: Partial<Record<ValueFlag, string>> = {};
  for (const k of keys) if (values[k] !== undefined) out[k] = values[k];
  return out;
}
