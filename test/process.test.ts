// The one process runner (lab/process.ts, node's child_process underneath): argv words reach the program unchanged (no shell), and the
// exit status is the one a shell reports: the program's, 124 on our timeout, 128+N for a signal, 127 when missing.
import { describe, expect, it } from 'vitest';
import { UsageError } from '../lab/backend.js';
import { findProgram, lineChild, runArgv, startDetached } from '../lab/process.js';

describe('runArgv', () => {
  it('passes each word as it is, feeds the input and returns both streams and the exit code', async () => {
    const r = await runArgv(['sh', '-c', 'printf "%s|" "$@"; cat >&2; exit 3', 'sh', "it's $HOME", 'a;b', '`x`', ''], { input: 'in\n' });
    expect(r).toEqual({ stdout: "it's $HOME|a;b|`x`||", stderr: 'in\n', exitCode: 3 });
  });
  it('survives a program that exits without reading its input', async () => {
    const big = 'x'.repeat(1 << 20);
    expect(await runArgv(['true'], { input: big })).toEqual({ stdout: '', stderr: '', exitCode: 0 });
  });
  it('reports timeouts, signals and missing programs as a shell would', async () => {
    expect(await runArgv(['sleep', '5'], { timeoutMs: 150 })).toEqual({ stdout: '', stderr: '', exitCode: 124 });
    expect((await runArgv(['sh', '-c', 'kill -TERM $$'])).exitCode).toBe(143);
    expect(await runArgv(['tracelab-no-such-program', 'x'])).toEqual({ stdout: '', stderr: 'tracelab-no-such-program: command not found\n', exitCode: 127 });
    await expect(runArgv(['tracelab-no-such-program'], { installHint: 'apt-get install it' })).rejects.toThrow(
      new UsageError('tracelab-no-such-program is not installed or not on PATH: apt-get install it'),
    );
  });
  it('streams stdout lines, runs in a directory with an environment, and stops on abort', async () => {
    const lines: string[] = [];
    await runArgv(['printf', 'a\\nb\\nlast'], { onStdoutLine: (l) => lines.push(l) });
    expect(lines).toEqual(['a', 'b', 'last']);
    expect(await runArgv(['sh', '-c', 'pwd; echo "$TRACELAB_X"'], { cwd: '/', env: { PATH: process.env.PATH, TRACELAB_X: 'y' } })).toMatchObject({ stdout: '/\ny\n' });
    const stop = new AbortController();
    setTimeout(() => stop.abort(new Error('stopped')), 100);
    const started = Date.now();
    await expect(runArgv(['sleep', '5'], { signal: stop.signal })).rejects.toThrow('stopped');
    expect(Date.now() - started).toBeLessThan(4_000);
  });
  it('finds programs on PATH or in given directories only', () => {
    expect(findProgram('sh')).toMatch(/\/sh$/);
    expect(findProgram('sh', ['/nonexistent'])).toBeUndefined();
    expect(findProgram('sh', [])).toBeUndefined();
  });
});

describe('lineChild', () => {
  it('answers each line with the next line, in order, and starts the program again after it exited', async () => {
    const child = lineChild(['sh', '-c', 'read a; echo "1 $a"; read b; echo "2 $b"; read c']);
    expect(await Promise.all([child.ask('x'), child.ask('y')])).toEqual(['1 x', '2 y']);
    // It exits on the third line without an answer: that question gets undefined, the next one starts it again.
    expect(await child.ask('z')).toBeUndefined();
    expect(await child.ask('w')).toBe('1 w');
    expect(await lineChild(['sh', '-c', 'exit 0']).ask('q')).toBeUndefined();
  });
  it('ends the program by closing its input', async () => {
    const child = lineChild(['sh', '-c', 'while read a; do echo "got $a"; done; echo bye']);
    expect(await child.ask('x')).toBe('got x');
    const last = child.ask('y');
    child.close();
    expect(await last).toBe('got y');
  });
});

describe('startDetached', () => {
  const waiter = ['sh', '-c', 'read line; [ "$line" = go ] || exit 3; echo ready'];
  it('with GO, the program reads the line `go` once GO resolves, and not before', async () => {
    let go!: () => void;
    const gate = new Promise<void>((resolve) => (go = resolve));
    let ready = false;
    const started = startDetached(waiter, 'ready', () => undefined, gate).then((pid) => ((ready = true), pid));
    await new Promise((r) => setTimeout(r, 100));
    expect(ready).toBe(false);
    go();
    expect(await started).toBeGreaterThan(0);
  });
  it('with GO rejected, its input closes without the line and the start fails with its exit', async () => {
    await expect(startDetached(waiter, 'ready', () => undefined, Promise.reject(new Error('build failed')))).rejects.toThrow('exited with 3');
  });
});
