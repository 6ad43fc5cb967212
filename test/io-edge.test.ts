// The shared edge modules: bounded input reads, safe output writes, terminal-safe text.
import { mkdtempSync, mkdirSync, readFileSync, symlinkSync, writeFileSync, lstatSync, statSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputFileError, readInputFile } from '../topology/read-input.js';
import { OutputFileError, appendTo, makePrivateDir, openAppendFile, writeOutputFile } from '../lab/io/output-file.js';
import { forTerminal, forTerminalLine } from '../lab/io/terminal-text.js';
import { closeSync } from 'node:fs';

const dir = mkdtempSync(join(tmpdir(), 'tracelab-io-test-'));

describe('readInputFile', () => {
  it('reads a regular file', () => {
    writeFileSync(join(dir, 'a.yaml'), 'name: a\n');
    expect(readInputFile(join(dir, 'a.yaml'))).toBe('name: a\n');
  });
  it('refuses /dev/zero and /dev/urandom at once', () => {
    expect(() => readInputFile('/dev/zero')).toThrow(/character device, not a regular file/);
    expect(() => readInputFile('/dev/urandom')).toThrow(InputFileError);
  });
  it('refuses a FIFO without blocking', () => {
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    expect(() => readInputFile(fifo)).toThrow(/is a FIFO/);
  });
  it('refuses a directory and a missing file with one clause', () => {
    expect(() => readInputFile(dir)).toThrow(/cannot read: is a directory$/);
    expect(() => readInputFile(join(dir, 'nope'))).toThrow(/cannot read: no such file$/);
  });
  it('refuses a file over the limit, naming the limit', () => {
    writeFileSync(join(dir, 'big'), 'x'.repeat(100));
    expect(() => readInputFile(join(dir, 'big'), 50)).toThrow(/larger than the/);
  });
});

describe('writeOutputFile', () => {
  it('writes a new file and replaces an existing one', () => {
    const f = join(dir, 'out.svg');
    writeOutputFile(f, 'one');
    writeOutputFile(f, 'two');
    expect(readFileSync(f, 'utf8')).toBe('two');
  });
  it('never follows a symlink at the final component', () => {
    const victim = join(dir, 'victim');
    writeFileSync(victim, 'precious');
    const link = join(dir, 'link.svg');
    symlinkSync(victim, link);
    expect(() => writeOutputFile(link, 'evil')).toThrow(/symbolic link/);
    expect(readFileSync(victim, 'utf8')).toBe('precious');
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
  });
  it('never creates parent directories', () => {
    expect(() => writeOutputFile(join(dir, 'no', 'such', 'x.svg'), 'x')).toThrow(OutputFileError);
    expect(() => writeOutputFile(join(dir, 'no', 'such', 'x.svg'), 'x')).toThrow(/no such directory/);
  });
  it('refuses a directory', () => {
    mkdirSync(join(dir, 'd'));
    expect(() => writeOutputFile(join(dir, 'd'), 'x')).toThrow(/is a directory/);
  });
});

describe('openAppendFile', () => {
  it('appends and refuses a symlink', () => {
    const f = join(dir, 't.jsonl');
    const fd = openAppendFile(f);
    appendTo(fd, f, 'a\n');
    appendTo(fd, f, 'b\n');
    closeSync(fd);
    expect(readFileSync(f, 'utf8')).toBe('a\nb\n');
    const victim = join(dir, 'victim2');
    writeFileSync(victim, 'keep');
    symlinkSync(victim, join(dir, 'l.jsonl'));
    expect(() => openAppendFile(join(dir, 'l.jsonl'))).toThrow(/symbolic link/);
    expect(readFileSync(victim, 'utf8')).toBe('keep');
  });
});

describe('makePrivateDir', () => {
  it('is mode 0700 and unpredictable', () => {
    const a = makePrivateDir();
    const b = makePrivateDir();
    expect(a).not.toBe(b);
    expect(statSync(a).mode & 0o777).toBe(0o700);
  });
});

describe('forTerminal', () => {
  it('shows escapes and NUL instead of obeying them, keeps newlines and tabs', () => {
    expect(forTerminal('a\u001b[31mred\u0000\n\tb\u009b')).toBe('a^[[31mred^@\n\tb\\u009b');
    expect(forTerminalLine('x\ny')).toBe('x^Jy');
  });
});
