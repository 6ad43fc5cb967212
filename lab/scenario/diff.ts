// Unified diffs of expected and actual tool output, with a line-equality test (masked comparison) chosen by the caller.

export interface DiffOptions {
  readonly fromLabel?: string;
  readonly toLabel?: string;
  /** Lines of context around each change (default 3). */
  readonly context?: number;
  /** When two lines count as equal (default: identical). The printed lines are always the originals. */
  readonly equal?: (a: string, b: string) => boolean;
}

type Op = { kind: ' ' | '-' | '+'; text: string; a: number; b: number };

/** Splits text into lines; a missing final newline is marked so the diff can say so. */
function splitLines(text: string): { lines: string[]; noFinalNewline: boolean } {
  if (text === '') return { lines: [], noFinalNewline: false };
  const noFinalNewline = !text.endsWith('\n');
  const lines = (noFinalNewline ? text : text.slice(0, -1)).split('\n');
  return { lines, noFinalNewline };
}

/** The edit script by longest common subsequence (outputs are short: a few dozen lines). */
function editScript(a: readonly string[], b: readonly string[], equal: (x: string, y: string) => boolean): Op[] {
  const n = a.length;
  const m = b.length;
  const lcs: Uint32Array[] = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i]![j] = equal(a[i]!, b[j]!) ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
    }
  }
  const ops: Op[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && equal(a[i]!, b[j]!)) {
      ops.push({ kind: ' ', text: b[j]!, a: i++, b: j++ });
    } else if (i < n && (j >= m || lcs[i + 1]![j]! >= lcs[i]![j + 1]!)) {
      ops.push({ kind: '-', text: a[i]!, a: i++, b: j });
    } else {
      ops.push({ kind: '+', text: b[j]!, a: i, b: j++ });
    }
  }
  return ops;
}

/**
 * A unified diff (`--- `/`+++ ` headers, `@@ -a,n +b,m @@` hunks). Empty string when the texts are equal
 * under `equal` (including the final newline).
 */
export function unifiedDiff(expected: string, actual: string, opts: DiffOptions = {}): string {
  const equal = opts.equal ?? ((x: string, y: string) => x === y);
  const context = opts.context ?? 3;
  const a = splitLines(expected);
  const b = splitLines(actual);
  const ops = editScript(a.lines, b.lines, equal);
  const newlineDiffers = a.noFinalNewline !== b.noFinalNewline && a.lines.length > 0 && b.lines.length > 0;
  if (!newlineDiffers && ops.every((o) => o.kind === ' ')) return '';
  // Mark the last lines as changed when only the final newline differs, so the hunk shows them.
  if (newlineDiffers) {
    const last = ops.length - 1;
    const lastCommon = ops[last]!;
    if (lastCommon.kind === ' ') {
      ops.splice(last, 1, { kind: '-', text: a.lines[a.lines.length - 1]!, a: lastCommon.a, b: lastCommon.b }, { kind: '+', text: lastCommon.text, a: lastCommon.a + 1, b: lastCommon.b });
    }
  }
  const out = [`--- ${opts.fromLabel ?? 'expected'}`, `+++ ${opts.toLabel ?? 'actual'}`];
  let k = 0;
  while (k < ops.length) {
    if (ops[k]!.kind === ' ') {
      k++;
      continue;
    }
    // A hunk: from `context` lines before this change to `context` lines after the last change closer than 2*context.
    let start = k;
    while (start > 0 && k - start < context && ops[start - 1]!.kind === ' ') start--;
    let end = k;
    for (;;) {
      while (end < ops.length && ops[end]!.kind !== ' ') end++;
      let gap = end;
      while (gap < ops.length && ops[gap]!.kind === ' ') gap++;
      if (gap < ops.length && gap - end <= 2 * context) end = gap;
      else {
        end = Math.min(end + context, gap);
        break;
      }
    }
    const hunk = ops.slice(start, end);
    const aCount = hunk.filter((o) => o.kind !== '+').length;
    const bCount = hunk.filter((o) => o.kind !== '-').length;
    const aStart = hunk.find((o) => o.kind !== '+')?.a ?? hunk[0]!.a;
    const bStart = hunk.find((o) => o.kind !== '-')?.b ?? hunk[0]!.b;
    out.push(`@@ -${range(aStart, aCount)} +${range(bStart, bCount)} @@`);
    for (const o of hunk) {
      out.push(`${o.kind}${o.text}`);
      const lastOfA = o.kind !== '+' && o.a === a.lines.length - 1 && a.noFinalNewline;
      const lastOfB = o.kind !== '-' && o.b === b.lines.length - 1 && b.noFinalNewline;
      if (lastOfA || lastOfB) out.push('\\ No newline at end of file');
    }
    k = end;
  }
  return `${out.join('\n')}\n`;
}

/** `start,count` as unified diffs print it (1-based; an empty range names the line before it). */
function range(start0: number, count: number): string {
  if (count === 0) return `${start0},0`;
  return count === 1 ? `${start0 + 1}` : `${start0 + 1},${count}`;
}
