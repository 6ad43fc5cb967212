// kubectl apply -f / delete -f in the simulator: the client-side errors compared with the real kubectl binary run for
// real (--dry-run=client needs no server), the server-side lines from kubectl's source texts (apply.go, delete.go,
// builder.go), and the effect of an applied policy against the kernel-recorded outputs of the policy scenarios.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Simulator } from '../sim/simulator.js';
import { compileLabText } from '../topology/compile.js';
import { loadScenarioFile } from '../lab/scenario/load.js';
import { readFileSync } from 'node:fs';

const LAB = readFileSync('topology/labs/three-node.yaml', 'utf8');
const DENY = 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: default-deny\nspec:\n  podSelector: {}\n  policyTypes: [Ingress]\n';
const ALLOW_WEB = 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: allow-web}\nspec:\n  podSelector: {matchLabels: {app: httpd}}\n  ingress:\n  - ports: [{port: 80}]\n';
const FOO = 'apiVersion: example.com/v1\nkind: Foo\nmetadata: {name: x, namespace: default}\n';

/** The three-node lab with FILES on controlplane and, with ENGINE, kube-router enforcing policies. */
function lab(files: Record<string, string>, engine = false): Simulator {
  const nodeFiles = Object.entries(files).map(([p, t]) => `      ${JSON.stringify(p)}: ${JSON.stringify(t)}`).join('\n');
  let text = LAB.replace(/^cluster:\n/m, engine ? 'cluster:\n  networkPolicy: kube-router\n' : 'cluster:\n');
  if (nodeFiles !== '') text = text.replace(/^( *)- name: controlplane\n/m, (m, indent: string) => `${m}${indent}  files:\n${nodeFiles.replace(/^ {6}/gm, `${indent}    `)}\n`);
  return new Simulator(compileLabText('lab.yaml', text));
}

const run = (sim: Simulator, where: string, command: string) => {
  const r = sim.run(where, command);
  return { out: r.stdout, err: r.stderr, code: r.exitCode };
};

const CURL = "curl -sS -o /dev/null -w '%{http_code}\\n' http://10.244.1.3/";

