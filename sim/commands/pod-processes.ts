// `ps` in a pod, as busybox's applet prints it (busybox 1.36 procps/ps.c with CONFIG_DESKTOP: the default format
// "pid,user,time,args", header `PID   USER     TIME  COMMAND`; BSD words such as `aux` and -e/-f change nothing).
// busybox pods, Alpine and netshoot (no procps package: its ps is Alpine's busybox applet) have it; Debian slim
// images (nginx, httpd) have no ps at all (topology/images.ts).
import type { Device } from '../../topology/model.js';
import type { CommandResult } from '../../topology/trace.js';
import { imageBaseName } from '../../topology/images.js';
import { debugImageOf } from '../../topology/debug-container.js';
import { workload, type Spec } from './node-processes.js';
import { ok, unsupported } from './output.js';

/** Images whose `ps` is busybox's applet. */
const BUSYBOX_PS_IMAGES: ReadonlySet<string> = new Set(['busybox', 'alpine', 'netshoot']);

/** One line of the listing: %5u %-8.8s %5s (m:ss) and the command line (ps.c's default format). */
function line(pid: number, user: string, command: string): string {
  return `${String(pid).padStart(5)} ${user.slice(0, 8).padEnd(8)}  0:00 ${command}\n`;
}

/**
 * The user column: busybox prints the name /etc/passwd of the image ps runs in gives the uid, else the number.
 * busybox's image names www-data (33); Alpine's baselayout (netshoot) names neither 33 nor nginx's 101.
 */
function userIn(image: string, user: string): string {
  if (user === 'www-data' && image !== 'busybox') return '33';
  return user;
}

/** The pod's own processes in its container's pid namespace: the main process as pid 1, its children after it. */
function containerProcesses(pod: Device): { readonly pid: number; readonly user: string; readonly command: string }[] {
  const [main] = workload(pod.image ?? 'busybox') as [Spec];
  // nginx forks its workers right after start (pids 29.. on the real image); httpd's children likewise. [ASSUMED pids]
  return [{ pid: 1, user: main.user, command: main.command }, ...(main.children ?? []).map((c, k) => ({ pid: 29 + k, user: c.user, command: c.command }))];
}

/**
 * `ps` at a pod (DEVICE: the pod, or a debug container's view of POD): its container's processes, the shell the trainee typed in (kubectl exec -- sh), then ps itself. In a
 * debug container (POD+IMAGE) the pod's processes are seen as with `kubectl debug --target` (a shared pid namespace),
 * the debug shell being the image's (netshoot's zsh, busybox's sh).
 */
export function podPs(args: readonly string[], device: Device, pod: Device): CommandResult {
  const debug = debugImageOf(device);
  const image = imageBaseName(device.image ?? 'busybox');
  if (!BUSYBOX_PS_IMAGES.has(image)) return unsupported(`ps in the ${image} image`);
  if (args.some((a) => a.startsWith('-') && a.includes('o'))) return unsupported(`ps ${args.join(' ')}`);
  const own = containerProcesses(pod);
  const shell = debug !== undefined && image === 'netshoot' ? 'zsh' : 'sh';
  const shellPid = debug !== undefined ? 41 : 7;
  const rows = [...own.map((p) => line(p.pid, userIn(image, p.user), p.command)), line(shellPid, 'root', shell), line(shellPid + 6, 'root', ['ps', ...args].join(' '))];
  return ok(`PID   USER     TIME  COMMAND\n${rows.join('')}`);
}
