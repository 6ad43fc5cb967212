// curl, netcat-openbsd, busybox nc and busybox wget in the simulator against the outputs FACTS-L4 §6-7 captured
// from the real tools (replica places: l4r-netshoot = node-2/netshoot, l4r-bbox = node-2/traceroute), masked as
// sim/tools/mask.ts masks them. Expected texts are pasted from FACTS-L4.md, never taken from the simulator.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { compileLabObject } from '../topology/compile.js';
import type { LabFile } from '../topology/labfile.js';
import { resolveLabPath } from '../topology/paths.js';
import { Simulator } from '../sim/simulator.js';
import { maskMilliseconds } from '../sim/tools/mask.js';

/** The three-node lab, optionally edited (dotted path of the lab file -> value), in a simulator. */
function simulator(edit?: (lab: LabFile) => void, tty = false): Simulator {
  const data = parseYaml(readFileSync(resolveLabPath('three-node'), 'utf8')) as LabFile;
  edit?.(data);
  return new Simulator(compileLabObject('three-node.yaml', data), { tty });
}

function run(sim: Simulator, at: string, line: string) {
  const [node, pod] = at.split('/');
  const device = sim.model.devices.find((d) => (pod ? d.kind === 'pod' && d.node === node && d.hostname === pod : d.id === node))!;
  const r = sim.run(device.id, line);
  return { stdout: maskMilliseconds(r.stdout), stderr: maskMilliseconds(r.stderr), exitCode: r.exitCode };
}

/** The httpd Service selects a label no pod has: no endpoints (FACTS-L4's `--no-endpoints httpd` case). */
const noEndpoints = (lab: LabFile) => {
  const svc = (lab.services ?? []).find((s) => s.name === 'httpd')!;
  (svc as { selector?: Record<string, string> }).selector = { app: 'nothing' };
};

const METER = '  % Total    % Received % Xferd  Average Speed   Time    Time     Time  Current\n'
  + '                                 Dload  Upload   Total   Spent    Left  Speed\n';

describe('curl 7.88.1 (FACTS-L4 §6)', () => {
  it('-s -o /dev/null -w %{http_code} prints 200 without a newline', () => {
    expect(run(simulator(), 'node-2/netshoot', "curl -s -o /dev/null -w '%{http_code}' http://httpd/")).toEqual({ stdout: '200', stderr: '', exitCode: 0 });
  });

  it('stdout a terminal: the body and nothing on stderr', () => {
    const r = run(simulator(undefined, true), 'node-2/netshoot', 'curl http://httpd/');
    expect(r).toEqual({ stdout: '<html><body><h1>It works!</h1></body></html>\n', stderr: '', exitCode: 0 });
  });

  it('stdout a pipe: the progress meter', () => {
    const r = run(simulator(), 'node-2/netshoot', 'curl http://httpd/');
    expect(r.stderr).toBe(maskMilliseconds(`${METER}\r  0     0    0     0    0     0      0      0 --:--:-- --:--:-- --:--:--     0\r100    45  100    45    0     0  16772      0 --:--:-- --:--:-- --:--:-- 22500\n`));
  });

  it('a Service without endpoints: kube-proxy REJECT, Connection refused, exit 7 (-v, terminal)', () => {
    const r = run(simulator(noEndpoints, true), 'node-2/netshoot', 'curl -v http://httpd/');
    expect(r).toEqual({
      stdout: '',
      stderr: maskMilliseconds('*   Trying 10.96.0.20:80...\n* connect to 10.96.0.20 port 80 failed: Connection refused\n'
        + '* Failed to connect to httpd port 80 after 1 ms: Couldn\'t connect to server\n* Closing connection 0\n'
        + 'curl: (7) Failed to connect to httpd port 80 after 1 ms: Couldn\'t connect to server\n'),
      exitCode: 7,
    });
  });

  it('a Service without endpoints, stdout a pipe', () => {
    const r = run(simulator(noEndpoints), 'node-2/netshoot', 'curl http://httpd/');
    expect(r.stderr).toBe(maskMilliseconds(`${METER}\r  0     0    0     0    0     0      0      0 --:--:-- --:--:-- --:--:--     0\r  0     0    0     0    0     0      0      0 --:--:-- --:--:-- --:--:--     0\n`
      + "curl: (7) Failed to connect to httpd port 80 after 2 ms: Couldn't connect to server\n"));
    expect(r.exitCode).toBe(7);
  });

  it('an address nobody owns: No route to host after the ARP timeout', () => {
    const r = run(simulator(undefined, true), 'node-2/netshoot', 'curl -v http://10.244.1.99/');
    expect(r.stderr).toBe(maskMilliseconds('*   Trying 10.244.1.99:80...\n* connect to 10.244.1.99 port 80 failed: No route to host\n'
      + "* Failed to connect to 10.244.1.99 port 80 after 1763 ms: Couldn't connect to server\n* Closing connection 0\n"
      + "curl: (7) Failed to connect to 10.244.1.99 port 80 after 1763 ms: Couldn't connect to server\n"));
  });

  it('--connect-timeout 2 to a port nothing answers: exit 28, Timeout was reached', () => {
    const r = run(simulator(), 'node-2/netshoot', 'curl --connect-timeout 2 http://10.96.0.20:81/');
    expect(r.stderr.endsWith(maskMilliseconds("curl: (28) Failed to connect to 10.96.0.20 port 81 after 2001 ms: Timeout was reached\n"))).toBe(true);
    expect(r.exitCode).toBe(28);
  });

  it('a name that does not resolve: exit 6', () => {
    const r = run(simulator(undefined, true), 'node-2/netshoot', 'curl -v http://nosuchsvc/');
    expect(r).toEqual({ stdout: '', stderr: '* Could not resolve host: nosuchsvc\n* Closing connection 0\ncurl: (6) Could not resolve host: nosuchsvc\n', exitCode: 6 });
  });
});

