// One training session: builds and breaks the scenario's lab, keeps where the trainee stands, answers each typed
// line (a Linux command at the place, a move, or a trainer built-in) and counts what the summary reports.
import { join } from 'node:path';
import { UsageError, type Backend } from '../backend.js';
import { parseDuration, runSteps, type Scenario } from '../scenario/index.js';
import { terminalText, type CommandResult, type TraceRecord } from '../../topology/trace.js';
import { quoteWord, splitWords } from '../../sim/words.js';
import type { Device } from '../../topology/model.js';
import { placeOf } from '../../topology/place.js';
import type { SvgOptions } from '../../topology/svg/svg.js';
import { writeDiagram } from './diagram.js';
import { checkNow, formatCheck, healthyOutputs, untrainableReason, type HealthyOutput } from './check.js';
import { completeLine } from './complete.js';
import { findFilter, runFilters, splitPipeline, type Filter } from './pipes.js';
import { describePlace, parseMove, promptOf } from './places.js';
import type { SessionSummary, TranscriptLine } from './transcript.js';
import { frameAt, identity, parseSudo, rootFrame, shellVariable, type Frame } from './users.js';
import { runCommandList } from './lists.js';
import { rootRefusal } from '../../sim/commands/privilege.js';
import { admitJob, JobTable } from './jobs.js';
import { FrameStack } from './frame-stack.js';
import { Foreground } from './foreground.js';
import { DebugContainers } from './debug.js';
import { podShellNotFound } from './pod-shell.js';
import { BUILTINS, formatBrief, formatHelp, formatHint, formatSolution, type BuiltinName } from './texts.js';
import type { Answer, SessionOptions } from './session-shapes.js';

export type { SessionOptions } from './session-shapes.js';

/** Longest line the shell accepts. */
const MAX_LINE = 4096;

export class TrainingSession {
  private backend?: Backend;
  /** Background captures (`tcpdump ... &`). */
  private readonly jobs = new JobTable(() => this.requireBackend());
  /** A command running until Ctrl-C (ping without -c), when the session can be interrupted. */
  private readonly foreground?: Foreground;
  private healthy: readonly HealthyOutput[] = [];
  /** Where the trainee stands, and as whom; `exit` goes back to the previous shell. */
  private readonly frames: FrameStack;
  /** The exit status of the last command (`$?`). */
  private status = 0;
  /** How many lines had been typed when `exit` was typed in the first shell (the next line's `exit` ends the session). */
  private leavingAt = -1;
  private readonly now: () => number;
  private startedMs = 0;
  private startedAt = '';
  private hintsShown = 0;
  private solutionShown = false;
  private resets = 0;
  private checks = 0;
  private commands = 0;
  private diagrams = 0;
  private firstFixedAtMs?: number;
  private resetAfterFix = false;
  /** The last probe's trace and the device it ran on (drawn by `diagram`). */
  private lastProbe?: { readonly trace: TraceRecord; readonly from: string };
  private readonly typed: string[] = [];
  /** The ephemeral debug containers `kubectl debug` created (their names). */
  private readonly debugContainers: DebugContainers;
  private finished?: SessionSummary;

  constructor(private readonly opts: SessionOptions) {
    const refused = untrainableReason(opts.scenario);
    if (refused) throw new UsageError(refused);
    this.now = opts.now ?? Date.now;
    this.frames = new FrameStack(opts.scenario, opts.startAt);
    this.debugContainers = new DebugContainers(opts.seed ?? 1);
    if (opts.untilInterrupted) this.foreground = new Foreground(opts.untilInterrupted.tickMs);
  }

  get scenario(): Scenario {
    return this.opts.scenario;
  }

  /** The device the trainee is on now. */
  get here(): Device {
    return this.frame.device;
  }

  /** The shell the trainee is in: place and user. */
  get frame(): Frame {
    return this.frames.top;
  }

  prompt(): string {
    return promptOf(this.here, this.frame);
  }

