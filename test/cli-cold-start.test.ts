// The CLI's start-up loads only what the command that runs needs: no other command, no real-lab backend, no ajv
// compiler, no graph library; and help, whose layout code is loaded only when asked for, still prints in full.
import { describe, expect, it, vi } from 'vitest';
import { runCli } from './helpers/cli.js';

const { refuse } = vi.hoisted(() => ({
  refuse: (what: string) => () => {
    throw new Error(`${what} was imported by a command that does not need it`);
  },
}));
vi.mock('../cli/commands/demo.js', refuse('the demo command'));
vi.mock('../cli/commands/topo.js', refuse('the topo command'));
vi.mock('../cli/commands/lab.js', refuse('the lab command'));
vi.mock('../cli/commands/verify.js', refuse('the verify command'));
vi.mock('../cli/commands/train.js', refuse('the train command'));
vi.mock('../cli/commands/serve.js', refuse('the serve command'));
vi.mock('ws', refuse('the WebSocket library'));
vi.mock('../lab/backends.js', refuse('the real-lab backends'));
vi.mock('ajv', refuse('ajv'));
vi.mock('ajv/dist/2020.js', refuse('the ajv compiler'));
vi.mock('ajv-formats', refuse('ajv-formats'));
vi.mock('graphology', refuse('graphology'));
vi.mock('zx', refuse('zx'));

describe('a command loads only its own modules', () => {
  it('exec on the simulator', async () => {
    const r = await runCli(['exec', 'node-2/traceroute', '--', 'traceroute', '10.244.1.3']);
    expect(r).toMatchObject({ code: 0, err: '' });
    expect(r.out).toMatch(/^traceroute to 10\.244\.1\.3 \(10\.244\.1\.3\), 30 hops max, 46 byte packets\n 1  10\.244\.2\.1 /);
  });

  it('scenario run on the simulator', async () => {
    const r = await runCli(['scenario', 'run', 'scenarios/forwarding-off-node-1.yaml']);
    expect(r).toMatchObject({ code: 0, err: '', out: 'PASS forwarding-off-node-1\n1 passed, 0 failed\n' });
  });

  it('a bad lab file is still reported at its line (the YAML parser loads when needed)', async () => {
    const r = await runCli(['exec', 'node-1', '--lab', 'test/fixtures/does-not-exist.yaml', '--', 'ip', 'route']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/does-not-exist\.yaml:1:1: cannot read/);
  });
});

/** `tracelab ARGS` whose output yargs prints (help): it writes with console.log. */
async function printed(args: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  const log = vi.spyOn(console, 'log').mockImplementation((...parts: unknown[]) => void (out += `${parts.join(' ')}\n`));
  try {
    const r = await runCli(args);
    return { code: r.code, out: r.out + out };
  } finally {
    log.mockRestore();
  }
}

describe('help still prints in full', () => {
  it('--help lists every command in aligned columns', async () => {
    const r = await printed(['--help']);
    expect(r.code).toBe(0);
    for (const name of ['demo', 'topo [action]', 'exec <place> [words..]', 'lab [action]', 'scenario [action] [targets..]', 'verify [targets..]', 'train']) {
      expect(r.out).toMatch(new RegExp(`^  tracelab ${name.replace(/[[\].<>]/g, '\\$&')} +\\S`, 'm'));
    }
    expect(r.out).toMatch(/^  -h, --help +Show help +\[boolean\]$/m);
  });

  it('exec --help shows exec\'s own flags', async () => {
    const r = await printed(['exec', '--help']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^tracelab exec <place> \[words\.\.\]$/m);
    expect(r.out).toMatch(/^ {6}--explain +after the output, show hop by hop/m);
  });
});
