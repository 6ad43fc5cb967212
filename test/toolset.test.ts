// The toolset rule: a place's tools come from its image reference, decided once in topology/ and used by the simulator,
// the namespace lab and the training shell alike (busybox:TAG and REGISTRY/busybox are busybox too).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createSimBackend } from '../lab/sim.js';
import { compareResults, formatDifference } from '../lab/verify.js';
import { buildNetnsPlan } from '../lab/netns/plan.js';
import { toolArgv } from '../lab/netns/backend.js';
import { promptOf } from '../lab/train/places.js';
import { compileLabText } from '../topology/compile.js';
import { packageRoot } from '../topology/paths.js';
import { imageBaseName, toolsetOf } from '../topology/toolset.js';
import { readKernelCases } from './helpers/kernel-recordings.js';

const THREE_NODE = readFileSync(join(packageRoot(), 'topology', 'labs', 'three-node.yaml'), 'utf8');

/** The three-node lab with the busybox pod's image written as IMAGE. */
function labWithBusyboxAs(image: string) {
  const text = THREE_NODE.replace('        image: busybox\n', `        image: "${image}"\n`);
  expect(text).not.toBe(THREE_NODE);
  return compileLabText('busybox-image.yaml', text);
}

const BUSYBOX_REFS = [
  'busybox',
  'busybox:1.36',
  'docker.io/library/busybox:1.36',
  'registry.example:5000/mirror/busybox',
  'busybox@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
  'docker.io/library/busybox:1.36@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
];

describe('toolsetOf', () => {
  it.each(BUSYBOX_REFS)('%s has busybox tools', (ref) => {
    expect(toolsetOf(ref)).toBe('busybox');
  });
  it.each(['nicolaka/netshoot:latest', 'busyboxplus', 'example/busybox-extra:1', 'alpine', 'busybox.example/netshoot'])('%s has Linux tools', (ref) => {
    expect(toolsetOf(ref)).toBe('linux');
  });
  it('gives places without an image (nodes, hosts) Linux tools', () => {
    expect(toolsetOf(undefined)).toBe('linux');
    expect(imageBaseName('localhost:5000/nicolaka/netshoot:v1@sha256:ab')).toBe('netshoot');
  });
});

describe('one toolset everywhere', () => {
  const fixture = readKernelCases().find((f) => f.name === 'busybox-to-external')!;

  it.each(['busybox:1.36', 'docker.io/library/busybox:1.36'])('image %s: the simulator prints busybox traceroute, as the kernel lab did', async (image) => {
    const lab = labWithBusyboxAs(image);
    expect(lab.device('traceroute')!.toolset).toBe('busybox');
    expect(lab.device('netshoot')!.toolset).toBe('linux');
    expect(lab.device('node-2')!.toolset).toBe('linux');
    const sim = createSimBackend();
    await sim.up(lab);
    const got = await sim.run(fixture.probe.at, fixture.probe.run);
    const difference = compareResults({ phase: 'broken', index: 1, at: fixture.probe.at, run: fixture.probe.run }, got, fixture);
    expect(difference && formatDifference(difference, 'sim', 'netns')).toBeUndefined();
  });

  it.each(['busybox:1.36', 'docker.io/library/busybox:1.36'])('image %s: the namespace lab runs busybox applets and the shell prompts as busybox', (image) => {
    const lab = labWithBusyboxAs(image);
    const place = buildNetnsPlan(lab, { prefix: 'tlhe' }).places['traceroute']!;
    expect(toolArgv(place, ['traceroute', '-n', '203.0.113.10'], new Set(['traceroute']))).toEqual({ ok: true, argv: ['busybox', 'traceroute', '-n', '203.0.113.10'] });
    expect(promptOf(lab.device('traceroute')!)).toBe('/ # ');
  });
});
