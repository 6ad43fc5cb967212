// The rendered inventory and variables, model-level faults as variables, and the roles' templates rendered by real Ansible.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { compileLabText, loadLab } from '../topology/compile.js';
import { groupVars, imageRef, renderGroupVars, renderInventory } from '../lab/render-ansible.js';
import { renderLabFiles, writeRenderedFiles } from '../lab/render.js';

const ROOT = resolve(import.meta.dirname, '..');
const THREE_NODE = readFileSync(join(ROOT, 'topology', 'labs', 'three-node.yaml'), 'utf8');
const HAVE_ANSIBLE = spawnSync('ansible-playbook', ['--version'], { stdio: 'ignore' }).status === 0;
if (!HAVE_ANSIBLE) console.log('ansible-render: skipping tests that run Ansible: ansible is not installed (apt-get install ansible)');

const temps: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tracelab-ansible-render-'));
  temps.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

/** The three-node lab with model-level faults: Flannel without --iface (and stopped on node-1), kubelet without --node-ip. */
function faultyLab() {
  const text = THREE_NODE.replace('    iface: eth1\n  kubeletNodeIp: true', '    iface: null\n    stopped: [node-1]\n  kubeletNodeIp: false');
  expect(text).not.toBe(THREE_NODE);
  return compileLabText('faulty.yaml', text);
}

describe('renderInventory and renderGroupVars', () => {
  it('puts the control plane and the workers (in join order) in their groups, connecting over eth1', () => {
    const inventory = parse(renderInventory(loadLab('three-node')));
    expect(Object.keys(inventory.all.children.control_plane.hosts)).toEqual(['controlplane']);
    expect(Object.keys(inventory.all.children.workers.hosts)).toEqual(['node-1', 'node-2']);
    expect(inventory.all.children.workers.hosts['node-2']).toEqual({
      ansible_host: '192.168.56.12',
      ansible_ssh_private_key_file: '.vagrant/machines/node-2/virtualbox/private_key',
      tracelab_node_ip: '192.168.56.12',
      tracelab_pod_subnet: '10.244.2.0/24',
    });
    expect(inventory.all.vars.ansible_user).toBe('vagrant');
  });

  it('renders every variable the roles read from the model', () => {
    const vars = parse(renderGroupVars(loadLab('three-node')));
    expect(vars).toMatchObject({
      tracelab_kubernetes_version: '1.31',
      tracelab_kubernetes_package_version: '1.31.4-*',
      tracelab_control_plane_name: 'controlplane',
      tracelab_control_plane_ip: '192.168.56.10',
      tracelab_cluster_network: '10.244.0.0/16',
      tracelab_service_network: '10.96.0.0/12',
      tracelab_flannel_iface: 'eth1',
      tracelab_kubelet_node_ip: true,
      tracelab_icmp_ratelimit: 0,
      tracelab_join_order: ['controlplane', 'node-1', 'node-2'],
      tracelab_flannel_stopped: [],
      tracelab_coredns_node: 'controlplane',
    });
    // CoreDNS and kube-dns are kubeadm's; the lab creates the others, pinned, with pinned images.
    expect(vars.tracelab_pods.map((p: { node: string; name: string; image: string }) => `${p.node}/${p.name} ${p.image}`)).toEqual([
      'node-1/nginx nginx:1.27',
      'node-1/httpd httpd:2.4',
      'node-2/traceroute busybox:1.36',
      'node-2/netshoot nicolaka/netshoot:v0.13',
    ]);
    expect(vars.tracelab_pods[1]).toMatchObject({ expected_ip: '10.244.1.3', ports: [{ protocol: 'TCP', port: 80 }], services: ['httpd'] });
    expect(vars.tracelab_services).toEqual([{ name: 'httpd', namespace: 'default', cluster_ip: '10.96.0.20', ports: [{ protocol: 'TCP', port: 80, target_port: 80 }] }]);
  });

  it('turns the model-level faults into variables', () => {
    const vars = groupVars(faultyLab());
    expect(vars['tracelab_flannel_iface']).toBeNull();
    expect(vars['tracelab_kubelet_node_ip']).toBe(false);
    expect(vars['tracelab_flannel_stopped']).toEqual(['node-1']);
    expect(parse(renderGroupVars(faultyLab())).tracelab_flannel_iface).toBeNull();
  });

  it('pins Kubernetes to a patch release of the model\'s minor version and refuses an unknown minor', () => {
    const lab = (minor: string) => compileLabText('v.yaml', THREE_NODE.replace('kubernetesVersion: "1.31"', `kubernetesVersion: "${minor}"`));
    expect(groupVars(lab('1.30'))).toMatchObject({ tracelab_kubernetes_version: '1.30', tracelab_kubernetes_package_version: '1.30.6-*' });
    expect(() => groupVars(lab('1.19'))).toThrow(/vm\.kubernetesVersion 1\.19 has no pinned release/);
  });

  it('pins image names and keeps full references', () => {
    expect(imageRef('busybox')).toBe('busybox:1.36');
    expect(imageRef('registry.k8s.io/pause:3.10')).toBe('registry.k8s.io/pause:3.10');
    expect(imageRef('whoami')).toBe('whoami:latest');
  });
});

