// Test helper: the real kubectl binary against a local API server, with its own kubeconfig and discovery cache
// (never the user's ~/.kube), set up and torn down around a describe block.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { localKubectl, type KubectlRunner } from '../../lab/kubectl/cli.js';

/** Starts SERVER before the block's tests and returns a getter for a kubectl runner pointed at it (context NAME). */
export function kubectlAgainst(server: Server, name: string): { kubectl: KubectlRunner; kubeconfig: () => string } {
  let dir = '';
  let kubeconfig = '';
  let runner: KubectlRunner = () => Promise.reject(new Error('not started'));
  const savedCacheDir = process.env['KUBECACHEDIR'];
  beforeAll(async () => {
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    dir = mkdtempSync(join(tmpdir(), `tracelab-kubectl-${name}-`));
    kubeconfig = join(dir, 'kubeconfig');
    const port = (server.address() as AddressInfo).port;
    writeFileSync(kubeconfig, `apiVersion: v1\nkind: Config\nclusters:\n- cluster: {server: "http://127.0.0.1:${port}"}\n  name: ${name}\ncontexts:\n- context: {cluster: ${name}, user: reader}\n  name: ${name}\ncurrent-context: ${name}\nusers:\n- name: reader\n  user: {}\n`);
    process.env['KUBECACHEDIR'] = join(dir, 'cache'); // kubectl's discovery cache, not the user's ~/.kube
    runner = localKubectl({ kubeconfig });
  });
  afterAll(async () => {
    if (savedCacheDir === undefined) delete process.env['KUBECACHEDIR'];
    else process.env['KUBECACHEDIR'] = savedCacheDir;
    await new Promise((done) => server.close(done));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  return { kubectl: (args, input) => runner(args, input), kubeconfig: () => kubeconfig };
}
