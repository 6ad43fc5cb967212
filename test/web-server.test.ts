// The web trainer's server over loopback: pages and the dashboard's token, WebSocket origin and limits, a scripted
// trainee who fixes a library scenario through the terminal (the scenario's own fix), resuming, the class's rules,
// idle timeout, transcripts and the report export.
import { mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { findScenario } from '../cli/common.js';
import { loadClassFile } from '../lab/web/class-file.js';
import { fixLines, ScriptedTrainee } from '../lab/web/scripted-trainee.js';
import { startClassServer, type ClassServer } from '../lab/web/server.js';
import { assetsDir } from '../lab/web/assets.js';

vi.setConfig({ testTimeout: 30_000 });

const TOKEN = 'test-token-0123456789';
const dir = mkdtempSync(join(tmpdir(), 'tracelab-web-test-'));
const transcripts = mkdtempSync(join(dir, 'transcripts-'));

function classFile(name: string, extra: string): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, `name: ${name}\ntrainerToken: ${TOKEN}\ntranscripts: ${transcripts}\n${extra}`);
  return file;
}

let server: ClassServer;
const opened: ScriptedTrainee[] = [];
const join2 = async (query: Record<string, string>, opts?: { path?: string; origin?: string }) => {
  const t = await ScriptedTrainee.connect(server.url, query, opts);
  opened.push(t);
  return t;
};

beforeAll(async () => {
  const cls = loadClassFile(classFile('web-test', 'scenarios:\n  - scenario: forwarding-off-node-1\n  - scenario: eth1-down-node-1\n    hints: false\n'));
  server = await startClassServer(cls, { host: '127.0.0.1', port: 0, assetsDir: assetsDir() });
});

afterAll(async () => {
  for (const t of opened) await t.close().catch(() => undefined);
  await server?.close();
});

