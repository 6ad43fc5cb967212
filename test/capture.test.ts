// Packet capture on the simulator checked against the real tools: the pcap files the tap writes are read by the real
// `tcpdump -r` and `tshark -r`, and the simulator's tcpdump text (its decode, flags, filters, errors) must equal what
// the real tcpdump prints for the very same bytes.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLab } from '../index.js';
import { findProgram, runArgv } from '../lab/process.js';
import { openCapture, type LabCapture } from '../sim/capture/oneshot.js';
import { writePlaceFile } from '../sim/capture/place-files.js';
import { maskMilliseconds } from '../sim/tools/mask.js';
import { quoteWord } from '../sim/words.js';
import { runCli } from './helpers/cli.js';

const TCPDUMP = findProgram('tcpdump');
const TSHARK = findProgram('tshark');
const UTC = { ...process.env, TZ: 'UTC' };

/** The traffic the captures see: echo, TTL expiry at two hops, a traceroute, a refused and an accepted TCP connect, a
 * host unreachable after failed ARP, a frag-needed, a UDP port unreachable. */
const TRAFFIC = [
  'ping -c 2 10.244.1.3', 'ping -c 1 -t 1 10.244.1.3', 'ping -c 1 -t 2 10.244.1.3', 'traceroute -n -q 1 -m 4 10.244.1.3',
  'nc -zv -w 1 10.244.1.3 81', 'curl -s -o /dev/null http://10.96.0.20', 'ping -c 1 -W 5 10.244.1.99', 'nc -zuv -w 1 10.244.1.3 9999',
  // DNS: the search walk (NXDOMAIN with SOA), an answer, EDNS with a cookie (dig), a forwarded name, a query to a pod
  // without a DNS server (the ICMP error quotes the whole query).
  'nslookup httpd', 'nslookup nosuch', 'dig httpd.default.svc.cluster.local', 'dig +short api.example.com', 'nslookup api.example.com', 'dig +tries=1 +timeout=1 @10.244.1.3 httpd',
];

let dir = '';
const files: Record<string, string> = {};
let texts: Record<string, string> = {};
let lab: ReturnType<typeof openLab>;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tracelab-capture-'));
  lab = openLab();
  const taps: Record<string, LabCapture> = {
    pod: openCapture(lab.sim, lab.model.devices.find((d) => d.id.endsWith('netshoot'))!.id, 'eth0'),
    cni0: openCapture(lab.sim, 'node-1', 'cni0'),
    eth1: openCapture(lab.sim, 'node-1', 'eth1'),
  };
  for (const c of TRAFFIC) lab.run('netshoot', c);
  lab.run('node-2', 'ip link set eth1 mtu 1400');
  lab.run('netshoot', 'ping -c 1 -M do -s 1472 10.244.1.3');
  texts = {};
  for (const [name, cap] of Object.entries(taps)) {
    cap.stop();
    files[name] = join(dir, `${name}.pcap`);
    writeFileSync(files[name], cap.pcap());
    texts[name] = cap.text();
  }
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The simulator's `tcpdump ARGS -r FILE` at netshoot, on the same file's bytes. */
function simTcpdump(file: string, args: string): { stdout: string; stderr: string; exitCode: number } {
  const device = lab.model.devices.find((d) => d.id.endsWith('netshoot'))!.id;
  writePlaceFile(lab.sim.dp, device, file, readFileSync(file));
  return lab.run('netshoot', `tcpdump ${args} -r ${file}`);
}

