// The shell a trainee opened in a pod (kubectl exec -it POD -- sh|bash, kubectl debug -it): its prompt and how it says
// a program is not there. dash (Debian's sh: nginx, httpd) prints `sh: LINE: ip: not found` with the line number of
// its input (error.c's exvwarning: "%s: %d: " with arg0 and errlinno), and `# ` as root's PS1; bash prints
// `bash: ip: command not found`; busybox ash `sh: ip: not found`. All exit 127.
import type { Device } from '../../topology/model.js';
import { hasTool, imageBaseName, imageFacts } from '../../topology/images.js';

/** The shell program as it was started (`sh`, `/bin/sh`, `bash`): its argv[0] is the name its messages start with. */
export type ShellName = string;

/** Which shell a program name starts in the device's image: bash is bash everywhere it exists; sh is the image's. */
function shellKind(device: Device, shell: ShellName | undefined): 'bash' | 'dash' | 'ash' | 'none' {
  if (shell !== undefined && shell.endsWith('bash')) return 'bash';
  return imageFacts(device).shell;
}

/** The prompt of the shell: bash's Debian PS1, dash's `# `, or the image's own (busybox and netshoot's shells). */
export function podShellPrompt(device: Device, shell: ShellName | undefined, imagePrompt: (device: Device) => string): string {
  if (shell !== undefined && shellKind(device, shell) === 'dash') return '# ';
  return imagePrompt(device);
}

/**
 * What the shell prints for PROGRAM when the image does not have it (LINE: the line of the shell's input it was on),
 * or undefined when the program is there.
 */
export function podShellNotFound(device: Device, shell: ShellName | undefined, program: string, line: number): { readonly stderr: string; readonly exitCode: number } | undefined {
  if (hasTool(device, program)) return undefined;
  const name = shell ?? 'sh';
  switch (shellKind(device, shell)) {
    case 'bash':
      return { stderr: `${baseName(name)}: ${program}: command not found\n`, exitCode: 127 };
    case 'dash':
      return { stderr: `${name}: ${line}: ${program}: not found\n`, exitCode: 127 };
    default:
      return { stderr: `${name}: ${program}: not found\n`, exitCode: 127 };
  }
}

/** bash names itself by its argv[0]'s last component in messages (`/bin/bash` -> `bash`). */
function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** Whether the image of DEVICE has shell PROGRAM (`bash` is not in busybox, Alpine or distroless images). */
export function imageHasShell(device: Device, program: string): boolean {
  const facts = imageFacts(device);
  if (facts.shell === 'none') return false;
  const image = imageBaseName(device.image ?? '');
  return !(program.endsWith('bash') && (device.toolset === 'busybox' || image === 'alpine'));
}
