// The flagless hot lines (cli/fast-path.ts) give what yargs gives: the same line with `--backend sim` (the default,
// which sends it through yargs) prints the same bytes and exits the same, words after `--` passed on verbatim.
import { describe, expect, it } from 'vitest';
import { fastLine } from '../cli/fast-path.js';
import { runCli } from './helpers/cli.js';

/** The same command line with a flag that changes nothing but makes main parse it with yargs. */
function throughYargs(argv: readonly string[]): string[] {
  return [argv[0]!, ...(argv[0] === 'exec' ? [argv[1]!] : []), '--backend', 'sim', ...argv.slice(argv[0] === 'exec' ? 2 : 1)];
}

const LINES: readonly string[][] = [
  ['exec', 'node-2/traceroute', '--', 'traceroute', '10.244.1.3'],
  ['exec', 'netshoot', '--', 'ping', '-c', '1', '-p', '0xff', '10.244.1.3'],
  ['exec', 'netshoot', '--', 'ping', '-c', '1e0', '10.244.1.3'],
  ['exec', 'netshoot', '--', 'ping', '-c', '010', '10.244.1.3'],
  ['exec', 'netshoot', '--', 'ping', '-c', '1.0', '-W', '-0', '10.244.1.3'],
  ['exec', 'netshoot', '--', 'ip route'],
  ['exec', 'nowhere', '--', 'traceroute', '10.244.1.3'],
  ['exec', 'node-1', '--', 'ip', 'route', '|', 'grep', 'cni0'],
  ['exec', 'node-1', '--', 'traceroute', '--help'],
  ['scenario', 'run', 'scenarios/forwarding-off-node-1.yaml'],
  ['scenario', 'run', 'test/fixtures/does-not-exist.yaml'],
];

describe('a hot line without flags', () => {
  it.each(LINES)('%s %s ... prints and exits as through yargs', async (...argv: string[]) => {
    expect(fastLine(argv)).toBeDefined();
    expect(await runCli(argv)).toEqual(await runCli(throughYargs(argv)));
  });

  it('hands the words after -- to the command verbatim, on both paths (yargs would make 0x1f 31 and 1.50 1.5)', async () => {
    const argv = ['exec', 'netshoot', '--', 'echo', '0x1f', '1e3', '1.50', '010', '-0'];
    for (const line of [argv, throughYargs(argv)]) expect(await runCli(line)).toEqual({ out: '0x1f 1e3 1.50 010 -0\n', err: '', code: 0 });
  });

  it('with a flag, or anything flag-like before --, is left to yargs', () => {
    for (const argv of [['exec', 'node-1', '--json', '--', 'ip', 'route'], ['exec', '-h'], ['exec', 'node-1', 'ip', 'route'], ['exec', 'node-1', '--'],
      ['scenario', 'run', '--json'], ['scenario', 'list'], ['scenario', 'run', 'x.yaml', '-h']]) {
      expect(fastLine(argv)).toBeUndefined();
    }
  });
});
