// Where a trainee stands: the shell prompt of a place, and the moves between places (ssh, kubectl exec, exit).
import { formatIp, parseIp } from '../../topology/address.js';
import type { Device, LabModel } from '../../topology/model.js';
import { resolvePlace } from '../../topology/place.js';
import { execNotFoundMessage, hasTool, imageBaseName } from '../../topology/images.js';
import { imageHasShell, podShellPrompt } from './pod-shell.js';
import { quoteWord } from '../../sim/words.js';
import { frameAt, framePrompt, type Frame } from './users.js';
import { kubectlDebug, type DebugContainers } from './debug.js';
import { debugImageOf } from '../../topology/debug-container.js';

/** Images without a shell besides those topology/images.ts knows (coredns): `kubectl exec ... -- sh` fails as the runtime says. */
const SHELL_LESS_IMAGES: ReadonlySet<string> = new Set(['pause', 'distroless']);

/** The prompt a person sees on arriving at a device (the node's vagrant user, the image's shell in pods). */
export function promptOf(device: Device, frame: Frame = frameAt(device)): string {
  return framePrompt(frame, (d) => podShellPrompt(d, frame.shell, podPrompt));
}

/** A pod's prompt as its image's shell prints it (the image's user is root in every image modelled). */
function podPrompt(device: Device): string {
  const image = imageName(device);
  if (device.toolset === 'busybox' || image === 'alpine') return '/ # ';
  if (image === 'netshoot') return `${device.hostname}:~# `;
  return `root@${device.hostname}:/# `;
}

/** The image's short name: `nicolaka/netshoot:latest` -> `netshoot`. */
export function imageName(device: Device): string {
  return imageBaseName(device.image ?? '');
}

/**
 * What a move command asks for. `command` set: run it once there without moving (`ssh node-1 ip route`). `banner`:
 * printed first; `leaving`: printed when the shell entered is left (kubectl debug's lines).
 */
export type Move =
  | { readonly kind: 'enter'; readonly device: Device; readonly command?: string; readonly banner?: string; readonly leaving?: string; readonly shell?: string; readonly kubectl?: true }
  | { readonly kind: 'exit' }
  | { readonly kind: 'refused'; readonly stderr: string; readonly exitCode: number };

const SHELLS: ReadonlySet<string> = new Set(['sh', '/bin/sh', 'bash', '/bin/bash', 'ash', '/bin/ash', 'zsh', '/bin/zsh']);

/**
 * Interprets `ssh`, `vagrant ssh`, `kubectl exec`, `kubectl debug` (with the session's DEBUG containers) and
 * `exit`/`logout` typed at `here`; undefined when the words are not a move (the command then runs at the place).
 */
export function parseMove(lab: LabModel, here: Device, words: readonly string[], debug?: DebugContainers): Move | undefined {
  const [program, ...args] = words;
  if (program === 'exit' || program === 'logout') return { kind: 'exit' };
  if (program === 'ssh') return sshMove(lab, here, args);
  if (program === 'vagrant' && args[0] === 'ssh') return sshMove(lab, here, args.slice(1), 'vagrant');
  if (program === 'kubectl' && args[0] === 'exec') return kubectlExec(lab, here, args.slice(1));
  if (program === 'kubectl' && args[0] === 'debug' && debug) return debugMove(lab, here, args.slice(1), debug);
  return undefined;
}

function debugMove(lab: LabModel, here: Device, args: readonly string[], debug: DebugContainers): Move {
  if (here.kind === 'pod') return { kind: 'refused', stderr: 'sh: kubectl: not found\n', exitCode: 127 };
  const m = kubectlDebug(lab, args, debug);
  if (m.kind === 'said') return { kind: 'refused', stderr: m.output, exitCode: m.exitCode };
  return { kind: 'enter', device: m.device, banner: m.banner, leaving: m.leaving, ...(m.command !== undefined ? { command: m.command } : {}) };
}