describe('tracelab serve: HTTP', () => {
  it('serves the trainee page with a content security policy, and the dashboard and its API only with the token', async () => {
    const page = await fetch(`${server.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(await page.text()).toContain('/assets/xterm.js');
    expect((await fetch(`${server.url}/assets/xterm.js`)).status).toBe(200);
    expect((await fetch(`${server.url}/dashboard`)).status).toBe(401);
    expect((await fetch(`${server.url}/dashboard?token=wrong-token-0123456789`)).status).toBe(401);
    expect((await fetch(`${server.url}/api/trainees`)).status).toBe(401);
    expect((await fetch(`${server.url}/dashboard?token=${TOKEN}`)).status).toBe(200);
    expect((await fetch(`${server.url}/api/trainees`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
    expect((await fetch(`${server.url}/assets/../package.json`)).status).toBe(404);
  });

  it('refuses WebSockets from another origin, without one, and watching without the token', async () => {
    await expect(ScriptedTrainee.connect(server.url, { name: 'mallory' }, { origin: 'http://evil.example' })).rejects.toThrow('refused: 403');
    await expect(ScriptedTrainee.connect(server.url, { name: 'mallory' }, { origin: '' })).rejects.toThrow('refused: 403');
    await expect(ScriptedTrainee.connect(server.url, { id: 'x' }, { path: '/ws/watch' })).rejects.toThrow('refused: 401');
  });
});

describe('tracelab serve: a trainee', () => {
  it('fixes forwarding-off-node-1 by typing its fix; the dashboard, a watcher and the report see FIXED', async () => {
    const alice = await join2({ name: 'alice' });
    await alice.see('Type `help`');
    const id = alice.state!.id;
    expect(id).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(alice.state).toMatchObject({ step: 0, steps: 2, fixed: false, here: 'traceroute' });
    expect(alice.state!.svg).toMatch(/^<svg/);
    const watcher = await join2({ id, token: TOKEN }, { path: '/ws/watch' });
    const lines = fixLines(findScenario('forwarding-off-node-1'));
    expect(lines).toContain('ssh node-1');
    for (const line of lines) alice.type(`${line}\r`);
    await alice.see('FIXED: all');
    await watcher.see('FIXED: all');
    await alice.until((t) => t.state?.fixed === true);
    const rows = (await (await fetch(`${server.url}/api/trainees`, { headers: { 'x-tracelab-token': TOKEN } })).json()) as { rows: { name: string; fixed: boolean; checks: number; lastCommand: string }[] };
    expect(rows.rows.find((r) => r.name === 'alice')).toMatchObject({ fixed: true, checks: 1, lastCommand: 'check' });
    const csv = await (await fetch(`${server.url}/api/report.csv?token=${TOKEN}`)).text();
    expect(csv.split('\r\n')[0]).toMatch(/^trainee,scenario,fixed,/);
    expect(csv).toMatch(/\r\nalice,forwarding-off-node-1,true,/);
    const file = readdirSync(transcripts).find((f) => f.startsWith('alice-forwarding-off-node-1-'));
    expect(file).toBeDefined();
    expect(statSync(join(transcripts, file!)).mode & 0o777).toBe(0o600);
  });

  it('resumes after a reload with its id; an unknown id is told to start afresh', async () => {
    const bob = await join2({ name: 'bob' });
    await bob.see('Type `help`');
    bob.type('ip route\r');
    await bob.see('default via');
    const id = bob.state!.id;
    await bob.close();
    const again = await join2({ id });
    expect(again.screen).toContain('default via');
    const before = again.screen.length;
    again.type('hostname\r');
    await again.see(/\ntraceroute\n/, before);
    const stranger = await join2({ id: 'A'.repeat(24) });
    await stranger.until((t) => t.closed !== undefined);
    expect(stranger.screen).toContain('[gone: That session is over');
  });

  it('is the training shell on a terminal: Tab completes, Ctrl-C cancels the line, the up arrow recalls history', async () => {
    const fay = await join2({ name: 'fay' });
    await fay.see('Type `help`');
    let from = fay.screen.length;
    // One key per message, as a browser terminal sends them (readline completes only a Tab typed on its own).
    for (const key of ['h', 'o', 's', 't', 'n', '\t', '\r']) fay.type(key);
    await fay.see(/hostname\r?\n(\x1b\[[0-9;]*[A-Za-z])*traceroute\n/, from);
    from = fay.screen.length;
    fay.type('ip route');
    fay.type('\x03');
    await fay.see('^C', from);
    from = fay.screen.length;
    fay.type('\x1b[A');
    fay.type('\r');
    await fay.see(/\ntraceroute\n/, from);
  });

  it('keeps the class rules: no hint where hints are off; `quit` moves on to the next scenario', async () => {
    const carol = await join2({ name: 'carol' });
    await carol.see('Type `help`');
    carol.type('quit\r');
    await carol.until((t) => t.state?.step === 1 && t.screen.includes('Type `help`'));
    carol.type('hint\r');
    await carol.see('hints are turned off for this scenario');
  });

  it('bounds input: an oversized message closes the socket, typing too fast is dropped with a notice', async () => {
    const dave = await join2({ name: 'dave' });
    await dave.see('Type `help`');
    for (let i = 0; i < 8; i++) dave.type('#'.repeat(2000));
    await dave.see('input dropped');
    dave.send(JSON.stringify({ t: 'in', d: 'x'.repeat(20_000) }));
    await dave.until((t) => t.closed !== undefined);
    expect(dave.closed!.code).toBe(1009);
  });

  it('moves a trainee on when the time limit of a scenario passes', async () => {
    const timed = await startClassServer(loadClassFile(classFile('timed', 'scenarios:\n  - scenario: forwarding-off-node-1\n    timeLimit: 1s\n  - scenario: eth1-down-node-1\n')), { host: '127.0.0.1', port: 0 });
    try {
      const gus = await ScriptedTrainee.connect(timed.url, { name: 'gus' });
      await gus.see('Time is up for this scenario (1s): on to the next one.', 0, 10_000);
      gus.type('ip route\r'); // typed between the two scenarios: dropped, never an error
      await gus.until((t) => t.state?.step === 1 && t.state.scenario.name === 'eth1-down-node-1', 10_000, 'the second scenario');
      await gus.close();
    } finally {
      await timed.close();
    }
  });

  it('ends a session after the idle timeout; its transcript gets its summary', async () => {
    const idle = await startClassServer(loadClassFile(classFile('idle', 'idleTimeout: 1s\nscenarios:\n  - scenario: forwarding-off-node-1\n')), { host: '127.0.0.1', port: 0 });
    try {
      const erin = await ScriptedTrainee.connect(idle.url, { name: 'erin' });
      await erin.see('Type `help`');
      await erin.close();
      await expect.poll(() => idle.room.report().sessions.find((s) => s.trainee === 'erin')?.ended, { timeout: 10_000 }).toBe(true);
      expect(idle.room.rows().find((r) => r.name === 'erin')).toMatchObject({ ended: true, connected: false });
    } finally {
      await idle.close();
    }
  });
});
