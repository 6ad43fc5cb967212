// Files a user names (labs, scenarios, a scenario's lab, transcripts): devices, FIFOs, directories and huge files give one line and exit 2, never a hang.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import { loadScenarios } from '../lab/scenario/load.js';
import { allowedHostOnlyRanges } from '../lab/render.js';
import { readTranscript } from '../lab/train/transcript.js';
import { resolveLabPath, resolveScenarioLab } from '../topology/paths.js';
import { SourceError } from '../topology/yaml-source.js';

const ROOT = join(import.meta.dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'tracelab-input-files-'));
const fifo = join(dir, 'fifo');
execFileSync('mkfifo', [fifo]);
const huge = join(dir, 'huge.yaml');
writeFileSync(huge, '');
truncateSync(huge, 16 * 1024 * 1024 + 1);

const run = runCli;

describe('--lab names a file that is not a lab', () => {
  it.each([
    ['/dev/zero', '/dev/zero:1:1: cannot read: is a character device, not a regular file\n'],
    ['/dev/urandom', '/dev/urandom:1:1: cannot read: is a character device, not a regular file\n'],
    [fifo, `${fifo}:1:1: cannot read: is a FIFO, not a regular file\n`],
    [dir, `${dir}:1:1: cannot read: is a directory\n`],
    [huge, `${huge}:1:1: cannot read: larger than the 16 MiB limit for input files\n`],
  ])('exec --lab %s: one line, exit 2, at once', async (lab, message) => {
    const started = Date.now();
    expect(await run(['exec', '--lab', lab, 'node-1', '--', 'ip', 'route'])).toEqual({ out: '', err: message, code: 2 });
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('an unknown lab name lists the labs', async () => {
    const r = await run(['topo', 'show', '--lab', 'no-such-lab']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^\S+no-such-lab\.yaml:1:1: cannot read: no lab "no-such-lab" \(labs: three-node[,;].*\)\n$/);
  });

  it('a bare name that is no library lab but a directory here means that directory', () => {
    expect(resolveLabPath('three-node')).toBe(join(ROOT, 'topology', 'labs', 'three-node.yaml'));
    expect(resolveLabPath('test')).toBe(join(process.cwd(), 'test')); // vitest runs in the package root
  });
});

describe('scenario files and their lab', () => {
  const library = readFileSync(join(ROOT, 'scenarios', 'blackhole-route.yaml'), 'utf8');
  const scenarioWithLab = (name: string, lab: string): string => {
    const file = join(dir, `${name}.yaml`);
    writeFileSync(file, library.replace('name: blackhole-route', `name: ${name}`).replace(/^lab: .*$/m, `lab: ${lab}`));
    return file;
  };
  const loadError = (paths: string[]): string => {
    try {
      loadScenarios(paths);
    } catch (err) {
      if (err instanceof SourceError) return err.message;
      throw err;
    }
    throw new Error('loaded without an error');
  };

  it('refuses a scenario file that is a device, a FIFO or too large', () => {
    expect(loadError(['/dev/zero'])).toBe('/dev/zero:1:1: cannot read: is a character device, not a regular file');
    expect(loadError([fifo])).toBe(`${fifo}:1:1: cannot read: is a FIFO, not a regular file`);
    expect(loadError([huge])).toBe(`${huge}:1:1: cannot read: larger than the 16 MiB limit for input files`);
  });

  it('refuses `lab: /dev/zero` and paths out of the scenario directory at the lab field', () => {
    const abs = scenarioWithLab('abs-lab', '/dev/zero');
    expect(loadError([abs])).toBe(`${abs}:5:6: lab "/dev/zero": a lab file is named by a path relative to the scenario file, not an absolute path`);
    const up = scenarioWithLab('up-lab', '../../../etc/passwd');
    expect(loadError([up])).toBe(`${up}:5:6: lab "../../../etc/passwd": a lab file must be inside the scenario file's directory (no ".." out of it)`);
  });

  it('reports a lab path inside the directory that is a FIFO or a directory at the lab field', () => {
    const f = scenarioWithLab('fifo-lab', './fifo');
    expect(loadError([f])).toBe(`${f}:5:6: lab "./fifo": ${fifo}: cannot read: is a FIFO, not a regular file`);
    mkdirSync(join(dir, 'adir'), { recursive: true });
    const d = scenarioWithLab('dir-lab', 'adir/');
    expect(loadError([d])).toBe(`${d}:5:6: lab "adir/": ${join(dir, 'adir')}: cannot read: is a directory`);
  });

  it('loads a lab in a subdirectory of the scenario file', () => {
    mkdirSync(join(dir, 'labs'), { recursive: true });
    copyFileSync(join(ROOT, 'topology', 'labs', 'three-node.yaml'), join(dir, 'labs', 'mine.yaml'));
    const ok = scenarioWithLab('sub-lab', 'labs/../labs/mine.yaml');
    const [s] = loadScenarios([ok]);
    expect(s?.lab.source).toBe(join(dir, 'labs', 'mine.yaml'));
  });

  it('the rule for `lab:` names', () => {
    const file = join(dir, 'x', 's.yaml');
    expect(resolveScenarioLab(file, 'three-node')).toEqual({ ok: true, file: join(ROOT, 'topology', 'labs', 'three-node.yaml') });
    expect(resolveScenarioLab(file, 'four-node')).toEqual({ ok: false, message: expect.stringMatching(/^no lab "four-node" \(labs: three-node/) });
    expect(resolveScenarioLab(file, 'a/b.yaml')).toEqual({ ok: true, file: join(dir, 'x', 'a', 'b.yaml') });
    expect(resolveScenarioLab(file, 'lab.yaml')).toEqual({ ok: true, file: join(dir, 'x', 'lab.yaml') });
    for (const bad of ['../lab.yaml', './..', 'a/../../lab.yaml', '/etc/passwd', './']) expect(resolveScenarioLab(file, bad).ok).toBe(false);
  });

  it('scenario run on /dev/zero: one line, exit 2', async () => {
    expect(await run(['scenario', 'run', '/dev/zero'])).toEqual({ out: '', err: '/dev/zero:1:1: cannot read: is a character device, not a regular file\n', code: 2 });
  });
});

describe('train report', () => {
  it('refuses a transcript that is a device or a FIFO', () => {
    expect(() => readTranscript('/dev/zero')).toThrow('/dev/zero: cannot read: is a character device, not a regular file');
    expect(() => readTranscript(fifo)).toThrow(`${fifo}: cannot read: is a FIFO, not a regular file`);
  });
});

describe("VirtualBox's networks.conf", () => {
  it('a device or a FIFO in its place counts as no file (the default ranges), without hanging', async () => {
    const defaults = await allowedHostOnlyRanges(join(dir, 'no-such-networks.conf'));
    expect(await allowedHostOnlyRanges('/dev/zero')).toEqual(defaults);
    expect(await allowedHostOnlyRanges(fifo)).toEqual(defaults);
  });
});