/** Renders the roles' templates on localhost with real Ansible, with the rendered group_vars; returns the output dir and recap. */
function renderTemplates(lab: ReturnType<typeof loadLab>): { out: string; recaps: string[] } {
  const dir = tempDir();
  const out = join(dir, 'out');
  writeFileSync(join(dir, 'vars.yml'), renderGroupVars(lab));
  const roles = join(ROOT, 'ansible', 'roles');
  const playbook = [
    '---',
    '- name: Render the lab templates locally',
    '  hosts: localhost',
    '  connection: local',
    '  gather_facts: false',
    '  vars_files: [vars.yml]',
    '  vars:',
    `    out: ${out}`,
    '    tracelab_node_ip: 192.168.56.12',
    '  tasks:',
    '    - name: Create the output directory',
    '      ansible.builtin.file: { path: "{{ out }}", state: directory, mode: "0755" }',
    '    - name: Render Flannel',
    `      ansible.builtin.template: { src: ${roles}/flannel/templates/kube-flannel.yml.j2, dest: "{{ out }}/kube-flannel.yml", mode: "0644" }`,
    '    - name: Render kubelet defaults',
    `      ansible.builtin.template: { src: ${roles}/kubernetes/templates/kubelet-default.j2, dest: "{{ out }}/kubelet", mode: "0644" }`,
    '    - name: Render pods',
    `      ansible.builtin.template: { src: ${roles}/lab_pods/templates/pod.yml.j2, dest: "{{ out }}/pod-{{ lab_pods_pod.name }}.yml", mode: "0644" }`,
    '      loop: "{{ tracelab_pods }}"',
    '      loop_control: { loop_var: lab_pods_pod }',
    '    - name: Render services',
    `      ansible.builtin.template: { src: ${roles}/lab_pods/templates/service.yml.j2, dest: "{{ out }}/svc-{{ lab_pods_service.name }}.yml", mode: "0644" }`,
    '      loop: "{{ tracelab_services }}"',
    '      loop_control: { loop_var: lab_pods_service }',
    '',
  ].join('\n');
  writeFileSync(join(dir, 'render.yml'), playbook);
  const recaps: string[] = [];
  for (let run = 0; run < 2; run++) {
    const result = spawnSync('ansible-playbook', ['-i', 'localhost,', 'render.yml'], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, ANSIBLE_NOCOLOR: '1', ANSIBLE_LOCALHOST_WARNING: 'false', ANSIBLE_PYTHON_INTERPRETER: 'auto_silent' },
    });
    expect(result.stderr + result.stdout).toContain('localhost');
    expect(result.status, result.stdout + result.stderr).toBe(0);
    recaps.push(/^localhost\s*:.*$/m.exec(result.stdout)?.[0] ?? '');
  }
  return { out, recaps };
}

interface FlannelDaemonSet {
  kind: string;
  spec: {
    template: {
      spec: {
        containers: { args: string[] }[];
        affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: { matchExpressions: unknown[] }[] } } };
      };
    };
  };
}