  /** Prints the title and brief, builds the lab, records the healthy outputs and breaks it (silently). */
  async start(): Promise<void> {
    const s = this.opts.scenario;
    this.startedMs = this.now();
    this.startedAt = new Date(this.startedMs).toISOString();
    this.opts.out(formatBrief(s));
    const backend = this.opts.makeBackend();
    this.opts.transcript?.write({
      type: 'start', version: 1, scenario: s.name, title: s.title, file: s.file, backend: backend.name,
      trainee: this.opts.trainee ?? 'trainee', startedAt: this.startedAt, place: placeOf(this.here),
    });
    this.opts.out('Breaking the lab ... ');
    this.healthy = await healthyOutputs(s, this.opts.makeBackend);
    await this.buildBroken(backend);
    this.opts.out(`done.\nYou are on ${describePlace(this.here)}. Type \`help\` for the trainer's commands, \`exit\` to go back.\n\n`);
  }

  private async buildBroken(backend: Backend): Promise<void> {
    this.backend = backend;
    await backend.up(this.opts.scenario.lab);
    const failure = await runSteps(backend, this.opts.scenario.breakSteps, 'break');
    if (failure) throw new UsageError(`scenario ${this.opts.scenario.name}: its break step failed at ${failure.at} (exit ${failure.exitCode}): ${failure.stderr.trim()}`);
  }

  private get lab() {
    return this.opts.scenario.lab;
  }

  private requireBackend(): Backend {
    if (!this.backend) throw new UsageError('the training lab is not up (call start first)');
    return this.backend;
  }

  /** Answers one typed line; 'quit' when the session should end. */
  async handle(raw: string): Promise<'continue' | 'quit'> {
    const place = placeOf(this.here);
    this.frames.countLine();
    const prompt = this.prompt();
    const at = this.now() - this.startedMs;
    let answer: Answer;
    try {
      answer = await this.answer(raw);
    } catch (err) {
      // A backend that failed (a namespace gone, a command that could not start) costs the line, not the session.
      answer = { kind: 'invalid', output: `tracelab: ${err instanceof Error ? err.message : String(err)}\n`, exitCode: 2 };
    }
    if (answer.output.length > (answer.shown ?? 0)) this.opts.out(answer.output.slice(answer.shown ?? 0));
    if (answer.kind !== 'empty' && answer.kind !== 'cancelled' && answer.kind !== 'invalid') this.commands++;
    const entry: TranscriptLine = {
      type: 'line', atMs: at, place, prompt, line: raw, kind: answer.kind, output: answer.output,
      ...(answer.builtin ? { builtin: answer.builtin } : {}),
      ...(answer.exitCode !== undefined ? { exitCode: answer.exitCode } : {}),
      ...(answer.fixed !== undefined ? { fixed: answer.fixed } : {}),
    };
    this.opts.transcript?.write(entry);
    return answer.quit ? 'quit' : 'continue';
  }

  private async answer(raw: string): Promise<Answer> {
    // A Ctrl-C that reached us as a character (piped input) cancels the line, like the terminal's does.
    if (raw.includes('\x03')) return { kind: 'cancelled', output: '^C\n' };
    const line = raw.replace(/[\x00-\x08\x0a-\x1f\x7f]/g, '').trim();
    if (line === '') return { kind: 'empty', output: '' };
    if (line.length > MAX_LINE) return { kind: 'invalid', output: `sh: line too long (${line.length} characters, at most ${MAX_LINE})\n`, exitCode: 2 };
    this.typed.push(line);
    // Job control first: `CMD &` is one background job, not a command list.
    const job = await this.jobs.handle(line, placeOf(this.here), (command) => admitJob(this.frame, command));
    if (job) return { kind: 'command', ...job };
    return runCommandList(line, (name) => shellVariable(this.frame, this.status, name), async (text) => {
      const a = await this.answerOne(text);
      this.status = a.exitCode ?? 0;
      return a;
    }, (error) => ({ kind: 'invalid', output: `sh: ${error}\n`, exitCode: 2 }));
  }

