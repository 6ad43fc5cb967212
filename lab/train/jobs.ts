// The training shell's background jobs, as bash shows them: `tcpdump ... &` starts a capture that stays on its
// interface while the trainee runs commands anywhere (its packet lines appear after each command), `jobs` lists
// them, `fg [%N]` brings one back and stops it as Ctrl-C would, `kill %N` ends it; a job that ends by itself
// (tcpdump -c N) is reported Done.
import type { Backend, BackgroundJob } from '../backend.js';
import { quoteWord, splitWords } from '../../sim/words.js';
import { rootRefusal } from '../../sim/commands/privilege.js';
import { parseSudo, type Frame } from './users.js';

interface Job {
  readonly n: number;
  readonly command: string;
  readonly job: BackgroundJob;
}

export interface JobAnswer {
  readonly output: string;
  readonly exitCode: number;
}

/** bash's job line: `[1]+  Running                 tcpdump -ni eth0 &`. */
function jobLine(j: Job, current: boolean, state: 'Running' | 'Done', amp: boolean): string {
  return `[${j.n}]${current ? '+' : '-'}  ${state.padEnd(24)}${j.command}${amp ? ' &' : ''}\n`;
}

/** What the shell lets a background command run as: the command to start (a `sudo` word taken), or its refusal. */
export type JobAdmission = { readonly command: string } | { readonly refused: JobAnswer };

/** The user's rights for a background command in FRAME, as the session applies them to a foreground one. */
export function admitJob(frame: Frame, command: string): JobAdmission {
  const split = splitWords(command);
  if (frame.device.kind === 'pod' || !split.ok) return { command };
  const ask = split.words[0] === 'sudo' ? parseSudo(split.words.slice(1)) : undefined;
  if (ask?.kind === 'run') return { command: ask.words.map(quoteWord).join(' ') };
  const refused = frame.user === 'root' ? undefined : rootRefusal(split.words);
  return refused ? { refused: { output: refused.stdout + refused.stderr, exitCode: refused.exitCode } } : { command };
}

export class JobTable {
  private readonly jobs: Job[] = [];
  private next = 1;

  constructor(private readonly backend: () => Backend) {}

  /**
   * LINE as job control at PLACE (`CMD &`, `jobs`, `fg [%N]`, `kill %N`), or undefined when it is not; ADMIT applies
   * the shell's user rules to a background CMD as to a foreground one.
   */
  async handle(line: string, place: string, admit: (command: string) => JobAdmission): Promise<JobAnswer | undefined> {
    const amp = /^(.*[^&\s])\s*&$/.exec(line);
    if (amp && !line.endsWith('&&')) {
      const command = amp[1]!.trim();
      const admitted = admit(command);
      return 'refused' in admitted ? admitted.refused : this.start(command, admitted.command, place);
    }
    const [word, arg, ...more] = line.split(/\s+/);
    if (word === 'jobs' && arg === undefined) return { output: this.jobs.map((j, k) => jobLine(j, k === this.jobs.length - 1, 'Running', true)).join(''), exitCode: 0 };
    if ((word === 'fg' || word === 'kill') && more.length === 0 && (word === 'fg' || arg?.startsWith('%'))) return this.end(word, arg);
    return undefined;
  }

  /** Starts RUN at PLACE as the job bash lists as COMMAND (what was typed, `sudo` and all). */
  private async start(command: string, run: string, place: string): Promise<JobAnswer> {
    const backend = this.backend();
    if (!backend.startJob) return { output: `sh: background jobs are not available on the ${backend.name} backend\n`, exitCode: 2 };
    const started = await backend.startJob(place, run);
    if (!started.ok) return { output: started.result.stdout + started.result.stderr, exitCode: started.result.exitCode };
    const job: Job = { n: this.next++, command, job: started.job };
    this.jobs.push(job);
    return { output: `[${job.n}]\n${started.job.header}`, exitCode: 0 };
  }

  private async end(word: 'fg' | 'kill', arg: string | undefined): Promise<JobAnswer> {
    const n = arg === undefined ? this.jobs.at(-1)?.n : Number(arg.replace(/^%/, ''));
    const k = this.jobs.findIndex((j) => j.n === n);
    if (k < 0) return { output: `sh: ${word}: ${arg ?? 'current'}: no such job\n`, exitCode: 1 };
    const [job] = this.jobs.splice(k, 1) as [Job];
    const r = await job.job.stop();
    // fg: bash shows the command; the capture goes on until Ctrl-C, whose ^C the terminal echoes before tcpdump's
    // blank line and trailer (the shell cannot wait for a key, so fg stands for `fg` then Ctrl-C).
    const body = word === 'fg' ? `${job.command}\n${r.stdout.replace(/\n$/, '')}^C\n${r.stderr}` : `${r.stdout}${r.stderr}${jobLine(job, true, 'Done', false)}`;
    return { output: body, exitCode: r.exitCode };
  }

  /** What the running jobs printed since the last call, and the end of those that finished by themselves. */
  async pending(): Promise<string> {
    let out = '';
    for (const j of [...this.jobs]) {
      out += await j.job.output();
      if (!j.job.done()) continue;
      this.jobs.splice(this.jobs.indexOf(j), 1);
      const r = await j.job.stop();
      out += `${r.stdout}${r.stderr}${jobLine(j, true, 'Done', false)}`;
    }
    return out;
  }

  /** Ends every job (the session is over). */
  async stopAll(): Promise<void> {
    for (const j of this.jobs.splice(0)) await j.job.stop();
  }
}
