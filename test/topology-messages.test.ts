// Messages of the topology: every valid place in an unknown-place error, one message per YAML indentation mistake
// and per full pod subnet, and `topo show --node` / large labs summarised.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { runCli } from './helpers/cli.js';
import { compileLabObject, compileLabText, loadLab, SourceError } from '../topology/compile.js';
import { describeLab, MAX_ROUTED_NODES } from '../topology/describe.js';
import { generateHostGwLab } from '../topology/generate.js';
import { resolvePlace } from '../topology/place.js';

const ROOT = join(import.meta.dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'tracelab-topology-messages-'));
const threeNode = readFileSync(join(ROOT, 'topology', 'labs', 'three-node.yaml'), 'utf8');

function errorsOf(compile: () => unknown): string[] {
  try {
    compile();
  } catch (err) {
    if (err instanceof SourceError) return err.message.split('\n');
    throw err;
  }
  return [];
}

const run = runCli;

describe('an unknown place', () => {
  it('lists nodes, pods, node/pod, the host and the externals', () => {
    expect(resolvePlace(loadLab('three-node'), 'node-9')).toEqual({
      ok: false,
      message: 'unknown place "node-9"; nodes: controlplane, node-1, node-2; pods: coredns-a, coredns-b, nginx, httpd, traceroute, netshoot; '
        + 'node/pod: controlplane/coredns-a, controlplane/coredns-b, node-1/nginx, node-1/httpd, node-2/traceroute, node-2/netshoot; host; externals: api.example.com',
    });
  });
  it('in a large lab, lists 50 of each kind and counts the rest', () => {
    const r = resolvePlace(compileLabObject('big', generateHostGwLab(60, 2)), 'nowhere');
    expect(r.ok).toBe(false);
    const message = r.ok ? '' : r.message;
    expect(message).toMatch(/; nodes: controlplane, node-1, .*, node-49, \.\.\. and 10 more; pods: p0-0, .*, p24-1, \.\.\. and 70 more; node\/pod: controlplane\/p0-0, .*\.\.\. and 70 more; host$/);
  });
});

describe('YAML syntax errors', () => {
  it('one wrongly indented line gives one message', () => {
    const text = threeNode.replace('  serviceNetwork: 10.96.0.0/12\n', ' serviceNetwork: 10.96.0.0/12\n');
    expect(errorsOf(() => compileLabText('lab.yaml', text))).toEqual([
      'lab.yaml:7:1: All mapping items must start at the same column: check the indentation of this line and the lines below it',
    ]);
  });
  it('an over-indented key gives one message', () => {
    const text = threeNode.replace('    role: control-plane\n', '     role: control-plane\n');
    expect(errorsOf(() => compileLabText('lab.yaml', text))).toHaveLength(1);
  });
});

describe('a full pod subnet', () => {
  it('is reported once, at the first pod without an address, with how many more there are', () => {
    const lab = generateHostGwLab(2, 300);
    expect(errorsOf(() => compileLabObject('lab.yaml', lab))).toEqual([
      'lab.yaml:1:1: no free address left in 10.244.0.0/24 for this pod and 46 more',
      'lab.yaml:1:1: no free address left in 10.244.1.0/24 for this pod and 46 more',
    ]);
  });
  it('one pod too many keeps the plain message', () => {
    expect(errorsOf(() => compileLabObject('lab.yaml', generateHostGwLab(1, 254)))).toEqual(['lab.yaml:1:1: no free address left in 10.244.0.0/24']);
  });
});

describe('topo show', () => {
  it('--node shows the node, its pods and NAT engine, and only its routes', async () => {
    const r = await run(['topo', 'show', '--node', 'node-1']);
    expect(r.code).toBe(0);
    const devices = r.out.split('\n').filter((l) => /^\S+\s+(node|pod|nat|host|external)\s/.test(l)).map((l) => l.split(/\s+/)[0]);
    expect(devices).toEqual(['node-1', 'nginx', 'httpd', 'node-1-nat']);
    expect(r.out.match(/\$ ip route/g)).toEqual(['$ ip route']);
    expect(r.out).toContain('[node-1]$ ip route\ndefault via 10.0.2.2 dev eth0 \n');
  });
  it('--node with a name that is no node: one line, exit 2', async () => {
    expect(await run(['topo', 'show', '--node', 'nginx'])).toEqual({ out: '', err: 'tracelab: topo show --node: no node "nginx" (nodes: controlplane, node-1, node-2)\n', code: 2 });
  });
  it(`prints the routes of at most ${MAX_ROUTED_NODES} nodes and counts the rest`, () => {
    const lab = compileLabObject('big', generateHostGwLab(80, 1));
    const asked: string[] = [];
    const text = describeLab(lab, (node) => (asked.push(node), `routes of ${node}\n`));
    expect(asked).toHaveLength(MAX_ROUTED_NODES);
    expect(text.endsWith('[node-49]$ ip route\nroutes of node-49\n\n... and the routes of 30 more nodes: topo show --node NAME\n')).toBe(true);
  });
  it('--lab FILE --node on a large lab file', async () => {
    const file = join(dir, 'big.yaml');
    writeFileSync(file, stringify(generateHostGwLab(120, 1)));
    const r = await run(['topo', 'show', '--lab', file, '--node', 'node-100']);
    expect(r.code).toBe(0);
    expect(r.out.match(/\$ ip route/g)).toHaveLength(1);
    expect(r.out).toContain('\n10.244.119.0/24 via 192.168.56.129 dev eth1 \n');
  });
});
