// The LXC provider's rendered files, box recipe and scenario selection (no root, no containers).
import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadLab } from '../topology/compile.js';
import { renderLabFiles, writeRenderedFiles } from '../lab/render.js';
import { boxRecipeHash, LXC_BOX_NAME } from '../lab/lxc/box.js';
import { partitionForNetworkOnly } from '../lab/lxc/scenarios.js';
import { loadScenarios, scenarioLibraryDir } from '../lab/scenario/index.js';
import { findProgram, runArgv } from '../lab/process.js';
import { packageRoot } from '../topology/paths.js';
import { parse } from 'yaml';

const lab = loadLab('three-node');
const files = renderLabFiles(lab, 'vagrant', { vagrantDir: '/lab', renderDir: '.tracelab', lxc: { prefix: 'tlxc', box: LXC_BOX_NAME } });
const text = (path: string) => files.find((f) => f.path === path)!.text;

describe('LXC provider rendering', () => {
  it('carries the lxc block, the lxc key path and the network-only variables', () => {
    const json = JSON.parse(text('vagrant.json'));
    expect(json.lxc).toEqual({ prefix: 'tlxc', bridge: 'tlxcbr0', box: 'tracelab/debian12-lxc' });
    const inventory = parse(text('ansible/inventory.yml'));
    expect(inventory.all.children.workers.hosts['node-1'].ansible_ssh_private_key_file).toBe('/lab/.vagrant/machines/node-1/lxc/private_key');
    const vars = parse(text('ansible/group_vars/all.yml'));
    expect(vars.tracelab_network_only).toBe(true);
    const node1 = vars.tracelab_network_nodes.find((n: { name: string }) => n.name === 'node-1');
    expect(node1.pod_subnet).toBe('10.244.1.0/24');
    expect(node1.netfilter).toMatch(/^\*filter\n/);
  });

  it('leaves the VirtualBox rendering as it was', () => {
    const vbox = renderLabFiles(lab, 'vagrant', { vagrantDir: '/lab', renderDir: '.tracelab' });
    expect(JSON.parse(vbox[0]!.text).lxc).toBeUndefined();
    expect(vbox[1]!.text).toContain('/lab/.vagrant/machines/node-1/virtualbox/private_key');
    expect(parse(vbox[2]!.text).tracelab_network_only).toBe(false);
  });

  it('keys the box cache by its recipe', () => {
    expect(boxRecipeHash()).toMatch(/^[0-9a-f]{16}$/);
    expect(boxRecipeHash()).toBe(boxRecipeHash());
  });

  it('runs the layer-3 scenarios and says why each other one is skipped', () => {
    const { run, skipped } = partitionForNetworkOnly(loadScenarios([scenarioLibraryDir()]), 'three-node');
    expect(run.map((s) => s.name)).toContain('forwarding-off-node-1');
    expect(run.map((s) => s.name)).not.toContain('flannel-reconciles-route');
    expect(skipped.find((l) => l.startsWith('flannel-reconciles-route:'))).toMatch(/no flanneld/);
    expect(skipped.find((l) => l.startsWith('capture-arp-failure:'))).toMatch(/tcpdump taps/);
    expect(skipped.find((l) => l.startsWith('clusterip-every-hop:'))).toMatch(/through the NAT \(10\.0\.2\./);
    expect(skipped.find((l) => l.startsWith('forward-drop-counters:'))).toMatch(/packet counters/);
    console.log(`network-only scenarios: ${run.map((s) => s.name).join(' ')}`);
  });
});

const vagrant = findProgram('vagrant');
if (!vagrant) console.log('skipping the Vagrantfile check for lxc: vagrant is not installed');
describe.skipIf(!vagrant)('Vagrantfile with the lxc provider', () => {
  it('validates with TRACELAB_PROVIDER=lxc on the rendered JSON', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tracelab-lxc-render-'));
    try {
      await writeRenderedFiles(dir, files);
      const env = { ...process.env, VAGRANT_CWD: packageRoot(), VAGRANT_HOME: join(dir, 'home'), TRACELAB_PROVIDER: 'lxc', TRACELAB_VAGRANT_JSON: join(dir, 'vagrant.json'), VAGRANT_CHECKPOINT_DISABLE: '1' };
      const r = await runArgv(['vagrant', 'validate', '--ignore-provider'], { env, cwd: packageRoot(), timeoutMs: 120_000 });
      expect(r.stderr).toBe('');
      expect(r.exitCode).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 150_000);
});
