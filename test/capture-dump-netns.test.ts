// Root-only: tcpdump -A and -X of a curl through the httpd Service, the real tcpdump in the namespace lab against the
// simulator's. The header bytes (sequence numbers, timestamps, ids, checksums) vary run to run (FACTS-L4 §1), so -A is
// compared on the HTTP text each packet carries and -X on the rows past the TCP header (offset 0x0040 on), with the
// response's Date header (wall clock) masked.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Backend } from '../lab/backend.js';
import { createNetnsBackend } from '../lab/netns/backend.js';
import { preflight } from '../lab/netns/preflight.js';
import { findProgram } from '../lab/process.js';
import { createSimBackend } from '../lab/sim.js';
import { loadLab } from '../topology/compile.js';

const check = preflight();
const tcpdump = findProgram('tcpdump');
if (!check.ok || !tcpdump) console.log(`skipping tcpdump -A/-X kernel tests: ${check.ok ? 'tcpdump is not installed' : check.message.split('\n').join('; ')}`);

const CURL = 'curl -s -o /dev/null http://10.96.0.20/';
const PACKET_LINE = /^\d\d:\d\d:\d\d\.\d{6} /;

/** The text tcpdump ARGS printed in netshoot while curl ran, on BACKEND (already up). */
async function captured(backend: Backend, args: string): Promise<string> {
  const started = await backend.startJob!('netshoot', `tcpdump ${args} -i eth0 tcp port 80`);
  if (!started.ok) throw new Error(started.result.stderr);
  await backend.run('netshoot', CURL);
  const shown = await started.job.output();
  return shown + (await started.job.stop()).stdout;
}

/** Each packet's dump (the lines after its packet line). */
function dumps(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    if (PACKET_LINE.test(line)) out.push('');
    else if (out.length > 0) out[out.length - 1] += `${line}\n`;
  }
  return out;
}

const maskDate = (s: string) => s.replace(/Date: [^\n]*GMT/g, 'Date: #');

/** -A: the HTTP text of each packet that carries some (from its request or status line on). */
function httpTexts(text: string): string[] {
  return dumps(text).map((d) => /(?:GET |HTTP\/1\.1 )[\s\S]*/.exec(d)?.[0] ?? '').filter((t) => t !== '').map(maskDate);
}

/** -X: each packet's rows from offset 0x0040 on, with the rows holding the Date header's value masked. */
function payloadRows(text: string): string[] {
  return dumps(text).map((d) => {
    const rows = d.split('\n').filter((r) => /^\t0x[0-9a-f]{4}:/.test(r) && parseInt(r.slice(3, 7), 16) >= 0x40);
    const ascii = rows.map((r) => r.slice(51)).join('');
    const date = ascii.indexOf('Date:');
    if (date < 0) return rows.join('\n');
    const first = Math.floor(date / 16), last = Math.floor((date + 36) / 16);
    return rows.map((r, k) => (k >= first && k <= last ? '#' : r)).join('\n');
  });
}

describe.skipIf(!check.ok || !tcpdump)('tcpdump -A / -X: the simulator against the kernel (namespace lab)', () => {
  it('prints the same HTTP text (-A) and the same payload rows (-X)', async () => {
    const lab = loadLab('three-node');
    const sim = createSimBackend();
    await sim.up(lab);
    const kernel = createNetnsBackend({ prefix: 'tlhcapd', stateDir: mkdtempSync(join(tmpdir(), 'tracelab-dump-kernel-')) });
    await kernel.up(lab);
    try {
      for (const [args, view] of [['-nA', httpTexts], ['-nX', payloadRows]] as const) {
        const real = view(await captured(kernel, args));
        const simulated = view(await captured(sim, args));
        expect(real.length).toBeGreaterThan(0);
        expect(simulated).toEqual(real);
      }
    } finally {
      await kernel.down();
    }
  }, 300_000);
});
