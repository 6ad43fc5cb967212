// The built CLI bundle (cli/build-bundle.mjs, what `tracelab` runs) prints the same bytes and exits the same as the
// compiled modules it was made from (TRACELAB_BUNDLE=0), over commands that reach every part of the CLI: the hot
// lines, flags and help through yargs, lazily loaded programs, the YAML parser, capture, scenarios and errors.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { modulesStamp } from '../cli/bundle-stamp.js';
import { packageRoot } from '../topology/paths.js';

const root = packageRoot();
const bin = join(root, 'dist', 'cli', 'bin.js');
const stampFile = join(root, 'dist', 'bundle', 'stamp');
const current = existsSync(stampFile) && readFileSync(stampFile, 'utf8') === modulesStamp(join(root, 'dist', 'cli', 'main.js'));
const work = mkdtempSync(join(tmpdir(), 'tracelab-bundle-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const LINES: readonly (readonly string[])[] = [
  ['exec', 'node-2/traceroute', '--', 'traceroute', '10.244.1.3'],
  ['exec', 'node-2/netshoot', '--', 'mtr', '-r', '-n', '-c', '2', '10.244.1.3'],
  ['exec', 'node-1', '--', 'iptables-save'],
  ['exec', 'node-1', '--', 'ip', 'route', '|', 'grep', 'cni0'],
  ['exec', 'netshoot', '--', 'dig', 'httpd.default.svc.cluster.local'],
  ['exec', 'netshoot', '--', 'curl', '-sv', 'http://10.244.1.3/'],
  ['exec', 'node-1', '--', 'kubectl', 'get', 'pods', '-A', '-o', 'yaml'],
  ['exec', 'node-1', '--', 'sysctl', '-w', 'net.ipv4.ip_forward=0'],
  ['exec', 'node-2/traceroute', '--explain', '--', 'traceroute', '-n', '10.244.1.3'],
  ['exec', 'node-2/netshoot', '--json', '--', 'ping', '-c', '2', '10.244.1.3'],
  ['exec', 'node-2/netshoot', '--tap', 'node-1:cni0', '--pcap', join(work, 'tap.pcap'), '--', 'ping', '-c', '1', '10.244.1.3'],
  ['exec', 'node-2/netshoot', '--svg', join(work, 'path.svg'), '--', 'traceroute', '-n', '10.244.1.3'],
  ['exec', 'nowhere', '--', 'traceroute', '10.244.1.3'],
  ['exec', 'node-1', '--lab', 'test/fixtures/does-not-exist.yaml', '--', 'ip', 'route'],
  ['exec', 'node-1', '--', 'nosuchtool'],
  ['scenario', 'run', 'scenarios/forwarding-off-node-1.yaml'],
  ['scenario', 'run', '--json', '--seed', '7', 'scenarios'],
  ['scenario', 'run', 'scenarios/generated'],
  ['scenario', 'list'],
  ['scenario', 'show', 'forwarding-off-node-1'],
  ['topo', 'show'],
  ['topo', 'graph', '--format', 'mermaid'],
  ['demo'],
  ['lab', 'render', '--out', join(work, 'render')],
  ['--help'],
  ['exec', '--help'],
  ['--version'],
  ['nosuchcommand'],
  ['exec', 'node-1', '--bogus', '--', 'ip', 'route'],
];

function run(args: readonly string[], env: NodeJS.ProcessEnv): { out: string; err: string; code: number | null } {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: root, env: { ...process.env, ...env }, encoding: 'utf8', maxBuffer: 64 << 20 });
  return { out: r.stdout, err: r.stderr, code: r.status };
}

describe.skipIf(!current)('the CLI bundle (skipped: dist/bundle is missing or older than dist/; run npm run build)', () => {
  it.each(LINES.map((l) => [l.join(' '), l] as const))('%s: the same output and exit code as the compiled modules', (_name, args) => {
    const bundled = run(args, { TRACELAB_BUNDLE: '1' });
    const modules = run(args, { TRACELAB_BUNDLE: '0' });
    expect(bundled).toEqual(modules);
  }, 120_000);
});