describe.skipIf(!HAVE_ANSIBLE)('the roles\' templates rendered by Ansible', { timeout: 120_000 }, () => {
  it('renders Flannel host-gw with --iface, kubelet with --node-ip, pinned pods and services; a second run changes nothing', () => {
    const { out, recaps } = renderTemplates(loadLab('three-node'));
    const docs = parseAllDocuments(readFileSync(join(out, 'kube-flannel.yml'), 'utf8')).map((d) => d.toJS());
    const config = docs.find((d) => d?.kind === 'ConfigMap');
    expect(JSON.parse(config.data['net-conf.json'])).toEqual({ Network: '10.244.0.0/16', EnableNFTables: false, Backend: { Type: 'host-gw' } });
    const ds = docs.find((d) => d?.kind === 'DaemonSet') as FlannelDaemonSet;
    expect(ds.spec.template.spec.containers[0]!.args).toEqual(['--ip-masq', '--kube-subnet-mgr', '--iface=eth1']);
    // No flanneld where the model stops it: the DaemonSet skips nodes the role labels tracelab.dev/flannel=stopped.
    expect(ds.spec.template.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0]!.matchExpressions).toContainEqual({
      key: 'tracelab.dev/flannel',
      operator: 'NotIn',
      values: ['stopped'],
    });
    expect(readFileSync(join(out, 'kubelet'), 'utf8')).toMatch(/^KUBELET_EXTRA_ARGS=--node-ip=192\.168\.56\.12$/m);

    const httpd = parse(readFileSync(join(out, 'pod-httpd.yml'), 'utf8'));
    expect(httpd.spec.nodeSelector).toEqual({ 'kubernetes.io/hostname': 'node-1' });
    expect(httpd.metadata.labels['tracelab.dev/service-httpd']).toBe('true');
    expect(httpd.spec.containers[0]).toMatchObject({ image: 'httpd:2.4', ports: [{ containerPort: 80, protocol: 'TCP' }] });
    const busybox = parse(readFileSync(join(out, 'pod-traceroute.yml'), 'utf8'));
    expect(busybox.spec.containers[0]).toMatchObject({ image: 'busybox:1.36', command: ['sleep', '1000000000'] });
    const svc = parse(readFileSync(join(out, 'svc-httpd.yml'), 'utf8'));
    expect(svc.spec).toEqual({ type: 'ClusterIP', clusterIP: '10.96.0.20', selector: { 'tracelab.dev/service-httpd': 'true' }, ports: [{ port: 80, targetPort: 80, protocol: 'TCP' }] });

    expect(recaps[1]).toMatch(/ok=\d+\s+changed=0\s/);
  });

  it('renders the faults: Flannel without --iface, kubelet without --node-ip', () => {
    const { out } = renderTemplates(faultyLab());
    const docs = parseAllDocuments(readFileSync(join(out, 'kube-flannel.yml'), 'utf8')).map((d) => d.toJS());
    const ds = docs.find((d) => d?.kind === 'DaemonSet') as FlannelDaemonSet;
    expect(ds.spec.template.spec.containers[0]!.args).toEqual(['--ip-masq', '--kube-subnet-mgr']);
    expect(readFileSync(join(out, 'kubelet'), 'utf8')).toMatch(/^KUBELET_EXTRA_ARGS=$/m);
  });

  it('ansible-inventory reads the rendered inventory with the group vars next to it', async () => {
    const dir = tempDir();
    await writeRenderedFiles(dir, renderLabFiles(loadLab('three-node'), 'ansible'));
    const result = spawnSync('ansible-inventory', ['-i', join(dir, 'ansible', 'inventory.yml'), '--list'], { encoding: 'utf8' });
    expect(result.status, result.stderr).toBe(0);
    const inv = JSON.parse(result.stdout);
    expect(inv.control_plane.hosts).toEqual(['controlplane']);
    expect(inv.workers.hosts).toEqual(['node-1', 'node-2']);
    expect(inv._meta.hostvars['node-1']).toMatchObject({ tracelab_node_ip: '192.168.56.11', tracelab_pod_subnet: '10.244.1.0/24', tracelab_flannel_iface: 'eth1' });
  });
});
