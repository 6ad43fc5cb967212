// `tracelab lab up|status|down --backend netns`: the actions cli/commands/lab.ts dispatches to (LAB_ACTIONS.netns).
import { loadLab } from '../../topology/compile.js';
import { DEFAULT_LAB } from '../../topology/paths.js';
import { DEFAULT_PREFIX, NetnsError, netnsDown, netnsUp, type NetnsLabOptions } from './lifecycle.js';
import { createNetnsBackend } from './backend.js';

export { DEFAULT_PREFIX };

/** The flags these actions read; structurally a subset of the LabArgs of cli/commands/lab.ts. */
export interface NetnsActionArgs {
  readonly action: string;
  readonly lab?: string;
  readonly prefix?: string;
  readonly stateDir?: string;
}

/** Where an action writes: progress and results, warnings and problems. */
export interface ActionIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

const labOptions = (args: NetnsActionArgs): NetnsLabOptions => ({
  ...(args.prefix !== undefined ? { prefix: args.prefix } : {}),
  ...(args.stateDir !== undefined ? { stateDir: args.stateDir } : {}),
});

/** A lab error (a bad prefix, something in the way, a failed build): one line, exit 2. */
async function reportingLabErrors(args: NetnsActionArgs, io: ActionIo, action: () => Promise<number>): Promise<number> {
  try {
    return await action();
  } catch (error) {
    if (!(error instanceof NetnsError)) throw error;
    io.err(`tracelab: lab ${args.action}: ${error.message.split('\n').join('; ')}\n`);
    return 2;
  }
}

/** Builds the lab afresh (a lab of the same prefix is removed first), with progress lines. */
export function netnsUpAction(args: NetnsActionArgs, io: ActionIo): Promise<number> {
  return reportingLabErrors(args, io, async () => {
    const summary = await netnsUp(loadLab(args.lab ?? DEFAULT_LAB), { ...labOptions(args), progress: (line) => io.out(line + '\n') });
    for (const w of summary.warnings) io.err(`warning: ${w}\n`);
    io.out(`${summary.namespaces} namespaces, ${summary.commands} commands, ${summary.listeners} listeners; run commands with: ip netns exec ${summary.prefix}-<device> ...\n`);
    return 0;
  });
}

/** The recorded lab and what of it is still there; exit 1 when there is no lab. */
export function netnsStatusAction(args: NetnsActionArgs, io: ActionIo): Promise<number> {
  return reportingLabErrors(args, io, async () => {
    const status = await createNetnsBackend(labOptions(args)).status();
    io.out(status.text);
    return status.up ? 0 : 1;
  });
}

/** Removes everything the record lists; exit 1 when something could not be removed. */
export function netnsDownAction(args: NetnsActionArgs, io: ActionIo): Promise<number> {
  return reportingLabErrors(args, io, async () => {
    const s = await netnsDown(labOptions(args));
    if (!s.found) {
      io.out(`no namespace lab with prefix ${s.prefix}: nothing to remove\n`);
      return 0;
    }
    io.out(`removed ${s.namespaces} namespaces, ${s.processes} listeners, ${s.files} files in ${s.ms} ms\n`);
    for (const p of s.problems) io.err(`problem: ${p}\n`);
    return s.problems.length === 0 ? 0 : 1;
  });
}