describe('kubectl apply -f / delete -f: what kubectl prints', () => {
  it("prints apply.go's created, unchanged and configured through the name printer", () => {
    const sim = lab({ '/home/vagrant/np.yaml': DENY, '/home/vagrant/np2.yaml': DENY.replace('policyTypes: [Ingress]', 'policyTypes: [Ingress, Egress]') });
    expect(run(sim, 'controlplane', 'kubectl apply -f np.yaml')).toEqual({ out: 'networkpolicy.networking.k8s.io/default-deny created\n', err: '', code: 0 });
    expect(run(sim, 'controlplane', 'kubectl apply -f /home/vagrant/np.yaml').out).toBe('networkpolicy.networking.k8s.io/default-deny unchanged\n');
    expect(run(sim, 'controlplane', 'kubectl apply -f np2.yaml').out).toBe('networkpolicy.networking.k8s.io/default-deny configured\n');
    expect(run(sim, 'controlplane', 'kubectl get networkpolicy').out).toBe('NAME           POD-SELECTOR   AGE\ndefault-deny   <none>         0s\n');
  });

  it("prints delete.go's `KIND.GROUP \"NAME\" deleted`, and the API server's NotFound with the source file", () => {
    const sim = lab({ '/home/vagrant/np.yaml': DENY });
    run(sim, 'controlplane', 'kubectl apply -f np.yaml');
    expect(run(sim, 'controlplane', 'kubectl delete -f np.yaml')).toEqual({ out: 'networkpolicy.networking.k8s.io "default-deny" deleted\n', err: '', code: 0 });
    expect(run(sim, 'controlplane', 'kubectl delete -f np.yaml')).toEqual({
      out: '', err: 'Error from server (NotFound): error when deleting "np.yaml": networkpolicies.networking.k8s.io "default-deny" not found\n', code: 1,
    });
  });

  it("gives builder.go's mapping error for a kind the API server does not serve, after applying the rest", () => {
    const sim = lab({ '/home/vagrant/two.yaml': `${DENY}---\n${FOO}` });
    expect(run(sim, 'controlplane', 'kubectl apply -f two.yaml')).toEqual({
      out: 'networkpolicy.networking.k8s.io/default-deny created\n',
      err: 'error: resource mapping not found for name: "x" namespace: "default" from "two.yaml": no matches for kind "Foo" in version "example.com/v1"\nensure CRDs are installed first\n',
      code: 1,
    });
  });

  it("prints an invalid policy as cmdutil.CheckErr prints the API server's Invalid status, applying nothing of it", () => {
    const bad = ALLOW_WEB.replace('ports: [{port: 80}]', 'ports: [{port: 80, endPort: 70}]');
    const sim = lab({ '/home/vagrant/bad.yaml': bad });
    expect(run(sim, 'controlplane', 'kubectl apply -f bad.yaml')).toEqual({
      out: '', err: 'The NetworkPolicy "allow-web" is invalid: spec.ingress[0].ports[0].endPort: Invalid value: 70: must be greater than or equal to `port`\n', code: 1,
    });
    expect(run(sim, 'controlplane', 'kubectl get netpol').err).toBe('No resources found in default namespace.\n');
  });

  it('reads a directory\'s .json/.yaml/.yml files in lexical order, naming each file in its errors', () => {
    const sim = lab({ '/home/vagrant/netpol/b.yaml': `${FOO}`, '/home/vagrant/netpol/a.yml': DENY, '/home/vagrant/netpol/notes.txt': 'x' });
    expect(run(sim, 'controlplane', 'kubectl apply -f netpol/')).toEqual({
      out: 'networkpolicy.networking.k8s.io/default-deny created\n',
      err: 'error: resource mapping not found for name: "x" namespace: "default" from "netpol/b.yaml": no matches for kind "Foo" in version "example.com/v1"\nensure CRDs are installed first\n',
      code: 1,
    });
  });

  it("refuses an object whose namespace differs from -n with kubectl's text", () => {
    const sim = lab({ '/home/vagrant/np.yaml': DENY.replace('name: default-deny', 'name: default-deny\n  namespace: web') });
    expect(run(sim, 'controlplane', 'kubectl apply -n default -f np.yaml').err).toBe(
      `error: the namespace from the provided object "web" does not match the namespace "default". You must pass '--namespace=web' to perform this operation.\n`);
  });

  it('applies a Service selector and Pod labels to the lab\'s objects, and says a new Service is not modelled', () => {
    const svc = 'apiVersion: v1\nkind: Service\nmetadata: {name: httpd}\nspec:\n  selector: {app: nope}\n  ports: [{port: 80, targetPort: 80}]\n';
    const sim = lab({ '/home/vagrant/svc.yaml': svc, '/home/vagrant/new.yaml': svc.replace('name: httpd', 'name: other') });
    expect(run(sim, 'controlplane', 'kubectl apply -f svc.yaml').out).toBe('service/httpd configured\n');
    // kube-proxy's reject for a Service without endpoints: the kernel-recorded probe of service-selector-patched.
    const recorded = loadScenarioFile('scenarios/service-selector-patched.yaml').probes.find((p) => p.run.startsWith('iptables -S KUBE-SERVICES'))!;
    expect(run(sim, 'node-2', recorded.run).out).toBe(recorded.expect);
    expect(run(sim, 'controlplane', 'kubectl apply -f new.yaml').code).toBe(3);
  });
});

describe('kubectl edit', () => {
  it('finds the object as kubectl does, then says the editor is not modelled', () => {
    const sim = lab({});
    expect(run(sim, 'controlplane', 'kubectl edit svc nope')).toEqual({ out: '', err: 'Error from server (NotFound): services "nope" not found\n', code: 1 });
    const r = run(sim, 'controlplane', 'kubectl edit svc httpd');
    expect(r.code).toBe(3);
    expect(r.err).toContain('kubectl patch or kubectl apply -f');
  });
});

