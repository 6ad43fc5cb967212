// The simulator's ping, busybox ping, mtr --report and tracepath against the real captures (masked), plus determinism.
import { describe, expect, it } from 'vitest';
import { resolvePlace } from '../topology/place.js';
import { mtr } from '../sim/tools/mtr.js';
import { busyboxPing, ping } from '../sim/tools/ping.js';
import { tracepath } from '../sim/tools/tracepath.js';
import type { ProbeTool } from '../sim/tools/registry.js';
import { maskMilliseconds } from '../sim/tools/mask.js';
import { captureSimulator, loadCaptures, replayCapture, runCaptureTool } from './helpers/captures.js';
import { inContainer } from '../sim/debug-container.js';

const captures = loadCaptures('ping-', 'bb-ping-', 'mtr-', 'tp-');

describe('ping, busybox ping, mtr and tracepath reproduce the kernel captures', () => {
  it('has captures to replay', () => {
    expect(captures.length).toBeGreaterThanOrEqual(40);
  });

  for (const capture of captures) {
    it(`${capture.name}: ${capture.argv.join(' ')}`, () => {
      const replay = replayCapture(capture);
      expect(replay.failures.map((f) => `${f.command.at}: ${f.command.run}: ${f.result.stderr.trim()}`)).toEqual([]);
      expect(replay.actual).toEqual(replay.expected);
    });
  }
});

describe('the same seed gives the same bytes', () => {
  for (const name of ['ping-reached', 'bb-ping-reached', 'mtr-report', 'tp-mtu']) {
    it(name, () => {
      const capture = captures.find((c) => c.name === name)!;
      const run = (seed: number) => runCaptureTool(captureSimulator(capture, seed).sim, capture);
      const a = run(7);
      const b = run(7);
      expect(b.stdout).toBe(a.stdout);
      expect(b.stderr).toBe(a.stderr);
      expect(b.exitCode).toBe(a.exitCode);
      // The unmasked output carries simulated times: a run must print some (so the comparison above means something).
      expect(a.stdout).toMatch(/\d\.\d/);
    });
  }
});

/** A capture without a fault: its simulator is the bare capture rig. */
const noFault = captures.find((c) => c.name === 'ping-reached')!;

/** Runs a tool in a fresh capture rig at a lab place, after `setup` commands (at node-1). */
function runAt(tool: ProbeTool, place: string, args: string[], setup: string[] = []) {
  const { sim } = captureSimulator(noFault);
  for (const line of setup) expect(sim.run('node-1', line)).toMatchObject({ exitCode: 0 });
  const where = resolvePlace(sim.model, place);
  if (!where.ok) throw new Error(where.message);
  return inContainer(sim, where.device, (id) => tool(args, sim.toolContext(id)));
}

