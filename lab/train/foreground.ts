// Commands that run until Ctrl-C in the training shell (`ping` without -c): their lines appear one interval apart
// while the trainee waits, and Ctrl-C (the terminal's ^C echo) ends them with their last words (ping's statistics).
import type { Backend, ForegroundJob } from '../backend.js';
import type { CommandResult } from '../../topology/trace.js';

export interface ForegroundResult extends CommandResult {
  /** Everything it printed before Ctrl-C (already shown to the trainee). */
  readonly shown: string;
}

export class Foreground {
  private stopRequested?: () => void;

  /** TICK_MS: wall-clock milliseconds between two intervals of the command (a second for ping on a terminal). */
  constructor(private readonly tickMs: number) {}

  /** Ctrl-C: true when it stopped a running command (the shell then shows no cancelled line). */
  interrupt(): boolean {
    if (!this.stopRequested) return false;
    this.stopRequested();
    return true;
  }

  /**
   * Runs LINE at PLACE until Ctrl-C when the backend has it as such a command (ping without -c): its end (after the
   * terminal's ^C echo) and what it showed before; undefined when LINE is an ordinary command.
   */
  async runIfEndless(backend: Backend, place: string, line: string, out: (text: string) => void): Promise<{ result: CommandResult; shown: string } | undefined> {
    const until = await backend.startUntilInterrupted?.(place, line);
    if (!until) return undefined;
    if (!until.ok) return { result: until.result, shown: '' };
    const { shown, ...r } = await this.run(until.job, out);
    return { result: { ...r, stdout: `^C${r.stdout}` }, shown };
  }

  /** Runs JOB, showing its lines through OUT as they come, until interrupt() is called. */
  async run(job: ForegroundJob, out: (text: string) => void): Promise<ForegroundResult> {
    let shown = job.header;
    out(job.header);
    let stopped = false;
    const stop = new Promise<void>((resolve) => {
      this.stopRequested = () => {
        stopped = true;
        resolve();
      };
    });
    try {
      while (!stopped) {
        const text = await job.tick();
        if (text) out(text);
        shown += text;
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([stop, new Promise<void>((resolve) => (timer = setTimeout(resolve, this.tickMs)))]);
        clearTimeout(timer);
      }
    } finally {
      this.stopRequested = undefined;
    }
    const { before = '', ...end } = await job.interrupt();
    out(before);
    return { ...end, shown: shown + before };
  }
}