describe('netcat-openbsd 1.219 (FACTS-L4 §7)', () => {
  const cases: [string, string, number, (lab: LabFile) => void][] = [
    ['nc -zv httpd 80', 'Connection to httpd (10.96.0.20) 80 port [tcp/http] succeeded!\n', 0, () => {}],
    ['nc -zv 10.96.0.20 80', 'Connection to 10.96.0.20 80 port [tcp/http] succeeded!\n', 0, () => {}],
    ['nc -z httpd 80', '', 0, () => {}],
    ['nc -zv 10.244.1.3 81', 'nc: connect to 10.244.1.3 port 81 (tcp) failed: Connection refused\n', 1, () => {}],
    ['nc -zv httpd 80', 'nc: connect to httpd (10.96.0.20) port 80 (tcp) failed: Connection refused\n', 1, noEndpoints],
    ['nc -zv -w 2 10.96.0.20 81', 'nc: connect to 10.96.0.20 port 81 (tcp) timed out: Operation now in progress\n', 1, () => {}],
    ['nc -zv nosuchsvc 80', 'nc: getaddrinfo for host "nosuchsvc" port 80: Name or service not known\n', 1, () => {}],
    ['nc -zv 10.244.1.99 80', 'nc: connect to 10.244.1.99 port 80 (tcp) failed: No route to host\n', 1, () => {}],
  ];
  for (const [line, stderr, exitCode, edit] of cases) {
    it(`${line}${edit === noEndpoints ? ' (no endpoints)' : ''}`, () => {
      expect(run(simulator(edit), 'node-2/netshoot', line)).toEqual({ stdout: '', stderr, exitCode });
    });
  }
});

describe('busybox nc, "nc 1.10" flavour (FACTS-L4 §7)', () => {
  const cases: [string, string, number][] = [
    ['nc -zv httpd 80', 'httpd (10.96.0.20:80) open\n', 0],
    ['nc -zv 10.96.0.20 80', '10.96.0.20 (10.96.0.20:80) open\n', 0],
    ['nc -z -w 2 httpd 80', '', 0],
    ['nc -zv 10.244.1.3 81', '', 1],
    ['nc -zvv 10.244.1.3 81', 'nc: 10.244.1.3 (10.244.1.3:81): Connection refused\nsent 0, rcvd 0\n', 1],
    ['nc -zvv httpd 80', 'httpd (10.96.0.20:80) open\nsent 0, rcvd 0\n', 0],
    ['nc -zv -w 2 10.96.0.20 81', 'nc: 10.96.0.20 (10.96.0.20:81): Connection timed out\n', 1],
    ['nc -z -w 2 10.96.0.20 81', '', 1],
    ['nc -zv nosuchsvc 80', "nc: bad address 'nosuchsvc'\n", 1],
    ['nc -zv 10.244.1.99 80', 'nc: 10.244.1.99 (10.244.1.99:80): No route to host\n', 1],
  ];
  for (const [line, stderr, exitCode] of cases) {
    it(line, () => expect(run(simulator(), 'node-2/traceroute', line)).toEqual({ stdout: '', stderr, exitCode }));
  }
});

describe('busybox wget (FACTS-L4 §7)', () => {
  it('-qO- prints the page', () => {
    expect(run(simulator(), 'node-2/traceroute', 'wget -qO- http://httpd/')).toEqual({ stdout: '<html><body><h1>It works!</h1></body></html>\n', stderr: '', exitCode: 0 });
  });
  it('saving to index.html, stdout a pipe', () => {
    expect(run(simulator(), 'node-2/traceroute', 'wget http://httpd/')).toEqual({
      stdout: '',
      stderr: "Connecting to httpd (10.96.0.20:80)\nsaving to 'index.html'\nindex.html           100% |********************************|    45  0:00:00 ETA\n'index.html' saved\n",
      exitCode: 0,
    });
  });
  const errors: [string, string][] = [
    ['wget -O- http://10.244.1.3:81/', "Connecting to 10.244.1.3:81 (10.244.1.3:81)\nwget: can't connect to remote host (10.244.1.3): Connection refused\n"],
    ['wget -qO- http://nosuchsvc/', "wget: bad address 'nosuchsvc'\n"],
    ['wget -T 2 -qO- http://10.96.0.20:81/', 'wget: download timed out\n'],
    ['wget -qO- http://10.244.1.99/', "wget: can't connect to remote host (10.244.1.99): No route to host\n"],
  ];
  for (const [line, stderr] of errors) {
    it(line, () => expect(run(simulator(), 'node-2/traceroute', line)).toEqual({ stdout: '', stderr, exitCode: 1 }));
  }
});

describe('which places have the clients (topology/images.ts)', () => {
  it('busybox has no curl; httpd has no nc', () => {
    expect(run(simulator(), 'node-2/traceroute', 'curl http://httpd/')).toEqual({ stdout: '', stderr: 'sh: curl: not found\n', exitCode: 127 });
    expect(run(simulator(), 'node-1/httpd', 'nc -zv 10.96.0.20 80')).toEqual({ stdout: '', stderr: 'sh: 1: nc: not found\n', exitCode: 127 });
  });
});
