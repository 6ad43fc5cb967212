// kubectl apply -f in the namespace lab (root and the lab's tools needed; run under /tmp/tracelab-netns.lock): the
// applied policy is realised as kube-router's chains and ipsets in the real kernel, and the API state persists for a
// later process (a second backend object connecting to the same lab) in a private file beside the lab's record.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createNetnsBackend } from '../lab/netns/backend.js';
import { kubectlStatePath } from '../lab/netns/kubectl-state.js';
import { preflight } from '../lab/netns/preflight.js';
import { recordPath } from '../lab/netns/record.js';
import { loadScenarioFile } from '../lab/scenario/load.js';
import { compileLabText } from '../topology/compile.js';

const check = preflight();
if (!check.ok) console.log(`skipping kubectl apply on the namespace lab: ${check.message.split('\n').join('; ')}`);

const PREFIX = 'tlkap1';
const work = mkdtempSync(join(tmpdir(), 'tracelab-apply-netns-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const CURL = "curl -sS -o /dev/null -w '%{http_code}\\n' http://10.244.1.3/";
const DENY = 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: default-deny-ingress, namespace: default}\nspec:\n  podSelector: {}\n  policyTypes: [Ingress]\n';

describe.skipIf(!check.ok)('kubectl apply -f on the namespace lab', () => {
  it('blocks httpd for real, and a later process sees the applied policy until the lab goes down', async () => {
    const manifest = join(work, 'deny.yaml');
    writeFileSync(manifest, DENY);
    const text = readFileSync('topology/labs/three-node.yaml', 'utf8').replace(/^cluster:\n/m, 'cluster:\n  networkPolicy: kube-router\n');
    const model = compileLabText('lab.yaml', text);
    const opts = { prefix: PREFIX, stateDir: work };
    const first = createNetnsBackend(opts);
    const second = createNetnsBackend(opts);
    const state = kubectlStatePath(recordPath(work, PREFIX));
    try {
      await first.up(model);
      // The host path given to `tracelab exec`: read from the real filesystem.
      expect(await first.run('controlplane', `kubectl apply -f ${manifest}`)).toMatchObject({ stdout: 'networkpolicy.networking.k8s.io/default-deny-ingress created\n', exitCode: 0 });
      const recorded = loadScenarioFile('scenarios/policy-default-deny-breaks-httpd.yaml').probes;
      const curl = recorded.find((p) => p.run === CURL)!;
      expect(await first.run('netshoot', CURL)).toMatchObject({ stdout: curl.expect, exitCode: curl.exit });
      const forward = recorded.find((p) => p.run === 'iptables -S KUBE-ROUTER-FORWARD')!;
      expect((await first.run('node-1', forward.run)).stdout).toBe(forward.expect);
      expect(statSync(state).mode & 0o777).toBe(0o600);
      // A new process connecting to the lab that is up.
      await second.up(model);
      expect((await second.run('controlplane', 'kubectl get networkpolicy -o name')).stdout).toBe('networkpolicy.networking.k8s.io/default-deny-ingress\n');
      expect((await second.run('controlplane', `kubectl delete -f ${manifest}`)).stdout).toBe('networkpolicy.networking.k8s.io "default-deny-ingress" deleted\n');
      expect(await second.run('netshoot', CURL)).toMatchObject({ stdout: curl.healthy, exitCode: 0 });
      // kube-router's sets for the deleted policy are gone from the kernel too.
      const sets = execFileSync('ip', ['netns', 'exec', `${PREFIX}-node-1`, 'ipset', 'list', '-n'], { encoding: 'utf8' });
      expect(sets.split('\n').filter((s) => s.startsWith('KUBE-DST-'))).toEqual([]);
    } finally {
      await second.down();
    }
    expect(existsSync(state)).toBe(false);
  }, 300_000);
});
