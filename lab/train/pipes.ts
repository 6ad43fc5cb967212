// Pipelines in the training shell: `COMMAND | grep ... | head ...`. The command runs at the place (simulator or real
// lab); the filters a trainee reaches for (grep, head, tail, wc -l, sort, uniq, cat) run here on its output.

export type Filter = (input: string) => { readonly stdout: string; readonly exitCode: number };

export type FilterResult = { ok: true; filter: Filter } | { ok: false; stderr: string };

/** Splits words at `|` words: the command and the filters after it (an empty stage is a syntax error). */
export function splitPipeline(words: readonly string[]): { ok: true; stages: string[][] } | { ok: false; error: string } {
  const stages: string[][] = [[]];
  for (const w of words) {
    if (w === '|') stages.push([]);
    else stages[stages.length - 1]!.push(w);
  }
  if (stages.some((s) => s.length === 0)) return { ok: false, error: "syntax error near unexpected token `|'" };
  return { ok: true, stages };
}

const lines = (text: string) => (text === '' ? [] : text.replace(/\n$/, '').split('\n'));
const join = (list: readonly string[]) => (list.length ? `${list.join('\n')}\n` : '');

function grep(args: readonly string[]): FilterResult {
  let invert = false;
  let ignoreCase = false;
  let fixed = false;
  let word = false;
  let count = false;
  let number = false;
  const patterns: string[] = [];
  let i = 0;
  for (; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') {
      i++;
      break;
    }
    if (a === '-e') {
      if (args[i + 1] === undefined) return { ok: false, stderr: "grep: option requires an argument -- 'e'\n" };
      patterns.push(args[++i]!);
      continue;
    }
    if (!a.startsWith('-') || a === '-') break;
    for (const flag of a.slice(1)) {
      if (flag === 'v') invert = true;
      else if (flag === 'i') ignoreCase = true;
      else if (flag === 'F') fixed = true;
      else if (flag === 'E') fixed = false;
      else if (flag === 'w') word = true;
      else if (flag === 'c') count = true;
      else if (flag === 'n') number = true;
      else return { ok: false, stderr: `grep: invalid option -- '${flag}' (the training shell's grep knows -v -i -E -F -w -c -n -e)\n` };
    }
  }
  if (patterns.length === 0) {
    if (args[i] === undefined) return { ok: false, stderr: 'Usage: grep [OPTION]... PATTERNS\n' };
    patterns.push(args[i++]!);
  }
  if (i < args.length) return { ok: false, stderr: `grep: ${args[i]}: files are not available here; grep reads the piped output\n` };
  let res: RegExp[];
  try {
    res = patterns.map((p) => {
      // Basic and extended regular expressions differ little for what trainees grep for; JavaScript's is close.
      const body = fixed ? p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') : p;
      return new RegExp(word ? `(?<![A-Za-z0-9_])(?:${body})(?![A-Za-z0-9_])` : body, ignoreCase ? 'i' : '');
    });
  } catch {
    return { ok: false, stderr: `grep: invalid regular expression: ${patterns.join(' ')}\n` };
  }
  return {
    ok: true,
    filter: (input) => {
      const hits = lines(input).map((l, n) => ({ l, n })).filter(({ l }) => res.some((r) => r.test(l)) !== invert);
      const stdout = count ? `${hits.length}\n` : join(hits.map(({ l, n }) => (number ? `${n + 1}:${l}` : l)));
      return { stdout, exitCode: hits.length > 0 ? 0 : 1 };
    },
  };
}

/** `-n N`, `-N` or `-nN`; 10 by default. */
function countArg(name: string, args: readonly string[]): number | string {
  if (args.length === 0) return 10;
  const [a, b] = args;
  const text = a === '-n' ? b : a!.startsWith('-n') ? a!.slice(2) : a!.startsWith('-') ? a!.slice(1) : undefined;
  if (text === undefined || !/^\d+$/.test(text) || args.length > (a === '-n' ? 2 : 1)) return `${name}: usage: ${name} [-n N] (reads the piped output)\n`;
  return Number(text);
}

/** The filter a pipeline stage names, or the error a shell would print for it. */
export function findFilter(words: readonly string[]): FilterResult {
  const [name, ...args] = words as [string, ...string[]];
  const ok = (filter: Filter): FilterResult => ({ ok: true, filter });
  switch (name) {
    case 'grep':
    case 'egrep':
      return grep(name === 'egrep' ? ['-E', ...args] : args);
    case 'head':
    case 'tail': {
      const n = countArg(name, args);
      if (typeof n === 'string') return { ok: false, stderr: n };
      return ok((input) => {
        const all = lines(input);
        return { stdout: join(name === 'head' ? all.slice(0, n) : all.slice(Math.max(0, all.length - n))), exitCode: 0 };
      });
    }
    case 'wc':
      if (args.length !== 1 || args[0] !== '-l') return { ok: false, stderr: 'wc: the training shell counts lines only: wc -l\n' };
      return ok((input) => ({ stdout: `${lines(input).length}\n`, exitCode: 0 }));
    case 'sort':
      if (args.some((a) => a !== '-r')) return { ok: false, stderr: 'sort: the training shell sorts lines only: sort [-r]\n' };
      return ok((input) => {
        const sorted = [...lines(input)].sort();
        return { stdout: join(args.includes('-r') ? sorted.reverse() : sorted), exitCode: 0 };
      });
    case 'uniq':
      if (args.length > 0) return { ok: false, stderr: 'uniq: the training shell supports plain uniq\n' };
      return ok((input) => ({ stdout: join(lines(input).filter((l, i, all) => i === 0 || all[i - 1] !== l)), exitCode: 0 }));
    case 'cat':
      if (args.length > 0) return { ok: false, stderr: 'cat: after a pipe, cat takes no files here\n' };
      return ok((input) => ({ stdout: input, exitCode: 0 }));
    default:
      return { ok: false, stderr: `sh: ${name}: not available after a pipe here (grep, head, tail, wc -l, sort, uniq, cat)\n` };
  }
}

/** Output through each filter in turn; the pipeline's status is the last filter's. */
export function runFilters(input: string, filters: readonly Filter[]): { stdout: string; exitCode: number } {
  let out = { stdout: input, exitCode: 0 };
  for (const f of filters) out = f(out.stdout);
  return out;
}