describe('an applied default-deny: nothing on Flannel alone, httpd blocked under kube-router (kernel-recorded outputs)', () => {
  const files = { '/home/vagrant/np.yaml': DENY, '/home/vagrant/web.yaml': ALLOW_WEB };
  const probe = (name: string) => loadScenarioFile(`scenarios/${name}.yaml`).probes.find((p) => p.run === CURL)!;

  it('changes nothing on the default lab', () => {
    const sim = lab(files);
    run(sim, 'controlplane', 'kubectl apply -f np.yaml');
    const p = probe('policy-not-enforced-flannel-alone');
    expect(run(sim, 'netshoot', CURL)).toEqual({ out: p.expect, err: '', code: 0 });
  });

  it('blocks httpd when kube-router enforces, and an applied allow or delete -f lets it in again', () => {
    const sim = lab(files, true);
    run(sim, 'controlplane', 'kubectl apply -f np.yaml');
    const p = probe('policy-default-deny-breaks-httpd');
    expect(run(sim, 'netshoot', CURL)).toEqual({ out: p.expect, err: p.stderr, code: p.exit });
    run(sim, 'controlplane', 'kubectl apply -f web.yaml');
    expect(run(sim, 'netshoot', CURL).out).toBe(p.healthy);
    run(sim, 'controlplane', 'kubectl delete -f web.yaml');
    expect(run(sim, 'netshoot', CURL).code).toBe(p.exit);
    run(sim, 'controlplane', 'kubectl delete -f np.yaml');
    expect(run(sim, 'netshoot', CURL).out).toBe(p.healthy);
  });

  it('names the applied policy in the trace record (--explain), as it names a lab file\'s', () => {
    const sim = lab(files, true);
    run(sim, 'controlplane', 'kubectl apply -f np.yaml');
    const r = sim.run('netshoot', 'traceroute -n -q 1 -m 4 -T -p 80 10.244.1.3');
    const steps = r.traces![0]!.hops.flatMap((h) => h.probes.flatMap((x) => x.steps.map((st) => st.decision)));
    expect(steps.some((d) => d.startsWith('dropped by policy default/default-deny: no ingress rule admits 10.244.2.3 to 10.244.1.3:TCP 80; '))).toBe(true);
  });
});

const real = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' });
if (real.status !== 0) console.log('skipping the comparison with the real kubectl: no kubectl binary');

describe.skipIf(real.status !== 0)('client-side errors equal the real kubectl', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tracelab-apply-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'empty.yaml'), '');
  mkdirSync(join(dir, 'docs'));
  writeFileSync(join(dir, 'docs', 'readme.txt'), 'x: 1\n');
  const kubectl = (args: string) => {
    // No server: --dry-run=client and a kubeconfig-free run stop at the client's own checks, which are these.
    const dry = args.startsWith('edit') ? [] : ['--dry-run=client'];
    const r = spawnSync('kubectl', [...args.split(' '), ...dry], { encoding: 'utf8', cwd: dir, env: { ...process.env, KUBECONFIG: join(dir, 'none') } });
    return { out: r.stdout, err: r.stderr, code: r.status };
  };
  const cases = ['apply -f /nope', 'delete -f /nope', 'apply', 'apply -f empty.yaml', 'delete -f empty.yaml', 'edit', 'edit -f /nope', 'apply -f docs', 'delete -f docs'];
  for (const c of cases) {
    it(`kubectl ${c}`, () => {
      const sim = lab({ '/home/vagrant/empty.yaml': '', '/home/vagrant/docs/readme.txt': 'x: 1\n' });
      const r = run(sim, 'controlplane', `kubectl ${c}`);
      expect(r).toEqual(kubectl(c));
    });
  }
});
