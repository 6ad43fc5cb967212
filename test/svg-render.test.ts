// The SVG pictures: the lab drawn with every device and address, well-formed XML, deterministic; a probe's path drawn
// on it with hops numbered and the failing hop marked; the CLI's `topo graph --format svg` and `exec --svg`; and a
// real render in headless Chromium when it is installed.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import { renderLabSvg } from '../topology/svg/svg.js';
import { pathOf } from '../topology/svg/svg-path.js';
import { Simulator } from '../sim/simulator.js';
import type { TraceRecord } from '../topology/trace.js';
import { formatIp } from '../topology/address.js';
import { compileLabObject, loadLab } from '../topology/compile.js';
import { generatedLab } from './helpers/labs.js';

const hasPython = spawnSync('python3', ['-c', 'import xml.etree.ElementTree'], { stdio: 'ignore' }).status === 0;
if (!hasPython) console.log('skipping SVG XML parsing checks: python3 (with xml.etree) is not installed');
const chromium = ['chromium', 'chromium-browser', 'google-chrome'].find((c) => spawnSync('which', [c], { stdio: 'ignore' }).status === 0);
if (!chromium) console.log('skipping the Chromium render test: no chromium on PATH (apt-get install chromium)');

const work = mkdtempSync(join(tmpdir(), 'tracelab-svg-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Parses SVG text with a real XML parser; returns the number of elements, or throws with the parser's message. */
function parseXml(svg: string): number {
  const r = spawnSync('python3', ['-c', 'import sys, xml.etree.ElementTree as E; print(sum(1 for _ in E.fromstring(sys.stdin.read()).iter()))'], { input: svg, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`not well-formed XML: ${r.stderr}`);
  return Number(r.stdout.trim());
}

function traceOf(sim: Simulator, place: string, command: string): { trace: TraceRecord; stdout: string } {
  const r = sim.run(place, command);
  const trace = r.traces?.[r.traces.length - 1];
  if (!trace) throw new Error(`${command} at ${place} made no trace record: ${r.stderr}`);
  return { trace, stdout: r.stdout };
}

describe('the lab picture', () => {
  const lab = loadLab('three-node');
  const svg = renderLabSvg(lab);

  it.skipIf(!hasPython)('is well-formed XML', () => {
    expect(parseXml(svg)).toBeGreaterThan(50);
  });

  it('shows every device and every address', () => {
    for (const d of lab.devices) {
      expect(svg, d.id).toContain(`data-device="${d.id}"`);
      for (const i of d.interfaces) {
        if (i.kind === 'loopback') continue;
        for (const a of i.addrs) expect(svg, `${d.id} ${i.name}`).toContain(formatIp(a.ip));
      }
    }
    for (const name of ['cni0 10.244.0.1/24', 'cni0 10.244.1.1/24', 'cni0 10.244.2.1/24', 'eth1', '192.168.56.1', 'gateway 10.0.2.2', 'host-only network 192.168.56.0/24']) {
      expect(svg).toContain(name);
    }
    for (const s of lab.services) expect(svg).toContain(formatIp(s.ip));
  });

  it('is the same bytes every time', () => {
    expect(renderLabSvg(loadLab('three-node'))).toBe(svg);
  });

  it('escapes names and keeps big labs readable', () => {
    const big = compileLabObject('generated.yaml', generatedLab(20, 12));
    const text = renderLabSvg(big);
    expect(text).toContain('… and 13 more nodes');
    expect(text).toContain('… and 5 more pods');
    if (hasPython) parseXml(text);
  });
});

describe('a probe path on the picture', () => {
  const lab = loadLab('three-node');

  it('numbers the hops of a healthy trace at the devices that answered', () => {
    const sim = new Simulator(lab);
    const { trace } = traceOf(sim, 'netshoot', 'traceroute -n 10.244.1.3');
    const svg = renderLabSvg(lab, { path: { trace, from: 'netshoot' } });
    if (hasPython) parseXml(svg);
    expect(svg).toContain('class="path"');
    expect([...svg.matchAll(/<g class="hop">/g)].length).toBe(3);
    expect(svg).toContain('1 10.244.2.1  →  2 192.168.56.11  →  3 10.244.1.3  (reached)');
    expect(svg).not.toContain('class="failure"');
    const p = pathOf(trace, 'netshoot');
    expect(p.legs.map((l) => l.device)).toEqual(['netshoot', 'node-2', 'node-1', 'httpd']);
    expect(p.hops.map((h) => h.device)).toEqual(['node-2', 'node-1', 'httpd']);
  });

  it('marks the first hop that was lost', () => {
    const sim = new Simulator(lab);
    // node-2 loses its host-gw route to node-1's pods while flanneld is stopped: the probes leave by the default route.
    for (const cmd of ['ip route del 10.244.1.0/24']) expect(sim.run('node-2', cmd).exitCode).toBe(0);
    const { trace, stdout } = traceOf(sim, 'netshoot', 'traceroute -n -q 1 -m 5 10.244.1.3');
    const firstLost = stdout.split('\n').slice(1).find((l) => /^ ?\d+ +\*( \*)*$/.test(l) || /!/.test(l));
    expect(firstLost, stdout).toBeDefined();
    const ttl = Number(firstLost!.trim().split(/\s+/)[0]);
    const svg = renderLabSvg(lab, { path: { trace, from: 'netshoot' } });
    if (hasPython) parseXml(svg);
    const marker = /<g class="failure" data-device="([^"]+)">.*?>✗ (\d+)/.exec(svg);
    expect(marker, svg).not.toBeNull();
    expect(Number(marker![2])).toBe(ttl);
    expect(lab.device(marker![1]!)).toBeDefined();
    expect(svg).toContain('(not reached)');
    expect(svg).toMatch(new RegExp(`✗ hops? ${ttl}`));
  });
});

const cli = runCli;

describe('the CLI', () => {
  it('topo graph --format svg prints the picture', async () => {
    const r = await cli(['topo', 'graph', '--format', 'svg']);
    expect(r.out).toBe(renderLabSvg(loadLab('three-node')));
  });

  it('exec --svg FILE writes the path and prints the tool output unchanged', async () => {
    const file = join(work, 'path.svg');
    const r = await cli(['exec', 'netshoot', '--svg', file, '--', 'traceroute', '-n', '10.244.1.3']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^traceroute to 10\.244\.1\.3/);
    const svg = readFileSync(file, 'utf8');
    expect(svg).toContain('class="path"');
    expect(svg).toContain('(reached)');
  });
});

describe.skipIf(!chromium)('rendered in headless Chromium', () => {
  it('draws the path picture (a screenshot with content, not a blank page)', () => {
    const sim = new Simulator(loadLab('three-node'));
    sim.run('node-2', 'ip route del 10.244.1.0/24');
    const { trace } = traceOf(sim, 'netshoot', 'traceroute -n -q 1 -m 5 10.244.1.3');
    const svgFile = join(work, 'fail.svg');
    const png = join(work, 'fail.png');
    writeFileSync(svgFile, renderLabSvg(loadLab('three-node'), { path: { trace, from: 'netshoot' } }));
    execFileSync(chromium!, ['--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars', `--screenshot=${png}`, '--window-size=1400,900', `file://${svgFile}`], { stdio: 'ignore', timeout: 120_000 });
    // A blank 1400x900 page compresses to a few kilobytes; the picture (text, boxes, colours) to far more.
    expect(statSync(png).size).toBeGreaterThan(30_000);
  }, 150_000);
});