function sshMove(lab: LabModel, here: Device, args: readonly string[], via: 'ssh' | 'vagrant' = 'ssh'): Move {
  if (here.kind === 'pod') {
    return { kind: 'refused', stderr: `sh: ${via}: not found (pods here have no ${via} client; type exit to go back to the node)\n`, exitCode: 127 };
  }
  const operands: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (operands.length === 0 && a.startsWith('-')) {
      if (/^-[lpioFJ]$/.test(a)) i++; // options with a value
      continue;
    }
    operands.push(a);
  }
  const target = operands[0];
  if (target === undefined) return { kind: 'refused', stderr: `usage: ${via === 'vagrant' ? 'vagrant ssh NODE' : 'ssh NODE [COMMAND]'}\n`, exitCode: 255 };
  const host = target.includes('@') ? target.slice(target.indexOf('@') + 1) : target;
  const node = nodeByNameOrAddress(lab, host);
  if (!node) {
    if (parseIp(host) !== undefined) return { kind: 'refused', stderr: `ssh: connect to host ${host} port 22: Connection timed out\n`, exitCode: 255 };
    return { kind: 'refused', stderr: `ssh: Could not resolve hostname ${host}: Name or service not known\n`, exitCode: 255 };
  }
  const command = operands.slice(1).map(quoteWord).join(' ');
  return command ? { kind: 'enter', device: node, command } : { kind: 'enter', device: node };
}

function nodeByNameOrAddress(lab: LabModel, host: string): Device | undefined {
  const nodes = lab.devices.filter((d) => d.kind === 'node');
  const address = parseIp(host);
  if (address === undefined) return nodes.find((d) => d.id === host || d.hostname === host);
  return nodes.find((d) => d.internalIp === address || d.interfaces.some((i) => i.kind !== 'loopback' && i.segment === 'host-only' && i.addrs.some((a) => a.ip === address)));
}

/** `kubectl exec [-it] [-n NS] [-c C] POD -- COMMAND...`: a shell moves into the pod, any other command runs there once. */
function kubectlExec(lab: LabModel, here: Device, args: readonly string[]): Move {
  if (here.kind === 'pod') return { kind: 'refused', stderr: 'sh: kubectl: not found\n', exitCode: 127 };
  const dash = args.indexOf('--');
  const before = dash >= 0 ? args.slice(0, dash) : args;
  const command = dash >= 0 ? args.slice(dash + 1) : [];
  let pod: string | undefined;
  for (let i = 0; i < before.length; i++) {
    const a = before[i]!;
    if (['-n', '--namespace', '-c', '--container'].includes(a)) i++;
    else if (!a.startsWith('-') && pod === undefined) pod = a.startsWith('pod/') ? a.slice(4) : a;
  }
  if (pod === undefined) return { kind: 'refused', stderr: 'error: expected \'exec POD_NAME COMMAND [ARG1] [ARG2] ... [ARGN]\'.\nPOD_NAME and COMMAND are required arguments for the exec command\nSee \'kubectl exec -h\' for help and examples\n', exitCode: 1 };
  if (command.length === 0) return { kind: 'refused', stderr: 'error: you must specify at least one command for the container\n', exitCode: 1 };
  const where = resolvePlace(lab, pod);
  if (!where.ok || where.device.kind !== 'pod') return { kind: 'refused', stderr: `Error from server (NotFound): pods "${pod}" not found\n`, exitCode: 1 };
  const device = where.device;
  const program = command[0]!;
  if (SHELLS.has(program) && command.length === 1) {
    if (SHELL_LESS_IMAGES.has(imageName(device)) || !imageHasShell(device, program)) return { kind: 'refused', stderr: execNotFoundMessage(program, `${device.id}/${program}`), exitCode: 1 };
    return { kind: 'enter', device, shell: program };
  }
  // No shell between kubectl and the program: a program the image lacks fails in the runtime (containerd, runc).
  if (!SHELLS.has(program) && !hasTool(device, program)) return { kind: 'refused', stderr: execNotFoundMessage(program, `${device.id}/${program}`), exitCode: 1 };
  return { kind: 'enter', device, command: command.map(quoteWord).join(' '), kubectl: true };
}

/** The words a trainee may tab-complete as a place: nodes for ssh, pods for kubectl exec, every place otherwise. */
export function placeNames(lab: LabModel, kind?: 'node' | 'pod'): string[] {
  return lab.devices.filter((d) => (kind ? d.kind === kind : d.kind === 'node' || d.kind === 'pod')).map((d) => d.id);
}

/** A one-line description of where a device is: "node node-2 (192.168.56.12)", "pod traceroute on node-2 (10.244.2.2)". */
export function describePlace(device: Device): string {
  const addr = device.interfaces.find((i) => i.kind !== 'loopback' && (device.kind !== 'node' || i.segment === 'host-only'))?.addrs[0];
  const ip = addr ? ` (${formatIp(addr.ip)})` : '';
  const debug = debugImageOf(device);
  if (device.kind === 'pod' && debug !== undefined) return `a ${imageBaseName(debug)} debug container in pod ${device.id} on ${device.node}${ip}`;
  if (device.kind === 'pod') return `pod ${device.id} on ${device.node}${ip}`;
  return `${device.kind} ${device.id}${ip}`;
}
