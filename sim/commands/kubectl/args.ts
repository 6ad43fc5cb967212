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
  /** Words after `--` (kubectl exec's command). */
  readonly command?: readonly string[];
}

type ValueFlag = 'namespace' | 'output' | 'selector' | 'fieldSelector' | 'replicas' | 'patch' | 'container' | 'tail' | 'type' | 'kubeconfig' | 'context';

/** Flags taking a value: long names and their one-letter shorthands. */
const VALUE_FLAGS: Readonly<Record<string, ValueFlag>> = {
  '--namespace': 'namespace', '-n': 'namespace', '--output': 'output', '-o': 'output', '--selector': 'selector', '-l': 'selector',
  '--field-selector': 'fieldSelector', '--replicas': 'replicas', '--patch': 'patch', '-p': 'patch', '--container': 'container', '-c': 'container',
  '--tail': 'tail', '--type': 'type', '--kubeconfig': 'kubeconfig', '--context': 'context',
};

/** Flags without a value that change nothing here (a terminal, a watch-free listing) or are modelled below. */
const BOOLEAN_FLAGS = new Set(['-A', '--all-namespaces', '--show-labels', '-i', '-t', '-it', '-ti', '--stdin', '--tty', '--overwrite', '--no-headers', '-f', '--follow', '--timestamps']);

export type ParseResult = { ok: true; args: KubectlArgs } | { ok: false; message: string };

/** pflag's error for a flag given without its value. */
function missingValue(flag: string): string {
  return flag.startsWith('--') ? `error: flag needs an argument: ${flag}` : `error: flag needs an argument: '${flag.slice(1)}' in ${flag}`;
}

export function parseKubectlArgs(argv: readonly string[]): ParseResult {
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
    if (Object.hasOwn(VALUE_FLAGS, name)) {
      const value = name !== a ? a.slice(eq + 1) : argv[++i];
      if (value === undefined) return { ok: false, message: missingValue(name) };
      values[VALUE_FLAGS[name]!] = value;
    } else if (/^-[nolcp]./.test(a) && !a.startsWith('--')) {
      // pflag shorthand with its value attached: -nkube-system, -owide, -o=wide.
      values[VALUE_FLAGS[a.slice(0, 2)]!] = a.slice(2).replace(/^=/, '');
    } else if (BOOLEAN_FLAGS.has(a) || a.startsWith('--tail=') || a === '--all') {
      bools.add(a);
    } else if (a.startsWith('-') && a !== '-') {
      const flag = a.startsWith('--') ? name.slice(2) : a.slice(1, 2);
      return { ok: false, message: a.startsWith('--') ? `error: unknown flag: --${flag}` : `error: unknown shorthand flag: '${flag}' in ${a}` };
    } else words.push(a);
  }
  return {
    ok: true,
    args: {
      ...(words[0] !== undefined ? { verb: words[0] } : {}),
      words: words.slice(1),
      ...pick(values, ['namespace', 'output', 'selector', 'fieldSelector', 'replicas', 'patch', 'container', 'tail']),
      allNamespaces: bools.has('-A') || bools.has('--all-namespaces'),
      showLabels: bools.has('--show-labels'),
      overwrite: bools.has('--overwrite'),
      ...(command ? { command } : {}),
    },
  };
}

function pick(values: Partial<Record<ValueFlag, string>>, keys: readonly ValueFlag[]): Partial<Record<ValueFlag, string>> {
  const out: Partial<Record<ValueFlag, string>> = {};
  for (const k of keys) if (values[k] !== undefined) out[k] = values[k];
  return out;
}