describe.skipIf(!TCPDUMP)('the real tcpdump reads the tap\'s pcap files as the simulator prints them (skipped: tcpdump not installed)', () => {
  it('captures every kind of packet the traffic makes', () => {
    expect(texts.pod).toMatch(/ICMP echo request, id \d+, seq 1, length 64\n/);
    expect(texts.pod).toContain('IP 10.244.2.1 > 10.244.2.3: ICMP time exceeded in-transit, length 92\n');
    expect(texts.pod).toContain('IP 192.168.56.11 > 10.244.2.3: ICMP host 10.244.1.99 unreachable, length 92\n');
    expect(texts.pod).toContain('ICMP 10.244.1.3 unreachable - need to frag (mtu 1400), length 556\n');
    expect(texts.pod).toMatch(/IP 10\.96\.0\.20\.80 > 10\.244\.2\.3\.\d+: Flags \[S\.\], seq \d+, ack \d+, win 65160/);
    expect(texts.cni0).toContain('ARP, Request who-has 10.244.1.99 tell 10.244.1.1, length 28\n');
    expect(texts.cni0).toMatch(/IP 10\.244\.2\.3\.\d+ > 10\.244\.1\.3\.80: Flags \[S\]/); // DNAT already done on cni0
    expect(texts.eth1).toContain('IP 192.168.56.11 > 10.244.2.3: ICMP time exceeded in-transit, length 92\n');
    // FACTS-L4 §8's DNS lines (ids and ports vary).
    expect(texts.pod).toMatch(/: \d+\+ A\? httpd\.default\.svc\.cluster\.local\. \(49\)\n/);
    expect(texts.pod).toMatch(/: \d+\*- 1\/0\/0 A 10\.96\.0\.20 \(96\)\n/);
    expect(texts.pod).toMatch(/: \d+ NXDomain\*- 0\/1\/0 \(143\)\n/);
    expect(texts.pod).toMatch(/: \d+\+ \[1au\] A\? httpd\.default\.svc\.cluster\.local\. \(72\)\n/);
    expect(texts.pod).toMatch(/: \d+\*- 1\/0\/1 A 10\.96\.0\.20 \(119\)\n/);
    expect(texts.pod).toMatch(/: \d+ 1\/0\/0 A 203\.0\.113\.10 \(64\)\n/);
    // FACTS-L4 §8's HTTP exchange after the handshake (curl to the ClusterIP; TS values vary).
    const ts = 'options \\[nop,nop,TS val \\d+ ecr \\d+\\]';
    const conversation = [
      `Flags \\[\\.\\], ack 1, win 63, ${ts}, length 0`,
      `Flags \\[P\\.\\], seq 1:75, ack 1, win 63, ${ts}, length 74: HTTP: GET / HTTP/1\\.1`,
      `Flags \\[\\.\\], ack 75, win 64, ${ts}, length 0`,
      `Flags \\[P\\.\\], seq 1:271, ack 75, win 64, ${ts}, length 270: HTTP: HTTP/1\\.1 200 OK`,
      `Flags \\[\\.\\], ack 271, win 63, ${ts}, length 0`,
      `Flags \\[F\\.\\], seq 75, ack 271, win 63, ${ts}, length 0`,
      `Flags \\[F\\.\\], seq 271, ack 76, win 64, ${ts}, length 0`,
      `Flags \\[\\.\\], ack 272, win 63, ${ts}, length 0`,
    ];
    expect(texts.pod).toMatch(new RegExp(conversation.map((c) => `: ${c}\\n`).join('.*'), 's'));
  });

  for (const flags of ['-n', '-nt', '-ne', '-nv', '-nvv', '-nvvv', '-nA', '-nX', '-nx', '-nAA', '-nXX', '-nxx', '-nvX', '-nAX', '-nAx', '-nq', '-ntttt', '-nn -c 3']) {
    it(`tcpdump ${flags} -r: the simulator's lines equal the real tcpdump's for the same bytes`, async () => {
      for (const name of ['pod', 'cni0', 'eth1']) {
        const real = await runArgv([TCPDUMP!, ...flags.split(' '), '-r', files[name]!], { env: UTC });
        expect(real.exitCode).toBe(0);
        const sim = simTcpdump(files[name]!, flags);
        expect(sim.stdout).toBe(real.stdout);
        expect(sim.stderr).toBe(real.stderr);
      }
    });
  }

  it('the tap text (`tcpdump -n`) is what the real tcpdump -nr prints of the written file', async () => {
    for (const name of ['pod', 'cni0', 'eth1']) {
      const real = await runArgv([TCPDUMP!, '-nr', files[name]!], { env: UTC });
      expect(texts[name]).toBe(real.stdout);
    }
  });

  it('checksums and lengths are right: tcpdump -vv finds no bad checksum', async () => {
    for (const name of ['pod', 'cni0', 'eth1']) {
      const real = await runArgv([TCPDUMP!, '-nvv', '-r', files[name]!], { env: UTC });
      expect(real.stdout).not.toMatch(/bad|incorrect|wrong/);
      expect(real.stdout).not.toContain('truncated');
    }
  });

  const FILTERS = [
    'icmp', 'tcp', 'udp', 'arp', 'host 10.244.1.3', 'src host 10.244.2.3', 'dst 10.244.2.3', 'net 10.244.1.0/24', 'net 192.168',
    'port 80', 'tcp port 81', 'udp and not port 53', 'icmp or arp', 'not icmp', '(tcp or udp) and dst port 9999', 'portrange 33434-33436',
    'tcp[tcpflags] & (tcp-syn|tcp-rst) != 0', 'tcp[tcpflags] == tcp-syn', 'src 10.244.2.3 && (icmp || tcp)', '! arp', 'ip',
    'net 10.244.1.0 mask 255.255.255.0', 'dst net 10.96.0.0/12', 'host 10.244.1', 'portrange 33436-33434', 'udp port domain or icmp',
  ];
  for (const filter of FILTERS) {
    it(`filter "${filter}" selects what the real tcpdump selects`, async () => {
      for (const name of ['pod', 'cni0']) {
        const real = await runArgv([TCPDUMP!, '-n', '-r', files[name]!, filter], { env: UTC });
        expect(real.exitCode).toBe(0);
        const device = lab.model.devices.find((d) => d.id.endsWith('netshoot'))!.id;
        writePlaceFile(lab.sim.dp, device, files[name]!, readFileSync(files[name]!));
        const sim = lab.sim.run(device, `tcpdump -n -r ${files[name]} ${quoteWord(filter)}`);
        expect(sim.stdout).toBe(real.stdout);
      }
    });
  }

  for (const bad of ['tcp port', 'host', 'foo', 'port 99999', 'net 10.244.1.1/24', 'tcp and', 'host foo', 'port foo', 'net foo', 'portrange 5-99999', 'net 10.244.1.0/33', 'src and']) {
    it(`filter "${bad}" fails with the real tcpdump's error`, async () => {
      const real = await runArgv([TCPDUMP!, '-n', '-r', files.pod!, ...bad.split(' ')], { env: UTC });
      const sim = simTcpdump(files.pod!, `-n ${quoteWord(bad)}`);
      expect(sim.stderr).toBe(real.stderr);
      expect(sim.exitCode).toBe(real.exitCode);
    });
  }
});

