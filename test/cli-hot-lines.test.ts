// exec and scenario run without flags never load yargs (its factory lives in cli/yargs.ts): they start at node's pace.
import { describe, expect, it, vi } from 'vitest';
import { runCli } from './helpers/cli.js';

vi.mock('../cli/yargs.js', () => {
  throw new Error('yargs was loaded for a flagless hot line');
});

describe('the hot lines run without yargs', () => {
  it('exec PLACE -- COMMAND', async () => {
    const r = await runCli(['exec', 'node-2/traceroute', '--', 'traceroute', '10.244.1.3']);
    expect(r).toMatchObject({ code: 0, err: '' });
    expect(r.out).toMatch(/^traceroute to 10\.244\.1\.3 \(10\.244\.1\.3\), 30 hops max, 46 byte packets\n/);
  });

  it('scenario run FILE', async () => {
    expect(await runCli(['scenario', 'run', 'scenarios/forwarding-off-node-1.yaml'])).toEqual({ code: 0, err: '', out: 'PASS forwarding-off-node-1\n1 passed, 0 failed\n' });
  });
});
