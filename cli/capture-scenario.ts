// The one recorder of kernel outputs: each scenario on a fresh namespace lab (break, probes, fix, probes, down), its
// probes' stdout/exit/stderr and where they were recorded (`recorded:` kernel, tool versions, time) written back into
// the YAML. Records the library (scenarios/) and the kernel fixtures (test/fixtures/kernel, test/fixtures/kernel-e1).
// Usage (root, after `npm run build`):  node dist/cli/capture-scenario.js [--prefix tls1] [--show] FILES|DIRS...
import { createBackend } from '../lab/backends.js';
import { runArgv } from '../lab/process.js';
import { loadScenarios, recordExpectations, type RecordedOn, type RecordedProbe } from '../lab/scenario/index.js';
import { SourceError } from '../topology/yaml-source.js';

interface CaptureArgs {
  readonly prefix: string;
  readonly show: boolean;
  readonly targets: string[];
}

function parseArgs(argv: readonly string[]): CaptureArgs {
  let prefix = 'tls1';
  let show = false;
  const targets: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--prefix') prefix = argv[++i] ?? '';
    else if (a === '--show') show = true;
    else if (a.startsWith('-')) throw new Error(`unknown option ${a} (--prefix NAME, --show)`);
    else targets.push(a);
  }
  if (targets.length === 0) throw new Error('name scenario files or directories to capture');
  return { prefix, show, targets };
}

/** Namespaces left behind with PREFIX (must be none after each scenario). */
async function leftovers(prefix: string): Promise<string[]> {
  const listed = await runArgv(['ip', 'netns', 'list']);
  if (listed.exitCode !== 0) throw new Error(`ip netns list: ${listed.stderr.trim()}`);
  return listed.stdout.split('\n').map((l) => l.split(' ')[0]!).filter((n) => n.startsWith(`${prefix}-`));
}

function describe(p: RecordedProbe, show: boolean): string {
  const fixed = p.fixed ? `, fixed exit ${p.fixed.exitCode}` : '';
  const head = `  ${p.changed ? 'changed' : 'same   '} probe ${p.index + 1}: exit ${p.broken.exitCode}${fixed}: ${p.run}`;
  if (!show) return head;
  const body = [p.broken.stdout, p.broken.stderr && `[stderr]\n${p.broken.stderr}`, p.fixed && `[healthy]\n${p.fixed.stdout}`];
  return `${head}\n${body.filter(Boolean).join('').replace(/^/gm, '    | ')}`;
}

/** The probe tools whose version line is recorded, with the argv that prints it. */
const TOOL_VERSIONS: Readonly<Record<string, readonly string[]>> = {
  traceroute: ['traceroute', '--version'],
  busybox: ['busybox'],
  ping: ['ping', '-V'],
  mtr: ['mtr', '--version'],
};

/** The kernel release, the first line each tool prints about its version, and now. */
async function recordedOn(): Promise<RecordedOn> {
  const first = (r: { stdout: string; stderr: string }) => (r.stdout + r.stderr).split('\n')[0]!.trim();
  const tools: Record<string, string> = {};
  for (const [name, argv] of Object.entries(TOOL_VERSIONS)) tools[name] = first(await runArgv(argv));
  return { kernel: (await runArgv(['uname', '-r'])).stdout.trim(), tools, at: new Date().toISOString() };
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const scenarios = loadScenarios(args.targets);
  const check = await createBackend('netns', { prefix: args.prefix }).preflight();
  if (!check.ok) throw new Error(check.message.split('\n').join('; '));
  let failed = 0;
  for (const s of scenarios) {
    const started = Date.now();
    try {
      const probes = await recordExpectations(s, createBackend('netns', { prefix: args.prefix }), await recordedOn());
      process.stdout.write(`recorded ${s.name} (${probes.length} probes, ${Date.now() - started} ms)\n`);
      for (const p of probes) process.stdout.write(`${describe(p, args.show)}\n`);
    } catch (err) {
      failed++;
      process.stdout.write(`FAILED ${s.name}: ${err instanceof Error ? err.message : String(err)}\n`);
    }
    const left = await leftovers(args.prefix);
    if (left.length > 0) throw new Error(`namespaces left behind: ${left.join(', ')}`);
  }
  process.stdout.write(`${scenarios.length - failed} recorded, ${failed} failed\n`);
  return failed > 0 ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`capture-scenario: ${err instanceof SourceError || err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 2;
  },
);