describe.skipIf(!TSHARK)('tshark reads the pcap files (skipped: tshark not installed)', () => {
  it('decodes every frame without errors', async () => {
    for (const name of ['pod', 'cni0', 'eth1']) {
      const real = await runArgv([TSHARK!, '-r', files[name]!]);
      expect(real.exitCode).toBe(0);
      expect(real.stdout.trimEnd().split('\n')).toHaveLength(texts[name]!.trimEnd().split('\n').length);
      expect(real.stdout).not.toMatch(/Malformed|Bogus|\[Packet size limited/);
    }
  });
});

describe.skipIf(!TCPDUMP || !TSHARK)('tracelab exec --tap --pcap (skipped: tcpdump or tshark not installed)', () => {
  it('writes the file the issue asks for: tshark and tcpdump -nr read the packets the simulator printed', async () => {
    const file = join(dir, 't.pcap');
    const r = await runCli(['exec', 'netshoot', '--tap', 'node-1:eth1', '--pcap', file, '--', 'traceroute', '-n', '-q', '1', '10.244.1.3']);
    expect(r.code).toBe(0);
    const printed = r.out.split('# tcpdump -n -i eth1 at node-1\n')[1]!;
    expect(printed).toMatch(/ICMP time exceeded in-transit, length 68\n/);
    const real = await runArgv([TCPDUMP!, '-nr', file], { env: UTC });
    expect(`${real.stdout}\n`).toBe(printed); // stopped like Ctrl-C: tcpdump's blank line
    const shark = await runArgv([TSHARK!, '-r', file]);
    expect(shark.stdout.trimEnd().split('\n')).toHaveLength(printed.trimEnd().split('\n').length);
    expect(r.err).toContain('tcpdump: verbose output suppressed, use -v[v]... for full protocol decode\nlistening on eth1, link-type EN10MB (Ethernet), snapshot length 262144 bytes\n');
  });
});

describe('masking tcpdump lines for comparison (FACTS-L4 §1 fields)', () => {
  it('masks times, ephemeral ports, absolute sequence numbers, TS values, echo ids and DNS ids, nothing else', () => {
    const line = '20:17:26.264160 IP 10.96.0.20.80 > 10.244.2.3.38794: Flags [S.], seq 2186281359, ack 3064280130, win 65160, options [mss 1460,sackOK,TS val 2193102447 ecr 2311764198,nop,wscale 10], length 0';
    expect(maskMilliseconds(line)).toBe('# IP 10.96.0.20.80 > 10.244.2.3.#: Flags [S.], seq #, ack #, win 65160, options [mss 1460,sackOK,TS val # ecr #,nop,wscale 10], length 0');
    expect(maskMilliseconds('20:17:00.035573 IP 10.244.2.3 > 10.244.1.3: ICMP echo request, id 3101, seq 1, length 64')).toBe('# IP 10.244.2.3 > 10.244.1.3: ICMP echo request, id #, seq 1, length 64');
    expect(maskMilliseconds('20:17:26.263571 IP 10.96.0.10.53 > 10.244.2.3.32809: 40682*- 1/0/0 A 10.96.0.20 (96)')).toBe('# IP 10.96.0.10.53 > 10.244.2.3.#: #*- 1/0/0 A 10.96.0.20 (96)');
    expect(maskMilliseconds('10 packets received by filter')).toBe('# packets received by filter');
    expect(maskMilliseconds('20:17:09.413582 IP 10.244.1.3 > 10.244.2.3: ICMP 10.244.1.3 udp port 9999 unreachable, length 39')).toBe('# IP 10.244.1.3 > 10.244.2.3: ICMP 10.244.1.3 udp port 9999 unreachable, length 39');
  });
});