  /** One command of a line: a trainer built-in, a move, or a command at the place (with its pipeline). */
  private async answerOne(line: string): Promise<Answer> {
    const split = splitWords(line);
    if (!split.ok) return { kind: 'invalid', output: `sh: syntax error: ${split.error}\n`, exitCode: 2 };
    const pipeline = splitPipeline(split.words);
    if (!pipeline.ok) return { kind: 'invalid', output: `sh: ${pipeline.error}\n`, exitCode: 2 };
    const [words, ...after] = pipeline.stages as [string[], ...string[][]];
    const filters: Filter[] = [];
    for (const stage of after) {
      const f = findFilter(stage);
      if (!f.ok) return { kind: 'invalid', output: f.stderr, exitCode: 127 };
      filters.push(f.filter);
    }
    const first = words[0]!;
    if ((BUILTINS as readonly string[]).includes(first)) {
      const a = await this.builtin(first as BuiltinName, words.slice(1));
      if (filters.length === 0) return a;
      const piped = runFilters(a.output, filters);
      return { ...a, output: piped.stdout, exitCode: piped.exitCode };
    }
    const move = parseMove(this.lab, this.here, words, this.debugContainers);
    if (move) return this.move(move, filters);
    return this.asUser(words, after.length ? words.map(quoteWord).join(' ') : line, filters);
  }

  /** The user's rights: `sudo` opens a root shell or runs a command as root; root-only commands are refused. */
  private async asUser(words: readonly string[], line: string, filters: readonly Filter[]): Promise<Answer> {
    const own = identity(this.frame, words);
    if (own) return this.printed(own, filters);
    if (this.here.kind === 'pod') {
      const missing = podShellNotFound(this.here, this.frame.shell, words[0]!, this.frames.linesRead);
      return missing ? { kind: 'command', output: missing.stderr, exitCode: missing.exitCode } : this.command(this.here, line, filters);
    }
    if (words[0] === 'sudo') {
      const ask = parseSudo(words.slice(1));
      if (ask.kind === 'usage') return { kind: 'command', output: ask.stderr, exitCode: 1 };
      const root = rootFrame(this.frame, ask.kind === 'shell' ? ask.sudo : 'plain');
      if (ask.kind === 'shell') {
        this.frames.push(root);
        return { kind: 'move', output: '', exitCode: 0 };
      }
      const rootOwn = identity(root, ask.words);
      if (rootOwn) return this.printed(rootOwn, filters);
      const move = parseMove(this.lab, this.here, ask.words, this.debugContainers);
      if (move) return this.move(move, filters);
      return this.command(this.here, ask.words.map(quoteWord).join(' '), filters);
    }
    const refused = this.frame.user === 'root' ? undefined : rootRefusal(words);
    if (refused) return { kind: 'command', output: refused.stdout + refused.stderr, exitCode: refused.exitCode };
    return this.command(this.here, line, filters);
  }

  /** Output the session itself answers (whoami, id), through the pipeline's filters. */
  private printed(own: { readonly output: string; readonly exitCode: number }, filters: readonly Filter[]): Answer {
    if (filters.length === 0) return { kind: 'command', ...own };
    const piped = runFilters(own.output, filters);
    return { kind: 'command', output: piped.stdout, exitCode: piped.exitCode };
  }

  /** Ctrl-C while a command runs: true when it stopped one that runs until interrupted. */
  interrupt(): boolean {
    return this.foreground?.interrupt() ?? false;
  }

