// kubectl's JSONPath templates (k8s.io/client-go/util/jsonpath) for -o jsonpath= and custom-columns: fields,
// [n], [*], [?(@.a=="v")] filters, {range}...{end}, quoted literals; several results of one expression joined by spaces.

type Step = { kind: 'field'; name: string } | { kind: 'index'; index: number } | { kind: 'all' } | { kind: 'filter'; path: string[]; op: string; value: string };

function parsePath(expr: string): Step[] {
  const steps: Step[] = [];
  const re = /\.((?:[\w/-]|\\\.)+)|\[(\d+)\]|\[\*\]|\[\?\(@\.([\w.]+)\s*(==|!=)\s*["']?([^"')]*)["']?\)\]/gy;
  const text = expr.startsWith('.') || expr.startsWith('[') ? expr : `.${expr}`;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    if (m[1] !== undefined) steps.push({ kind: 'field', name: m[1].replace(/\\\./g, '.') });
    else if (m[2] !== undefined) steps.push({ kind: 'index', index: Number(m[2]) });
    else if (m[3] !== undefined) steps.push({ kind: 'filter', path: m[3].split('.'), op: m[4]!, value: m[5]! });
    else steps.push({ kind: 'all' });
    if (re.lastIndex >= text.length) break;
  }
  return steps;
}

function get(v: unknown, key: string): unknown {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>)[key] : undefined;
}

/** The values EXPR selects from ROOT (`.items[*].metadata.name`); missing fields select nothing. */
export function evaluate(root: unknown, expr: string): unknown[] {
  let values: unknown[] = [root];
  if (expr === '' || expr === '.' || expr === '@') return values;
  for (const s of parsePath(expr)) {
    values = values.flatMap((v): unknown[] => {
      if (s.kind === 'field') return get(v, s.name) === undefined ? [] : [get(v, s.name)];
      if (!Array.isArray(v)) return [];
      if (s.kind === 'index') return v[s.index] === undefined ? [] : [v[s.index]];
      if (s.kind === 'all') return v;
      return v.filter((e) => {
        const got = s.path.reduce<unknown>((acc, k) => get(acc, k), e);
        return (String(got) === s.value) === (s.op === '==');
      });
    });
  }
  return values;
}

/** A value as the template prints it: strings raw, anything else as JSON. */
export function valueText(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function unquote(text: string): string {
  return text.slice(1, -1).replace(/\\n/g, '\n').replace(/\\t/g, '\t');
}

/** Renders a whole template (`{range .items[*]}{.metadata.name}{"\n"}{end}`). */
export function renderTemplate(template: string, root: unknown): string {
  const parts = template.split(/(\{[^}]*\})/).filter((p) => p !== '');
  const render = (from: number, to: number, ctx: unknown): string => {
    let out = '';
    for (let i = from; i < to; i++) {
      const p = parts[i]!;
      if (!p.startsWith('{')) {
        out += p;
        continue;
      }
      const inner = p.slice(1, -1).trim();
      if (/^["']/.test(inner)) out += unquote(inner);
      else if (inner.startsWith('range ')) {
        const end = matchingEnd(parts, i);
        for (const item of evaluate(ctx, inner.slice(6).trim().replace(/^@/, ''))) out += render(i + 1, end, item);
        i = end;
      } else out += evaluate(ctx, inner.replace(/^@/, '').replace(/^\$/, '')).map(valueText).join(' ');
    }
    return out;
  };
  return render(0, parts.length, root);
}

function matchingEnd(parts: readonly string[], start: number): number {
  let depth = 0;
  for (let i = start + 1; i < parts.length; i++) {
    const inner = parts[i]!.slice(1, -1).trim();
    if (parts[i]!.startsWith('{') && inner.startsWith('range ')) depth++;
    if (parts[i]!.startsWith('{') && inner === 'end') {
      if (depth === 0) return i;
      depth--;
    }
  }
  return parts.length;
}
