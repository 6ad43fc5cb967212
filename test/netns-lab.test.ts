// Root-only tests of the namespace lab on the real kernel: build and teardown, root untouched, crash recovery, two labs.
import { describe, expect, it, afterAll } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { preflight } from '../lab/netns/preflight.js';
import { runArgv } from '../lab/process.js';
import { commandsSnapshot } from './helpers/root-snapshot.js';
import { netnsDown, netnsStatus, netnsUp } from '../lab/netns/lifecycle.js';
import { createNetnsBackend } from '../lab/netns/backend.js';
import { readRecord, recordPath } from '../lab/netns/record.js';
import { processCmdline } from '../lab/netns/listener.js';
import { smallLab } from './helpers/netns-small-lab.js';
import { parse } from 'yaml';
import { compileLabObject } from '../topology/compile.js';
import type { LabFile } from '../topology/labfile.js';
import { resolveLabPath } from '../topology/paths.js';
import { maskMilliseconds } from '../sim/tools/mask.js';

const check = preflight();
const skip = !check.ok;
if (skip) console.log(`skipping namespace-lab tests: ${check.message.split('\n').join('; ')}`);

const stateDir = mkdtempSync(join(tmpdir(), 'tracelab-netns-test-'));
afterAll(async () => {
  for (const prefix of ['tlt1', 'tlt2', 'tlt3', 'tlt4']) await netnsDown({ prefix, stateDir });
  rmSync(stateDir, { recursive: true, force: true });
});

/** What must be byte-identical in the root namespace before up and after down. */
const rootSnapshot = (): Promise<string> => commandsSnapshot([
  ['ip', '-d', 'link'], ['ip', 'addr'], ['ip', 'route', 'show', 'table', 'all'], ['ip', '-6', 'route', 'show', 'table', 'all'], ['ip', 'rule'],
  ['nft', 'list', 'ruleset'], ['iptables-save'],
]);

const namespacesWith = (prefix: string): string[] => (existsSync('/run/netns') ? readdirSync('/run/netns').filter((n) => n.startsWith(`${prefix}-`)) : []);
const etcWith = (prefix: string): string[] => (existsSync('/etc/netns') ? readdirSync('/etc/netns').filter((n) => n.startsWith(`${prefix}-`)) : []);
/** /etc/netns is gone, or still holds something of another lab (never left behind empty by us). */
const etcNetnsClean = (): boolean => !existsSync('/etc/netns') || readdirSync('/etc/netns').some((n) => n !== '.tracelab-created');

