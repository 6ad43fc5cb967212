// YAML aliases the yaml library only rejects by throwing from toJS: located SourceErrors, never a plain ReferenceError.
import { describe, expect, it } from 'vitest';
import { compileLabText, SourceError } from '../topology/compile.js';
import { compileSchema, parseYamlText } from '../topology/yaml-source.js';

function failure(parse: () => unknown): unknown {
  try {
    parse();
  } catch (e) {
    return e;
  }
  return undefined;
}

function diagnostics(parse: () => unknown): string[] {
  const e = failure(parse);
  expect(e).toBeInstanceOf(SourceError);
  return (e as SourceError).diagnostics.map((d) => `${d.file}:${d.line}:${d.col}: ${d.message}`);
}

describe('aliases in YAML input', () => {
  const anything = compileSchema({});

  it('reports an alias with no anchor at the alias', () => {
    expect(diagnostics(() => parseYamlText('x.yaml', 'a: 1\nlist:\n  - *x\n', anything))).toEqual([
      'x.yaml:3:5: Unresolved alias (the anchor must be set before the alias): x',
    ]);
  });

  it('reports an alias used before its anchor is set at the alias', () => {
    expect(diagnostics(() => parseYamlText('x.yaml', 'a: *later\nb: &later 2\n', anything))).toEqual([
      'x.yaml:1:4: Unresolved alias (the anchor must be set before the alias): later',
    ]);
  });

  it('reports an alias bomb at the top of the file', () => {
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]', ...'bcdefg'.split('').map((k, i) => `${k}: &${k} [${Array(10).fill(`*${'abcdefg'[i]}`).join(', ')}]`)].join('\n');
    const [d] = diagnostics(() => parseYamlText('bomb.yaml', `${bomb}\n`, anything));
    expect(d).toBe('bomb.yaml:1:1: Excessive alias count indicates a resource exhaustion attack');
  });

  it('gives a lab file with a dangling alias a FILE:LINE:COL error', () => {
    const text = 'name: t\ndescription: *nope\nnodes:\n  - name: a\n    ip: 192.168.56.10\n';
    expect(diagnostics(() => compileLabText('lab.yaml', text))).toEqual(['lab.yaml:2:14: Unresolved alias (the anchor must be set before the alias): nope']);
  });

  it('still resolves aliases that are defined', () => {
    const src = parseYamlText<{ a: number[]; b: number[] }>('ok.yaml', 'a: &l [1, 2]\nb: *l\n', anything);
    expect(src.data.b).toEqual([1, 2]);
  });
});