// What the real tools printed for inputs the captures do not cover (Debian 12, iputils 20221126, busybox 1.35,
// mtr 0.95), run by hand in a scratch namespace.
describe('argument and resolution errors as the real tools word them', () => {
  const pod = 'node-2/traceroute';
  const cases: [string, ProbeTool, string[], string, string, number][] = [
    ['ping -c 0', ping, ['-c', '0', '10.244.1.3'], '', "ping: invalid argument: '0': out of range: 1 <= value <= 9223372036854775807\n", 1],
    ['ping -c abc', ping, ['-c', 'abc', '10.244.1.3'], '', "ping: invalid argument: 'abc'\n", 1],
    ['ping -t 256', ping, ['-t', '256', '-c', '1', '10.244.1.3'], '', "ping: invalid argument: '256': out of range: 0 <= value <= 255\n", 1],
    ['ping -t 0', ping, ['-t', '0', '-c', '1', '10.244.1.3'], '', 'ping: cannot set unicast time-to-live: Invalid argument\n', 2],
    ['ping -M foo', ping, ['-M', 'foo', '-c', '1', '10.244.1.3'], '', 'ping: invalid -M argument: foo\n', 2],
    ['ping without a host', ping, [], '', 'ping: usage error: Destination address required\n', 1],
    ['busybox ping -c abc', busyboxPing, ['-c', 'abc', '10.244.1.3'], '', "ping: invalid number 'abc'\n", 1],
    ['busybox ping -s 70000', busyboxPing, ['-s', '70000', '10.244.1.3'], '', 'ping: number 70000 is not in 0..65535 range\n', 1],
    ['tracepath -m 300', tracepath, ['-m', '300', '10.244.1.3'], '', "tracepath: invalid argument: '300': out of range: 0 <= value <= 255\n", 1],
    ['tracepath -m abc', tracepath, ['-m', 'abc', '10.244.1.3'], '', "tracepath: invalid argument: 'abc'\n", 1],
    ['tracepath -l 10', tracepath, ['-l', '10', '10.244.1.3'], '', 'tracepath: pktlen must be within: 28 < value <= 2147483647\n', 1],
    ['mtr unknown host', mtr, ['-r', '-n', '-c', '1', 'nosuchhost'], '', 'mtr: Failed to resolve host: nosuchhost: Name or service not known\n', 0],
    ['mtr -c abc', mtr, ['-r', '-c', 'abc', '10.244.1.3'], '', "mtr: invalid argument: 'abc'\n", 1],
  ];
  for (const [name, tool, args, stdout, stderr, exitCode] of cases) {
    it(name, () => {
      const r = runAt(tool, pod, args);
      expect({ stdout: r.stdout, stderr: r.stderr, exitCode: r.exitCode }).toEqual({ stdout, stderr, exitCode });
    });
  }

  it('usage texts: ping and tracepath with an unknown option', () => {
    const p = runAt(ping, pod, ['-Z', '10.244.1.3']);
    expect(p.exitCode).toBe(2);
    expect(p.stderr).toMatch(/^ping: invalid option -- 'Z'\n\nUsage\n {2}ping \[options\] <destination>\n/);
    const t = runAt(tracepath, pod, []);
    expect(t.exitCode).toBe(255);
    expect(t.stderr).toMatch(/^\nUsage\n {2}tracepath \[options\] <destination>\n[^]*For more details see tracepath\(8\)\.\n$/);
  });

  it('help texts have the real byte counts (ping -h 2110, busybox ping -h 663, tracepath -h 414, mtr --help 2093)', () => {
    expect(runAt(ping, pod, ['-h'])).toMatchObject({ stdout: '', exitCode: 2 });
    expect(runAt(ping, pod, ['-h']).stderr).toHaveLength(2110);
    expect(runAt(busyboxPing, pod, ['-h'])).toMatchObject({ stdout: '', exitCode: 1 });
    expect(runAt(busyboxPing, pod, ['-h']).stderr).toHaveLength(663);
    expect(runAt(tracepath, pod, ['-h'])).toMatchObject({ stdout: '', exitCode: 255 });
    expect(runAt(tracepath, pod, ['-h']).stderr).toHaveLength(414);
    expect(runAt(mtr, pod, ['--help'])).toMatchObject({ stderr: '', exitCode: 0 });
    expect(runAt(mtr, pod, ['--help']).stdout).toHaveLength(2093);
    expect(runAt(tracepath, pod, ['-V']).stdout).toBe('tracepath from iputils 20221126\nlibcap: yes, IDN: yes, NLS: no, error.h: yes, getrandom(): yes, __fpending(): yes\n');
  });

  it('mtr from a node with no route to the target', () => {
    const r = runAt(mtr, 'node-2', ['-r', '-n', '-c', '1', '192.0.2.1']);
    expect(r).toMatchObject({ stdout: '', stderr: 'mtr: udp socket connect failed: Network is unreachable\n', exitCode: 1 });
  });
});

describe('timing options and limits', () => {
  it('ping -w 2 -i 0.5 sends four requests, as the real ping does', () => {
    const r = runAt(ping, 'node-2/traceroute', ['-w', '2', '-i', '0.5', '10.244.1.3']);
    expect(r.stdout).toMatch(/\n4 packets transmitted, 4 received, 0% packet loss, time \d+ms\n/);
    expect(r.exitCode).toBe(0);
  });

  it('ping -s 65508 is a local error (the packet would exceed 65535 bytes)', () => {
    const r = runAt(ping, 'node-2/traceroute', ['-c', '1', '-s', '65508', '10.244.1.3']);
    expect(r.stdout).toContain('1 packets transmitted, 0 received, +1 errors, 100% packet loss');
    expect(r.stderr).toBe('ping: local error: message too long, mtu=65535\n');
  });

  it('ping moves the simulated clock by its interval', () => {
    const { sim } = captureSimulator(noFault);
    const where = resolvePlace(sim.model, 'node-2/traceroute');
    if (!where.ok) throw new Error(where.message);
    const ctx = sim.toolContext(where.device.id);
    const before = ctx.nowMs();
    ping(['-c', '3', '-i', '0.5', '10.244.1.3'], ctx);
    expect(ctx.nowMs() - before).toBeGreaterThanOrEqual(1000);
    expect(ctx.nowMs() - before).toBeLessThan(1100);
  });

  it('mtr --report-wide sizes the host column to the longest name', () => {
    const r = runAt(mtr, 'node-2', ['--report-wide', '--report-cycles=1', '10.244.1.3']);
    const lines = r.stdout.split('\n');
    expect(lines[1]).toBe('HOST: node-2 Loss%   Snt   Last   Avg  Best  Wrst StDev');
    expect(lines[2]).toMatch(/^ {2}1\.\|-- node-1  0\.0%     1 /);
    expect(lines[3]).toMatch(/^ {2}2\.\|-- httpd   0\.0%     1 /);
  });
});