describe.skipIf(skip)('namespace lab on the real kernel', () => {
  it('builds a small lab, runs real tools in it, and tears it down leaving the root namespace identical', async () => {
    const before = await rootSnapshot();
    const progress: string[] = [];
    const summary = await netnsUp(smallLab(), { prefix: 'tlt1', stateDir, progress: (l) => progress.push(l) });
    expect(summary.namespaces).toBe(5);
    expect(namespacesWith('tlt1').sort()).toEqual(['tlt1-host', 'tlt1-httpd', 'tlt1-node-1', 'tlt1-node-2', 'tlt1-traceroute']);
    expect(progress.some((l) => l.startsWith('namespaces 5/5'))).toBe(true);
    const status = await netnsStatus({ prefix: 'tlt1', stateDir });
    expect(status.record?.state).toBe('up');
    expect(status.processes).toMatchObject([{ device: 'httpd', alive: true }]);

    const backend = createNetnsBackend({ prefix: 'tlt1', stateDir });
    const bb = await backend.run('node-2/traceroute', 'traceroute 10.244.1.3');
    expect(bb.exitCode).toBe(0);
    expect(maskMilliseconds(bb.stderr + bb.stdout)).toBe(
      'traceroute to 10.244.1.3 (10.244.1.3), 30 hops max, 46 byte packets\n' +
        ' 1  10.244.2.1 (10.244.2.1)  # ms  # ms  # ms\n' +
        ' 2  192.168.56.11 (192.168.56.11)  # ms  # ms  # ms\n' +
        ' 3  10.244.1.3 (10.244.1.3)  # ms  # ms  # ms\n',
    );
    const linux = await backend.run('node-2', 'traceroute -n 192.168.56.11');
    expect(maskMilliseconds(linux.stderr + linux.stdout)).toBe('traceroute to 192.168.56.11 (192.168.56.11), 30 hops max, 60 byte packets\n 1  192.168.56.11  # ms  # ms  # ms\n');
    // The listener answers SYN-ACK: tcp traceroute reaches httpd on port 80.
    const tcp = await backend.run('node-2', 'traceroute -n -T -p 80 -q 1 10.244.1.3');
    expect(maskMilliseconds(tcp.stdout)).toBe('traceroute to 10.244.1.3 (10.244.1.3), 30 hops max, 60 byte packets\n 1  192.168.56.11  # ms\n 2  10.244.1.3  # ms\n');
    // Names from the lab's hosts file; reverse lookups of lab addresses fail fast.
    const hosts = await backend.run('node-1', 'getent hosts api.example.com');
    expect(hosts.stdout).toBe('203.0.113.10    api.example.com\n');
    const named = await backend.run('node-2', 'traceroute -q 1 192.168.56.11');
    expect(maskMilliseconds(named.stdout)).toBe('traceroute to 192.168.56.11 (192.168.56.11), 30 hops max, 60 byte packets\n 1  192.168.56.11 (192.168.56.11)  # ms\n');
    // Each device has its own hostname (a UTS namespace), and unknown names fail like NXDOMAIN, without DNS.
    expect((await backend.run('node-2/traceroute', 'hostname')).stdout).toBe('traceroute\n');
    expect((await backend.run('node-1', 'hostname')).stdout).toBe('node-1\n');
    expect((await backend.run('node-1', 'sudo hostname')).stdout).toBe('node-1\n');
    expect(await backend.run('node-1', '   ')).toEqual({ stdout: '', stderr: '', exitCode: 0 });
    const unknown = await backend.run('node-2', 'traceroute nosuch.example.com');
    expect(unknown.stderr.split('\n')[0]).toBe('nosuch.example.com: Name or service not known');
    expect(unknown.exitCode).toBe(2);
    // Commands are argv, not shell: a quoted argument stays one word.
    const echo = await backend.run('httpd', `echo 'a  b' "c;d"`);
    expect(echo.stdout).toBe('a  b c;d\n');
    await expect(backend.run('node-9', 'true')).rejects.toThrow(/^unknown place "node-9"/);

    // The CNI bridge plugin made the pods' links: routes and hairpin mode are the plugin's, the host veth the model's name.
    expect((await backend.run('httpd+netshoot', 'ip route')).stdout).toBe('default via 10.244.1.1 dev eth0 \n10.244.1.0/24 dev eth0 proto kernel scope link src 10.244.1.3 \n');
    expect((await backend.run('node-1', 'bridge -d link')).stdout).toMatch(/^\d+: veth1a2b3c4d@\S+: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 master cni0 state forwarding priority 32 cost 2 \n    hairpin on /);
    expect(readdirSync(join(stateDir, 'cni-tlt1', 'tlt1-node-1', 'cbr0')).sort()).toEqual(['10.244.1.3', 'last_reserved_ip.0', 'lock']);
    const pids = readRecord(recordPath(stateDir, 'tlt1'))!.processes.map((p) => p.pid!);
    const down = await netnsDown({ prefix: 'tlt1', stateDir });
    expect(down).toMatchObject({ found: true, namespaces: 5, processes: 1, problems: [] });
    expect(namespacesWith('tlt1')).toEqual([]);
    expect(etcWith('tlt1')).toEqual([]);
    expect(existsSync(recordPath(stateDir, 'tlt1'))).toBe(false);
    expect(readdirSync(stateDir).filter((f) => f.includes('tlt1'))).toEqual([]);
    for (const pid of pids) expect(processCmdline(pid)).toBeUndefined();
    expect(await rootSnapshot()).toBe(before);
    expect(etcNetnsClean()).toBe(true);
    expect(readFileSync('/proc/self/mountinfo', 'utf8')).not.toMatch(/tlt1-/);
    expect(await netnsDown({ prefix: 'tlt1', stateDir })).toMatchObject({ found: false });
  }, 120_000);

  it('runs two labs with different prefixes side by side', async () => {
    await netnsUp(smallLab(), { prefix: 'tlt2', stateDir });
    await netnsUp(smallLab(), { prefix: 'tlt3', stateDir });
    const a = createNetnsBackend({ prefix: 'tlt2', stateDir });
    const b = createNetnsBackend({ prefix: 'tlt3', stateDir });
    expect((await a.run('node-2/traceroute', 'ping -c 1 -W 2 10.244.1.3')).exitCode).toBe(0);
    await a.down();
    expect(namespacesWith('tlt2')).toEqual([]);
    expect(namespacesWith('tlt3')).toHaveLength(5);
    expect((await b.run('node-2/traceroute', 'ping -c 1 -W 2 10.244.1.3')).exitCode).toBe(0);
    expect((await a.run('node-2', 'true')).stderr).toMatch(/no namespace lab with prefix tlt2 is up/);
    await b.down();
    expect(namespacesWith('tlt3')).toEqual([]);
    expect(etcNetnsClean()).toBe(true);
  }, 120_000);

  it('Backend.up connects to an identical lab that is up (state kept); lab up rebuilds it', async () => {
    const first = createNetnsBackend({ prefix: 'tlt3', stateDir });
    await first.up(smallLab());
    expect((await first.run('node-2', 'ip route del 10.244.1.0/24')).exitCode).toBe(0);
    const second = createNetnsBackend({ prefix: 'tlt3', stateDir });
    await second.up(smallLab());
    expect((await second.run('node-2', 'ip route show 10.244.1.0/24')).stdout).toBe('');
    const rebuilt = await netnsUp(smallLab(), { prefix: 'tlt3', stateDir });
    expect(rebuilt.reused).toBeUndefined();
    expect((await second.run('node-2', 'ip route show 10.244.1.0/24')).stdout).toBe('10.244.1.0/24 via 192.168.56.11 dev eth1 \n');
    await second.down();
    expect(namespacesWith('tlt3')).toEqual([]);
  }, 120_000);

  it('keeps the kernel default icmp_ratelimit when the lab asks for it (cluster.icmpRatelimit: 1000)', async () => {
    const file = parse(readFileSync(resolveLabPath('three-node'), 'utf8')) as LabFile;
    const lab = compileLabObject('three-node-ratelimit', { ...file, cluster: { ...file.cluster, icmpRatelimit: 1000 } });
    await netnsUp(lab, { prefix: 'tlt2', stateDir });
    try {
      const namespaces = namespacesWith('tlt2');
      expect(namespaces.length).toBe(15);
      for (const ns of namespaces) {
        const r = await runArgv(['ip', 'netns', 'exec', ns, 'sysctl', '-n', 'net.ipv4.icmp_ratelimit']);
        expect({ ns, value: r.stdout }).toEqual({ ns, value: '1000\n' });
      }
    } finally {
      await netnsDown({ prefix: 'tlt2', stateDir });
    }
    expect(namespacesWith('tlt2')).toEqual([]);
  }, 120_000);

  it('refuses to build over a namespace that is not in its record', async () => {
    await runArgv(['ip', 'netns', 'add', 'tlt4-host']);
    try {
      await expect(netnsUp(smallLab(), { prefix: 'tlt4', stateDir })).rejects.toThrow(/refusing to touch: namespace tlt4-host/);
      expect(namespacesWith('tlt4')).toEqual(['tlt4-host']);
    } finally {
      await runArgv(['ip', 'netns', 'del', 'tlt4-host']);
    }
  });

  it('cleans up after an up that was interrupted (SIGINT) or SIGKILLed half-way (then down, or a new up)', async () => {
    const out = mkdtempSync(join(tmpdir(), 'tracelab-netns-child-'));
    const rootBefore = await rootSnapshot();
    try {
      const root = resolve(import.meta.dirname, '..');
      const tsc = await runArgv([
        join(root, 'node_modules/.bin/tsc'), '--ignoreConfig', '--outDir', out, '--rootDir', root, '--module', 'NodeNext', '--moduleResolution', 'NodeNext',
        '--target', 'ES2022', '--skipLibCheck', '--types', 'node', '--typeRoots', join(root, 'node_modules/@types'),
        join(root, 'lab/netns/lifecycle.ts'), join(root, 'lab/netns/lab-server.ts'), join(root, 'test/helpers/netns-small-lab.ts'),
      ]);
      // Type errors elsewhere in a tree under construction do not stop tsc from emitting.
      expect(existsSync(join(out, 'lab/netns/lifecycle.js')), tsc.stdout + tsc.stderr).toBe(true);
      writeFileSync(join(out, 'package.json'), '{"type":"module"}\n');
      // The compiled lab runs its commands through zx: the child resolves it from the repository's node_modules.
      symlinkSync(join(root, 'node_modules'), join(out, 'node_modules'));
      const child = join(out, 'child.mjs');
      writeFileSync(
        child,
        `import { netnsUp } from './lab/netns/lifecycle.js';\nimport { smallLab } from './test/helpers/netns-small-lab.js';\n` +
          `await netnsUp(smallLab(), { prefix: 'tlt4', stateDir: ${JSON.stringify(stateDir)}, progress: (l) => console.log(l) });\nconsole.log('done');\n`,
      );
      // SIGINT half-way: up cleans up by itself and fails with "interrupted".
      {
        const proc = spawn(process.execPath, [child], { stdio: ['ignore', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        proc.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
        const code = await new Promise<number | null>((done) => {
          proc.stdout.on('data', (b: Buffer) => {
            const before = stdout;
            stdout += b.toString();
            if (!/^commands \d+\//m.test(before) && /^commands \d+\//m.test(stdout)) proc.kill('SIGINT');
          });
          proc.on('exit', (c) => done(c));
        });
        expect(code).not.toBe(0);
        expect(stdout).toMatch(/build failed \(interrupted\); removing what was made/);
        expect(stderr).toMatch(/interrupted/);
        expect(namespacesWith('tlt4')).toEqual([]);
        expect(etcWith('tlt4')).toEqual([]);
        expect(existsSync(recordPath(stateDir, 'tlt4'))).toBe(false);
      }
      for (const killAt of [/^commands \d+\//, /^pod \S+ attached by the CNI bridge plugin/, /^listeners /]) {
        const proc = spawn(process.execPath, [child], { stdio: ['ignore', 'pipe', 'inherit'] });
        const seen: string[] = [];
        await new Promise<void>((done) => {
          proc.stdout.on('data', (b: Buffer) => {
            seen.push(...b.toString().split('\n').filter(Boolean));
            if (seen.some((l) => killAt.test(l))) proc.kill('SIGKILL');
          });
          proc.on('exit', () => done());
        });
        expect(seen).not.toContain('done');
        expect(namespacesWith('tlt4').length).toBeGreaterThan(0);
        const record = readRecord(recordPath(stateDir, 'tlt4'))!;
        expect(record.state).toBe('building');
        if (killAt.source.includes('listeners')) {
          // A new up after the crash removes the crashed lab first, then builds a working one.
          await netnsUp(smallLab(), { prefix: 'tlt4', stateDir });
          for (const p of record.processes) if (p.pid) expect(processCmdline(p.pid)).toBeUndefined();
          expect(readRecord(recordPath(stateDir, 'tlt4'))!.state).toBe('up');
          expect((await createNetnsBackend({ prefix: 'tlt4', stateDir }).run('node-2/traceroute', 'ping -c 1 -W 2 10.244.1.3')).exitCode).toBe(0);
        }
        const down = await netnsDown({ prefix: 'tlt4', stateDir });
        expect(down.problems).toEqual([]);
        expect(namespacesWith('tlt4')).toEqual([]);
        expect(etcWith('tlt4')).toEqual([]);
        expect(existsSync(recordPath(stateDir, 'tlt4'))).toBe(false);
        // The CNI plugins' lease directory (host-local) goes too.
        expect(readdirSync(stateDir).filter((f) => f.includes('tlt4'))).toEqual([]);
        for (const p of record.processes) if (p.pid) expect(processCmdline(p.pid)).toBeUndefined();
      }
      expect(await rootSnapshot()).toBe(rootBefore);
      expect(readFileSync('/proc/self/mountinfo', 'utf8')).not.toMatch(/tlt4-/);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 180_000);
});