  /** Runs a command at a device; its standard output goes through the pipeline's filters, its errors do not. */
  private async command(device: Device, line: string, filters: readonly Filter[] = []): Promise<Answer> {
    const backend = this.requireBackend();
    // Alone on its line (no list, no pipe), a command that runs until Ctrl-C shows its lines as they come.
    const alone = this.foreground && filters.length === 0 && !/[;&|]/.test(this.typed.at(-1) ?? '');
    const fg = alone ? await this.foreground!.runIfEndless(backend, placeOf(device), line, this.opts.out) : undefined;
    const r = fg?.result ?? (await backend.run(placeOf(device), line));
    this.keepTrace(r, device);
    const jobs = await this.jobs.pending();
    const shown = fg?.shown ?? '';
    if (filters.length === 0) return { kind: 'command', output: shown + terminalText(r) + jobs, exitCode: r.exitCode, shown: shown.length };
    const piped = runFilters(r.stdout, filters);
    return { kind: 'command', output: terminalText(r, piped.stdout) + jobs, exitCode: piped.exitCode };
  }

  private keepTrace(r: CommandResult, device: Device): void {
    const last = r.traces?.[r.traces.length - 1];
    if (last) this.lastProbe = { trace: last, from: device.id };
  }

  private async move(move: NonNullable<ReturnType<typeof parseMove>>, filters: readonly Filter[]): Promise<Answer> {
    if (move.kind === 'refused') return { kind: 'move', output: move.stderr, exitCode: move.exitCode };
    if (move.kind === 'exit') {
      const left = this.frames.exit();
      return left.closed ? { kind: 'move', output: left.output, exitCode: 0 } : this.leave();
    }
    const banner = move.banner ?? '';
    if (move.command !== undefined) {
      // kubectl's lines come before the command's output: shown now, and counted as shown in the answer.
      if (banner) this.opts.out(banner);
      const ran = await this.command(move.device, move.command, filters);
      // kubectl exec reports a command's failure itself (exec.go: CodeExitError), ssh passes the status on silently.
      const failed = move.kubectl && ran.exitCode ? `command terminated with exit code ${ran.exitCode}\n` : '';
      return { ...ran, output: banner + ran.output + failed + (move.leaving ?? ''), shown: banner.length + (ran.shown ?? 0) };
    }
    this.frames.push({ ...frameAt(move.device), ...(move.leaving ? { leaving: move.leaving } : {}), ...(move.shell ? { shell: move.shell } : {}) });
    return { kind: 'move', output: banner, exitCode: 0 };
  }

  /** `exit` in the first shell logs out of it: the session asks first, and a second `exit` right after ends it. */
  private leave(): Answer {
    if (this.leavingAt === this.typed.length - 1) return { kind: 'move', output: '', quit: true, exitCode: 0 };
    this.leavingAt = this.typed.length;
    const out = this.here.kind === 'node' ? 'logout\n' : '';
    return { kind: 'move', output: `${out}This is the shell the session started in: type exit again to end the training session, anything else to stay.\n`, exitCode: 0 };
  }

  private async builtin(name: BuiltinName, args: readonly string[]): Promise<Answer> {
    const s = this.opts.scenario;
    switch (name) {
      case 'help':
        return { kind: 'builtin', builtin: name, output: formatHelp(this.lab, this.here, s.hints.length - this.hintsShown) };
      case 'hint': {
        const output = formatHint(s, this.hintsShown);
        if (this.hintsShown < s.hints.length) this.hintsShown++;
        return { kind: 'builtin', builtin: name, output };
      }
      case 'solution':
        this.solutionShown = this.solutionShown || s.fixSteps !== undefined;
        return { kind: 'builtin', builtin: name, output: formatSolution(s) };
      case 'check': {
        const outcome = await checkNow(this.requireBackend(), s, this.healthy);
        this.checks++;
        if (outcome.fixed && this.firstFixedAtMs === undefined) this.firstFixedAtMs = this.now() - this.startedMs;
        return { kind: 'builtin', builtin: name, output: formatCheck(outcome), fixed: outcome.fixed, exitCode: outcome.fixed ? 0 : 1 };
      }
      case 'reset': {
        await this.jobs.stopAll();
        await this.requireBackend().down();
        this.resets++;
        this.resetAfterFix ||= this.firstFixedAtMs !== undefined;
        this.frames.restart();
        this.lastProbe = undefined;
        await this.buildBroken(this.opts.makeBackend());
        return { kind: 'builtin', builtin: name, output: `The lab is broken again, as at the start. You are on ${describePlace(this.here)}.\n` };
      }
      case 'diagram':
        return { kind: 'builtin', builtin: name, output: this.diagram() };
      case 'history':
        return { kind: 'builtin', builtin: name, output: this.typed.map((l, i) => `${String(i + 1).padStart(5)}  ${l}\n`).join('') };
      case 'sleep':
        return this.sleepFor(args);
      case 'quit':
        return { kind: 'builtin', builtin: name, output: '', quit: true };
    }
  }

