// coreutils 9.1 `uname` (busybox's applet prints the same fields): the kernel is the node's, whichever place asks,
// and the node name is the place's hostname (a pod's own UTS namespace).
import type { CommandResult } from '../../topology/trace.js';
import { BOX_KERNEL } from '../../topology/kube-nodes.js';
import type { CommandContext } from './index.js';
import { fail, ok } from './output.js';

/** The box kernel's build string. [ASSUMED: Debian's 6.1.0-28 package is 6.1.119-1 of 2024-11-22.] */
export const BOX_KERNEL_VERSION = '#1 SMP PREEMPT_DYNAMIC Debian 6.1.119-1 (2024-11-22)';

/** uname's fields in its print order, with their short and long options. */
const FIELDS = [
  ['s', '--kernel-name'], ['n', '--nodename'], ['r', '--kernel-release'], ['v', '--kernel-version'],
  ['m', '--machine'], ['p', '--processor'], ['i', '--hardware-platform'], ['o', '--operating-system'],
] as const;

type Field = (typeof FIELDS)[number][0];

// The boxes' UTF-8 locale: coreutils quotes operands with ‘ ’; getopt's option errors keep ASCII quotes.
const TRY = "Try 'uname --help' for more information.";

/** The fields the options ask for, or uname's error (exit 1). */
function selected(args: readonly string[]): Set<Field> | CommandResult {
  const want = new Set<Field>();
  let all = false;
  for (const a of args) {
    if (a === '-a' || a === '--all') all = true;
    else if (a.startsWith('--')) {
      const f = FIELDS.find(([, long]) => long === a);
      if (!f) return fail(`uname: unrecognized option '${a}'\n${TRY}`, 1);
      want.add(f[0]);
    } else if (a.startsWith('-') && a.length > 1) {
      for (const ch of a.slice(1)) {
        if (ch === 'a') all = true;
        else if (FIELDS.some(([f]) => f === ch)) want.add(ch as Field);
        else return fail(`uname: invalid option -- '${ch}'\n${TRY}`, 1);
      }
    } else return fail(`uname: extra operand ‘${a}’\n${TRY}`, 1);
  }
  // -a prints every field but -p and -i when they are unknown (as on Debian's x86_64 kernels), even when also named.
  if (all) return new Set(['s', 'n', 'r', 'v', 'm', 'o']);
  if (want.size === 0) want.add('s');
  return want;
}

export function uname(args: readonly string[], ctx: CommandContext): CommandResult {
  const want = selected(args);
  if (!(want instanceof Set)) return want;
  const values: Record<Field, string> = {
    s: 'Linux', n: ctx.state.device.hostname, r: BOX_KERNEL, v: BOX_KERNEL_VERSION, m: 'x86_64', p: 'unknown', i: 'unknown', o: 'GNU/Linux',
  };
  return ok(`${FIELDS.filter(([f]) => want.has(f)).map(([f]) => values[f]).join(' ')}\n`);
}
