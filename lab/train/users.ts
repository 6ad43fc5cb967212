// Who the trainee is at a place: `vagrant` on the nodes (a Debian box: root through sudo), the image's user in pods
// (root in netshoot, busybox, httpd, nginx), and the root shells `sudo -i`, `sudo su -`, `sudo -s` open until `exit`.
import type { Device } from '../../topology/model.js';

/** One shell the trainee stands in: the place, the user, and how the shell was opened. */
export interface Frame {
  readonly device: Device;
  readonly user: string;
  /** A root shell opened by sudo: `exit` goes back to the user's shell, printing `logout` (login) or `exit`. */
  readonly sudo?: 'login' | 'plain';
  /** What leaving this shell prints (kubectl debug's "Session ended, ..." line). */
  readonly leaving?: string;
  /** A pod's shell as kubectl exec started it (`sh`, `/bin/sh`, `bash`): its prompt and messages (pod-shell.ts). */
  readonly shell?: string;
}

/** The user a trainee is when arriving at a place: Vagrant's `vagrant` on nodes, `you` on the host, root in pods. */
export function arrivingUser(device: Device): string {
  if (device.kind === 'node') return 'vagrant';
  if (device.kind === 'host') return 'you';
  return 'root';
}

export function frameAt(device: Device): Frame {
  return { device, user: arrivingUser(device) };
}

/** What a `sudo ...` line asks for: a root shell, a command run as root, or sudo's own usage error. */
export type SudoRequest =
  | { readonly kind: 'shell'; readonly sudo: 'login' | 'plain' }
  | { readonly kind: 'run'; readonly words: readonly string[] }
  | { readonly kind: 'usage'; readonly stderr: string };

const SHELLS: ReadonlySet<string> = new Set(['sh', 'bash', '/bin/sh', '/bin/bash']);

/** sudo 1.9's usage text (Debian 12), printed for a bare `sudo`. */
const SUDO_USAGE = `usage: sudo -h | -K | -k | -V
usage: sudo -v [-ABkNnS] [-g group] [-h host] [-p prompt] [-u user]
usage: sudo -l [-ABkNnS] [-g group] [-h host] [-p prompt] [-U user] [-u user] [command [arg ...]]
usage: sudo [-ABbEHkNnPS] [-r role] [-t type] [-C num] [-D directory] [-g group] [-h host] [-p prompt] [-R directory] [-T timeout] [-u user] [VAR=value] [-i | -s] [command [arg ...]]
usage: sudo -e [-ABkNnS] [-r role] [-t type] [-C num] [-D directory] [-g group] [-h host] [-p prompt] [-R directory] [-T timeout] [-u user] file ...
`;

/** Reads the words after `sudo`: `-i`/`-s` alone, `su [-|-l] [root]`, a shell, or a command. */
export function parseSudo(args: readonly string[]): SudoRequest {
  let login: boolean | undefined;
  let i = 0;
  for (; i < args.length && args[i]!.startsWith('-'); i++) {
    const a = args[i]!;
    if (a === '-i' || a === '--login') login = true;
    else if (a === '-s' || a === '--shell') login = false;
    else if (a === '--') {
      i++;
      break;
    }
  }
  const rest = args.slice(i);
  if (rest.length === 0) return login === undefined ? { kind: 'usage', stderr: SUDO_USAGE } : { kind: 'shell', sudo: login ? 'login' : 'plain' };
  const [program, ...more] = rest;
  if (program === 'su') {
    const su = more.filter((w) => w !== 'root');
    if (su.length === 0) return { kind: 'shell', sudo: 'plain' };
    if (su.length === 1 && (su[0] === '-' || su[0] === '-l' || su[0] === '--login')) return { kind: 'shell', sudo: 'login' };
  }
  if (SHELLS.has(program!) && more.length === 0) return { kind: 'shell', sudo: 'plain' };
  return { kind: 'run', words: rest };
}

/** A root shell by sudo at the frame's place. */
export function rootFrame(from: Frame, sudo: 'login' | 'plain'): Frame {
  return { device: from.device, user: 'root', sudo };
}

/**
 * The prompt of a shell as Debian's bash prints it on the nodes (`vagrant@node-1:~$ `, `root@node-1:~# `; a
 * non-login root shell stays in /home/vagrant) and as the image's shell prints it in pods.
 */
export function framePrompt(frame: Frame, podPrompt: (device: Device) => string): string {
  const { device, user } = frame;
  if (device.kind === 'pod') return podPrompt(device);
  const home = user === 'root' ? '/root' : `/home/${user}`;
  const cwd = frame.sudo === 'plain' ? `/home/${arrivingUser(device)}` : home;
  const shown = cwd === home ? '~' : cwd;
  return `${user}@${device.hostname}:${shown}${user === 'root' ? '#' : '$'} `;
}

/** The shell variables a trainee uses: `$HOSTNAME`, `$HOME`, `$USER`, `$LOGNAME`, `$PWD`, `$SHELL`, `$?`. */
export function shellVariable(frame: Frame, status: number, name: string): string | undefined {
  const { device, user } = frame;
  const home = user === 'root' ? '/root' : `/home/${user}`;
  switch (name) {
    case '?':
      return String(status);
    case 'HOSTNAME':
      return device.hostname;
    case 'HOME':
      return home;
    case 'USER':
    case 'LOGNAME':
      return device.kind === 'pod' ? undefined : user;
    case 'PWD':
      return device.kind === 'pod' ? '/' : frame.sudo === 'plain' ? `/home/${arrivingUser(device)}` : home;
    case 'SHELL':
      return device.kind === 'pod' ? undefined : '/bin/bash';
    default:
      return undefined;
  }
}

/** Debian's ids: vagrant is the box's first user (1000), root 0. */
const IDS: Readonly<Record<string, number>> = { root: 0, vagrant: 1000, you: 1000 };

/** `whoami` and `id` at a place, as coreutils prints them for the frame's user; undefined for other commands. */
export function identity(frame: Frame, words: readonly string[]): { output: string; exitCode: number } | undefined {
  const [program, ...args] = words;
  if (program !== 'whoami' && program !== 'id') return undefined;
  if (args.length > 0) return undefined;
  const { user } = frame;
  if (program === 'whoami') return { output: `${user}\n`, exitCode: 0 };
  const n = IDS[user] ?? 1000;
  return { output: `uid=${n}(${user}) gid=${n}(${user}) groups=${n}(${user})\n`, exitCode: 0 };
}