  private diagram(): string {
    const file = join(this.opts.diagramDir, `${this.opts.scenario.name}-${++this.diagrams}.svg`);
    return writeDiagram(file, this.lab, this.lastProbe?.trace, this.probePath, this.backend?.name === 'sim');
  }

  /**
   * The last probe's path as the lab's picture draws it (`diagram`, the web trainer's live picture). Before `solution`
   * the picture shows the path and where it stops, not the setting or rule that stopped it.
   */
  get probePath(): SvgOptions['path'] {
    return this.lastProbe ? { ...this.lastProbe, cause: this.solutionShown } : undefined;
  }

  /** `sleep N[s|m]`: lets time pass, so controllers (Flannel) reconcile; simulated time on the simulator. */
  private async sleepFor(args: readonly string[]): Promise<Answer> {
    const text = args[0] ?? '';
    const ms = parseDuration(/^[0-9.]+$/.test(text) ? `${text}s` : text);
    if (ms === undefined || args.length !== 1) return { kind: 'builtin', builtin: 'sleep', output: `sleep: invalid time interval '${text}'\n`, exitCode: 1 };
    const backend = this.requireBackend();
    await backend.wait(ms);
    return { kind: 'builtin', builtin: 'sleep', output: '', exitCode: 0 };
  }

  /** Tab completion of the line typed so far: [candidates, the word they complete]. */
  complete(line: string): [string[], string] {
    return completeLine(this.lab, this.here, line);
  }

  /** Takes the lab down after a failed start; no summary. */
  async abort(): Promise<void> {
    await this.jobs.stopAll();
    const backend = this.backend;
    this.backend = undefined;
    if (backend) await backend.down();
  }

  /** Runs a last silent check, takes the lab down and returns the summary (written to the transcript). */
  async finish(transcriptPath?: string): Promise<SessionSummary> {
    if (this.finished) return this.finished;
    let fixed = false;
    const backend = this.backend;
    if (backend) await this.jobs.stopAll();
    if (backend) {
      try {
        fixed = (await checkNow(backend, this.opts.scenario, this.healthy)).fixed;
      } finally {
        this.backend = undefined;
        await backend.down();
      }
    }
    const end = this.now();
    const s = this.opts.scenario;
    const summary: SessionSummary = {
      scenario: s.name, title: s.title, backend: backend?.name ?? 'none', trainee: this.opts.trainee ?? 'trainee',
      startedAt: this.startedAt, endedAt: new Date(end).toISOString(), durationMs: end - this.startedMs,
      commands: this.commands, hintsUsed: this.hintsShown, hintsTotal: s.hints.length, solutionShown: this.solutionShown,
      resets: this.resets, checks: this.checks, fixed,
      ...(this.firstFixedAtMs !== undefined ? { firstFixedAtMs: this.firstFixedAtMs, resetAfterFix: this.resetAfterFix } : {}),
      ...(transcriptPath ? { transcript: transcriptPath } : {}),
    };
    this.opts.transcript?.write({ type: 'end', summary });
    this.finished = summary;
    return summary;
  }
}
