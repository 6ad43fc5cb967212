// Where the trainee stands and as whom: the stack of shells they opened (ssh, kubectl exec, sudo -i), where they
// start, and what `exit` prints as it closes one of them.
import { UsageError } from '../backend.js';
import type { Scenario } from '../scenario/index.js';
import type { Device } from '../../topology/model.js';
import { resolvePlace } from '../../topology/place.js';
import { frameAt, type Frame } from './users.js';

/** What `exit` did: closed a shell (with the text it printed), or reached the shell the session started in. */
export type ExitResult = { readonly closed: true; readonly output: string } | { readonly closed: false };

export class FrameStack {
  private stack: Frame[];
  private readonly start: readonly Frame[];
  /** Lines each pod shell has read (dash numbers its messages by them, empty lines included). */
  private readonly lines = new WeakMap<Frame, number>();

  constructor(scenario: Scenario, startAt: string | undefined) {
    this.start = startingStack(scenario, startAt).map(frameAt);
    this.stack = [...this.start];
  }

  /** The shell the trainee is in: the last one opened. */
  get top(): Frame {
    return this.stack[this.stack.length - 1]!;
  }

  /** A line typed in the shell on top (counted for pod shells). */
  countLine(): void {
    if (this.top.device.kind === 'pod') this.lines.set(this.top, this.linesRead + 1);
  }

  /** How many lines the shell on top has read (at least 1 once it runs a command). */
  get linesRead(): number {
    return this.lines.get(this.top) ?? 0;
  }

  /** Opens a shell (a move to a place, or a root shell at the same place). */
  push(frame: Frame): void {
    this.stack.push(frame);
  }

  /** Back to the shells the session started with (`reset`). */
  restart(): void {
    this.stack = [...this.start];
  }

  /** `exit`: a sudo shell prints `logout`/`exit`, an ssh session `logout` and ssh's closing line, a pod nothing. */
  exit(): ExitResult {
    const top = this.top;
    if (top.sudo) {
      this.stack.pop();
      return { closed: true, output: top.sudo === 'login' ? 'logout\n' : 'exit\n' };
    }
    if (this.stack.length <= 1) return { closed: false };
    const frame = this.stack.pop()!;
    const left = frame.device;
    return { closed: true, output: left.kind === 'node' ? `logout\nConnection to ${left.hostname} closed.\n` : frame.leaving ?? '' };
  }
}

/** The places the session starts with: the node of the start place, then the pod when it is one. */
function startingStack(scenario: Scenario, startAt: string | undefined): Device[] {
  const place = startAt ?? scenario.probes[0]?.at ?? scenario.lab.devices.find((d) => d.kind === 'node')?.id;
  if (place === undefined) throw new UsageError(`scenario ${scenario.name}: its lab has no node to start on`);
  const where = resolvePlace(scenario.lab, place);
  if (!where.ok) throw new UsageError(`cannot start at "${place}": ${where.message}`);
  const device = where.device;
  if (device.kind === 'pod' && device.node) {
    const node = scenario.lab.device(device.node);
    if (node) return [node, device];
  }
  return [device];
}
