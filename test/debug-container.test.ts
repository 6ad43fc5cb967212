// Debug containers (place POD+IMAGE, `kubectl debug -it` in the training shell), the Debian slim images' programs, pod
// shells' messages and busybox's ps in pods. Expected texts: kubectl's source (pkg/cmd/debug/debug.go, attach.go),
// the real dash and bash on this machine, the images' Dockerfiles and published captures of busybox's ps.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadLab } from '../topology/compile.js';
import { placeOf, resolvePlace } from '../topology/place.js';
import { hasTool } from '../topology/images.js';
import { Simulator } from '../sim/simulator.js';
import { runAtPlace } from './helpers/at-place.js';
import { loadScenarioFile } from '../lab/scenario/index.js';
import { createSimBackend } from '../lab/sim.js';
import { TrainingSession } from '../lab/train/session.js';
import { podShellNotFound } from '../lab/train/pod-shell.js';
import { runArgv } from '../lab/process.js';

const lab = loadLab('three-node');
const dash = await runArgv(['dash', '-c', 'true']).catch(() => undefined);
if (dash?.exitCode !== 0) console.log('skipping the comparison with the real dash: dash is not installed');
const work = mkdtempSync(join(tmpdir(), 'tracelab-debug-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the place POD+IMAGE', () => {
  it('is the pod with the debug image\'s programs, and prints back as it was written', () => {
    const r = resolvePlace(lab, 'node-1/nginx+netshoot');
    expect(r.ok && { id: r.device.id, kind: r.device.kind, image: r.device.image, toolset: r.device.toolset, resolver: r.device.resolver }).toEqual({ id: 'nginx', kind: 'pod', image: 'netshoot', toolset: 'linux', resolver: 'musl' });
    expect(r.ok && placeOf(r.device)).toBe('node-1/nginx+netshoot');
    const bb = resolvePlace(lab, 'httpd+busybox:1.36');
    expect(bb.ok && [bb.device.toolset, placeOf(bb.device)]).toEqual(['busybox', 'node-1/httpd+busybox:1.36']);
  });

  it('is refused for nodes, unknown pods and words that are not image references', () => {
    expect(resolvePlace(lab, 'node-1+netshoot')).toMatchObject({ ok: false, message: '"node-1+netshoot": debug containers run in pods, and node-1 is a node' });
    expect(resolvePlace(lab, 'nope+netshoot')).toMatchObject({ ok: false });
    expect(resolvePlace(lab, 'nginx+Net Shoot')).toMatchObject({ ok: false });
  });
});

describe('Debian slim images (nginx: bookworm-slim, httpd: trixie-slim) have no network tools', () => {
  const nginx = lab.device('nginx')!;
  const httpd = lab.device('httpd')!;
  it('has what the Dockerfiles leave: coreutils, getent, nginx\'s curl; no iproute2, iputils, traceroute, iptables, procps', () => {
    for (const tool of ['ip', 'ping', 'traceroute', 'tracepath', 'mtr', 'tcptraceroute', 'iptables', 'iptables-save', 'sysctl', 'ps', 'arp', 'ss', 'nstat', 'tcpdump', 'dig', 'nc', 'wget']) {
      expect({ tool, nginx: hasTool(nginx, tool), httpd: hasTool(httpd, tool) }).toEqual({ tool, nginx: false, httpd: false });
    }
    for (const tool of ['cat', 'echo', 'uname', 'hostname', 'getent']) expect([tool, hasTool(httpd, tool)]).toEqual([tool, true]);
    expect([hasTool(nginx, 'curl'), hasTool(httpd, 'curl')]).toEqual([true, false]);
  });

  it('says so as dash does under sh -c, and a netshoot debug container in the pod runs them in its namespace', () => {
    const sim = new Simulator(lab);
    expect(runAtPlace(sim, 'httpd', 'ip route')).toMatchObject({ stdout: '', stderr: 'sh: 1: ip: not found\n', exitCode: 127 });
    // The pod's routes as the kernel lists them (test/cni-kernel.test.ts compares this place with the namespace lab).
    expect(runAtPlace(sim, 'httpd+netshoot', 'ip route').stdout).toBe('default via 10.244.1.1 dev eth0 \n10.244.0.0/16 via 10.244.1.1 dev eth0 \n10.244.1.0/24 dev eth0 proto kernel scope link src 10.244.1.3 \n');
    expect(runAtPlace(sim, 'httpd+netshoot', 'hostname').stdout).toBe('httpd\n');
    // Afterwards the pod is itself again.
    expect(runAtPlace(sim, 'httpd', 'ping -c 1 10.244.1.2').exitCode).toBe(127);
  });
});

/** A training session on forwarding-off-node-1 from node-2; returns what LINES printed. */
async function train(lines: readonly string[]): Promise<string> {
  let out = '';
  const s = new TrainingSession({ scenario: loadScenarioFile('scenarios/forwarding-off-node-1.yaml'), makeBackend: () => createSimBackend(), out: (t) => (out += t), diagramDir: work, startAt: 'node-2' });
  await s.start();
  out = '';
  for (const line of lines) {
    out += s.prompt() + line + '\n';
    await s.handle(line);
  }
  await s.finish();
  return out;
}

describe('kubectl debug in the training shell (kubectl 1.31: debug.go Validate, computeDebugContainerName; attach.go)', () => {
  it('opens a debug container with kubectl\'s lines, runs the image\'s tools in the pod, and says how to reattach on exit', async () => {
    const out = await train(['kubectl debug -it nginx --image=nicolaka/netshoot --target=nginx', 'hostname', 'exit']);
    const name = /Defaulting debug container name to (debugger-[bcdfghjklmnpqrstvwxz2456789]{5})\./.exec(out)?.[1];
    expect(name).toBeDefined();
    expect(out).toBe([
      'vagrant@node-2:~$ kubectl debug -it nginx --image=nicolaka/netshoot --target=nginx',
      'Targeting container "nginx". If you don\'t see processes from this container it may be because the container runtime doesn\'t support this feature.',
      `Defaulting debug container name to ${name}.`,
      'If you don\'t see a command prompt, try pressing enter.',
      // The pod's UTS namespace: the debug container's hostname is the pod's.
      'nginx:~# hostname',
      'nginx',
      'nginx:~# exit',
      `Session ended, the ephemeral container will not be restarted but may be reattached using 'kubectl attach nginx -c ${name} -i -t' if it is still running`,
      '',
    ].join('\n'));
  });

  it('checks its arguments in kubectl\'s order and wording', async () => {
    const out = await train(['kubectl debug -it nginx', 'kubectl debug -it --image=busybox', 'kubectl debug -t nginx --image=busybox', 'kubectl debug -it nope --image=busybox', 'kubectl debug -it httpd --image=busybox --target=web']);
    expect(out).toContain('error: you must specify --image when not using --copy-to.\n');
    expect(out).toContain('error: NAME or filename is required for debug\n');
    expect(out).toContain('error: -i/--stdin is required for containers with -t/--tty=true\n');
    expect(out).toContain('Error from server (NotFound): pods "nope" not found\n');
    expect(out).toContain('The Pod "httpd" is invalid: spec.ephemeralContainers[0].targetContainerName: Not found: "web"\n');
  });

  it('names each new container differently, from the seed', async () => {
    const a = await train(['kubectl debug httpd --image=busybox', 'kubectl debug httpd --image=busybox']);
    const names = [...a.matchAll(/debugger-\w{5}/g)].map((m) => m[0]);
    expect(names).toHaveLength(2);
    expect(names[0]).not.toBe(names[1]);
    expect(await train(['kubectl debug httpd --image=busybox', 'kubectl debug httpd --image=busybox'])).toBe(a);
  });
});

describe('pod shells (kubectl exec -it POD -- sh | bash) in Debian slim images', () => {
  it('dash: prompt `# ` and `sh: LINE: PROGRAM: not found`; bash: `bash: PROGRAM: command not found`; no shell: the runtime\'s error', async () => {
    const out = await train(['kubectl exec -it nginx -- sh', 'ip a', '', 'ps', 'exit', 'kubectl exec -it httpd -- bash', 'ip a', 'exit', 'kubectl exec nginx -- ip a']);
    expect(out).toContain('# ip a\nsh: 1: ip: not found\n# \n# ps\nsh: 3: ps: not found\n');
    expect(out).toContain('root@httpd:/# ip a\nbash: ip: command not found\n');
    expect(out).toContain('OCI runtime exec failed: exec failed: unable to start container process: exec: "ip": executable file not found in $PATH: unknown\n');
  });

  it.skipIf(dash?.exitCode !== 0)('numbers its messages as the real dash does, empty lines included', async () => {
    const real = await runArgv(['dash', '-i'], { input: 'nosuchcmd\n\nnosuchcmd2\n' });
    const httpd = lab.device('httpd')!;
    const mine = [podShellNotFound(httpd, 'dash', 'nosuchcmd', 1)!.stderr, podShellNotFound(httpd, 'dash', 'nosuchcmd2', 3)!.stderr];
    for (const m of mine) expect(real.stderr).toContain(m);
  });
});

describe('ps in pods: busybox\'s applet (busybox, netshoot)', () => {
  // Published captures of busybox's ps in Kubernetes pods: `PID   USER     TIME  COMMAND`, `    1 root      0:00 /pause`,
  // `   30 101       0:00 nginx: worker process` (nginx's workers seen from a debug container with --target).
  it('lists the pod\'s processes in busybox\'s layout', () => {
    const sim = new Simulator(lab);
    expect(runAtPlace(sim, 'node-2/traceroute', 'ps').stdout).toBe('PID   USER     TIME  COMMAND\n    1 root      0:00 sleep 1000000000\n    7 root      0:00 sh\n   13 root      0:00 ps\n');
    const nginx = runAtPlace(sim, 'nginx+netshoot', 'ps aux').stdout.split('\n');
    expect(nginx.slice(0, 4)).toEqual(['PID   USER     TIME  COMMAND', '    1 root      0:00 nginx: master process nginx -g daemon off;', '   29 101       0:00 nginx: worker process', '   30 101       0:00 nginx: worker process']);
    expect(runAtPlace(sim, 'nginx', 'ps')).toMatchObject({ stderr: 'sh: 1: ps: not found\n', exitCode: 127 });
  });
});
