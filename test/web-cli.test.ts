// `tracelab serve` as a process (dist/, built by npm run build): serves the example class on 127.0.0.1, prints the
// dashboard's address with its token, and stops on SIGINT; a wrong class file is one FILE:LINE:COL line, exit 2.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';

const ROOT = join(import.meta.dirname, '..');
const BIN = join(ROOT, 'dist', 'cli', 'bin.js');

describe('tracelab serve', () => {
  it('serves docs/example-class.yaml on 127.0.0.1 and ends on SIGINT', async () => {
    const child = spawn(process.execPath, [BIN, 'serve', '--class', join(ROOT, 'docs', 'example-class.yaml'), '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += String(d)));
    child.stderr.on('data', (d: Buffer) => (err += String(d)));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await expect.poll(() => out, { timeout: 20_000 }).toMatch(/Dashboard: \S+\n/);
    const trainees = /Trainees: (http:\/\/127\.0\.0\.1:\d+)\//.exec(out)![1]!;
    const dashboard = /Dashboard: (\S+)\n/.exec(out)![1]!;
    expect(dashboard.startsWith(`${trainees}/dashboard?token=`)).toBe(true);
    expect((await fetch(`${trainees}/`)).status).toBe(200);
    expect((await fetch(dashboard)).status).toBe(200);
    expect((await fetch(`${trainees}/dashboard`)).status).toBe(401);
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(err).toBe('');
  }, 30_000);

  it('reports a wrong class file at its line and column (exit 2)', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'tracelab-serve-')), 'bad.yaml');
    writeFileSync(file, 'name: c\nscenarios: []\n');
    const r = await runCli(['serve', '--class', file]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2:12: .+\n$`));
  });
});