// Outputs of the real tools in a namespace copy of the rig (pod -> node-2 -> node-1), taken by hand for cases the
// captures lack: an address of the pod's own subnet that never answers ARP, and a routing loop between the nodes.
describe('kernel-checked paths beyond the captures', () => {
  const pod = 'node-2/traceroute';
  const loop = ['ip route del 198.51.100.0/24', 'ip route add 198.51.100.0/24 via 192.168.56.12'];

  it('ping to a neighbour that never answers ARP: the pod itself reports it, both requests outstanding', () => {
    const r = runAt(ping, pod, ['-c', '2', '-i', '0.2', '10.244.2.99']);
    expect(maskMilliseconds(r.stdout)).toBe(
      'PING 10.244.2.99 (10.244.2.99) 56(84) bytes of data.\n' +
        'From 10.244.2.2 icmp_seq=1 Destination Host Unreachable\nFrom 10.244.2.2 icmp_seq=2 Destination Host Unreachable\n\n' +
        '--- 10.244.2.99 ping statistics ---\n2 packets transmitted, 0 received, +2 errors, 100% packet loss, time #ms\npipe 2\n',
    );
    expect(r.exitCode).toBe(1);
  });

  it('tracepath to a neighbour that never answers ARP: one !H line, about three seconds late', () => {
    const r = runAt(tracepath, pod, ['-n', '10.244.2.99']);
    expect(maskMilliseconds(r.stdout)).toBe(
      ' 1?: [LOCALHOST]                      pmtu 1500\n 1:  10.244.2.2 #ms !H\n     Resume: pmtu 1500 \n',
    );
    expect(r.stdout).toMatch(/ 30\d\d\.\d{3}ms !H/);
  });

  it('busybox ping to it prints no error lines', () => {
    const r = runAt(busyboxPing, pod, ['-c', '2', '-W', '1', '10.244.2.99']);
    expect(r.stdout).toBe(
      'PING 10.244.2.99 (10.244.2.99): 56 data bytes\n\n--- 10.244.2.99 ping statistics ---\n2 packets transmitted, 0 packets received, 100% packet loss\n',
    );
  });

  it('mtr to it shows the pod itself with the ARP delay', () => {
    const r = runAt(mtr, pod, ['-r', '-n', '-c', '2', '-i', '0.2', '10.244.2.99']);
    expect(maskMilliseconds(r.stdout).split('\n').slice(1)).toEqual([
      'HOST: traceroute                  Loss%   Snt   Last   Avg  Best  Wrst StDev',
      '  1.|-- 10.244.2.2                 0.0%     2 #',
      '',
    ]);
    expect(r.stdout).toMatch(/ {2}2\d{3}\. +2\d{3}\. +2\d{3}\. +3\d{3}\. /);
  });

  it('ping -M do bigger than the pod MTU: local errors on stderr, counted unless -q', () => {
    const loud = runAt(ping, pod, ['-c', '2', '-i', '0.2', '-M', 'do', '-s', '1500', '192.168.56.11']);
    expect(maskMilliseconds(loud.stdout)).toBe(
      'PING 192.168.56.11 (192.168.56.11) 1500(1528) bytes of data.\n\n--- 192.168.56.11 ping statistics ---\n' +
        '2 packets transmitted, 0 received, +2 errors, 100% packet loss, time #ms\n\n',
    );
    expect(loud.stderr).toBe('ping: local error: message too long, mtu=1500\n'.repeat(2));
    const quiet = runAt(ping, pod, ['-c', '2', '-i', '0.2', '-q', '-M', 'do', '-s', '1500', '192.168.56.11']);
    expect(maskMilliseconds(quiet.stdout)).toContain('\n2 packets transmitted, 0 received, 100% packet loss, time #ms\n\n');
    expect(quiet.stderr).toBe('');
  });

  it('tracepath to the host itself: lo has room for 65535 bytes, so no [LOCALHOST] line', () => {
    const r = runAt(tracepath, pod, ['-n', '127.0.0.1']);
    expect(maskMilliseconds(r.stdout)).toBe(' 1:  127.0.0.1 #ms reached\n     Resume: pmtu 65535 hops 1 back 1 \n');
  });

  it('tracepath through a routing loop: asymm on the hops whose answer comes back shorter', () => {
    const r = runAt(tracepath, pod, ['-n', '-m', '4', '198.51.100.1'], loop);
    expect(maskMilliseconds(r.stdout)).toBe(
      ' 1?: [LOCALHOST]                      pmtu 1500\n 1:  10.244.2.1 #ms \n 1:  10.244.2.1 #ms \n 2:  192.168.56.11 #ms \n' +
        ' 3:  10.244.2.1 #ms asymm  1 \n 4:  192.168.56.11 #ms asymm  2 \n     Too many hops: pmtu 1500\n     Resume: pmtu 1500 \n',
    );
  });

  it('mtr through a routing loop lists the two routers in turn up to -m', () => {
    const r = runAt(mtr, pod, ['-r', '-n', '-c', '3', '-i', '0.2', '-m', '5', '198.51.100.1'], loop);
    const hosts = r.stdout.split('\n').slice(2, -1).map((l) => /\|-- (\S+) +0\.0% +3 /.exec(l)?.[1]);
    expect(hosts).toEqual(['10.244.2.1', '192.168.56.11', '10.244.2.1', '192.168.56.11', '10.244.2.1']);
  });
});

