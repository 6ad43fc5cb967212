// A scripted trainee for the web trainer (tests and `npm run bench -- --web`): a WebSocket client that joins or resumes
// a session, types lines into its terminal and waits for text on the screen, as a browser page would.
import { WebSocket } from 'ws';
import { UsageError } from '../backend.js';
import type { Scenario } from '../scenario/types.js';
import { resolvePlace } from '../../topology/place.js';
import type { ServerMessage, TraineeState } from './protocol.js';

export class ScriptedTrainee {
  /** Everything the terminal received, with escape sequences. */
  screen = '';
  state?: TraineeState;
  closed?: { code: number; reason: string };
  private readonly waiters: (() => void)[] = [];

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const m = JSON.parse(String(data)) as ServerMessage;
      if (m.t === 'out') this.screen += m.d;
      else if (m.t === 'screen') this.screen = m.d;
      else if (m.t === 'state') this.state = m;
      else this.screen += `\n[gone: ${m.message}]\n`;
      this.wake();
    });
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: String(reason) };
      this.wake();
    });
  }

  /** Opens /ws/trainee (or /ws/watch) on `base` (http://HOST:PORT) with the page's Origin unless `origin` says otherwise. */
  static async connect(base: string, query: Record<string, string>, opts: { path?: string; origin?: string } = {}): Promise<ScriptedTrainee> {
    const url = `${base.replace(/^http/, 'ws')}${opts.path ?? '/ws/trainee'}?${new URLSearchParams(query).toString()}`;
    const ws = new WebSocket(url, { origin: opts.origin ?? base });
    const trainee = new ScriptedTrainee(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('unexpected-response', (_req, res) => reject(new Error(`refused: ${res.statusCode}`)));
      ws.once('error', reject);
    });
    return trainee;
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  /** Sends keys as the terminal would (a line ends with \r). */
  type(keys: string): void {
    this.ws.send(JSON.stringify({ t: 'in', d: keys }));
  }

  send(raw: string): void {
    this.ws.send(raw);
  }

  /** Resolves when `test` holds (checked after every message), rejects after `ms` with the screen's tail. */
  async until(test: (t: ScriptedTrainee) => boolean, ms = 20_000, what = 'the expected screen'): Promise<void> {
    const deadline = Date.now() + ms;
    while (!test(this)) {
      if (this.closed && !test(this)) throw new Error(`socket closed (${this.closed.code} ${this.closed.reason}) before ${what}; screen ends: ${this.screen.slice(-400)}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}; screen ends: ${this.screen.slice(-400)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Waits for `text` to appear on the screen after position `from` (default: anywhere). */
  async see(text: string | RegExp, from = 0, ms?: number): Promise<void> {
    const found = () => (typeof text === 'string' ? this.screen.indexOf(text, from) >= 0 : text.test(this.screen.slice(from)));
    await this.until(found, ms, `"${String(text)}"`);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.ws.close();
    await this.until((t) => t.closed !== undefined, 5000, 'the socket to close');
  }
}

/**
 * The lines a trainee types to apply the scenario's own `fix:` steps from where a session starts (the place of its
 * first probe), then `check`: leave the start pod, `ssh` to each step's node, type its command with `sudo` (the trainee
 * is the vagrant user there; the trainer's steps run as root), `exit`. Steps at a pod
 * are not scripted (a UsageError names the scenario).
 */
export function fixLines(scenario: Scenario): string[] {
  const lab = scenario.lab;
  const start = resolvePlace(lab, scenario.probes[0]?.at ?? '');
  const lines = start.ok && start.device.kind === 'pod' ? ['exit'] : [];
  for (const step of scenario.fixSteps ?? []) {
    if (step.kind === 'wait') {
      lines.push(`sleep ${Math.ceil(step.ms / 1000)}`);
      continue;
    }
    const where = resolvePlace(lab, step.at);
    if (!where.ok || where.device.kind !== 'node') throw new UsageError(`scenario ${scenario.name}: its fix step at ${step.at} is not on a node; only node steps are scripted`);
    lines.push(`ssh ${where.device.hostname}`, `sudo ${step.run}`, 'exit');
  }
  return [...lines, 'check'];
}