// mtr 0.95's other end-of-run formats, shaped as the real binary printed them for `mtr -j|-C|-x -c 2 127.0.0.1`.
describe('mtr --json, --csv and --xml', () => {
  const pod = 'node-2/traceroute';
  const args = ['-n', '-c', '2', '-i', '0.2', '10.244.1.3'];

  it('--json: jansson layout, reals with a decimal point', () => {
    const r = runAt(mtr, pod, ['-j', ...args]);
    const lines = r.stdout.split('\n');
    expect(lines.slice(0, 16)).toEqual([
      '{', '    "report": {', '        "mtr": {', '            "src": "traceroute",', '            "dst": "10.244.1.3",',
      '            "tos": 0,', '            "tests": 2,', '            "psize": "64",', '            "bitpattern": "0x00"',
      '        },', '        "hubs": [', '            {', '                "count": 1,', '                "host": "10.244.2.1",',
      '                "Loss%": 0.0,', '                "Snt": 2,',
    ]);
    expect(lines.slice(16, 21).every((l) => /^ {16}"(Last|Avg|Best|Wrst|StDev)": \d+\.\d+,?$/.test(l))).toBe(true);
    const parsed = JSON.parse(r.stdout) as { report: { hubs: { host: string }[] } };
    expect(parsed.report.hubs.map((h) => h.host)).toEqual(['10.244.2.1', '192.168.56.11', '10.244.1.3']);
  });

  it('--csv: a header, then one line per hop with %.2f figures', () => {
    const lines = runAt(mtr, pod, ['-C', ...args]).stdout.split('\n');
    expect(lines[0]).toBe('Mtr_Version,Start_Time,Status,Host,Hop,Ip,Loss%,Snt, ,Last,Avg,Best,Wrst,StDev,');
    expect(lines[1]).toMatch(/^MTR\.0\.95,\d+,OK,10\.244\.1\.3,1,10\.244\.2\.1,0\.00,2,0(,\d+\.\d\d){5}$/);
    expect(lines).toHaveLength(5);
  });

  it('--xml: the report formats inside tags', () => {
    const lines = runAt(mtr, pod, ['-x', ...args]).stdout.split('\n');
    expect(lines.slice(0, 5)).toEqual([
      '<?xml version="1.0"?>',
      '<MTR SRC="traceroute" DST="10.244.1.3" TOS="0x0" PSIZE="64" BITPATTERN="0x00" TESTS="2">',
      '    <HUB COUNT="1" HOST="10.244.2.1">',
      '        <Loss>  0.0%</Loss>',
      '        <Snt>     2</Snt>',
    ]);
    expect(lines.at(-2)).toBe('</MTR>');
  });
});
