// `kubectl debug -it POD --image=IMAGE [--target=C] [-- COMMAND]` in the training shell: an ephemeral debug container in
// the pod (the place POD+IMAGE: the pod's network, the image's programs), with kubectl 1.31's own lines (pkg/cmd/debug
// debug.go Validate and computeDebugContainerName, pkg/cmd/attach attach.go), checked against the source.
import type { Device, LabModel } from '../../topology/model.js';
import { resolvePlace } from '../../topology/place.js';
import { DEBUG_SEPARATOR, isImageReference } from '../../topology/debug-container.js';
import { imageBaseName } from '../../topology/images.js';
import { quoteWord } from '../../sim/words.js';
import { fnv1a } from '../../topology/device-names.js';

/** What `kubectl debug` asks of the session: enter the debug container, run one command there, or only print. */
export type DebugMove =
  | { readonly kind: 'debug'; readonly device: Device; readonly banner: string; readonly command?: string; readonly leaving: string }
  | { readonly kind: 'said'; readonly output: string; readonly exitCode: number };

/** apimachinery's util/rand alphabet (no vowels, no 0, 1, 3): the characters of kubectl's random name suffix. */
const SUFFIX_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** The debug containers a session created: their names (from the seed, as kubectl's come from its random source). */
export class DebugContainers {
  private readonly perPod = new Map<string, number>();
  constructor(private readonly seed: number) {}

  /** A new ephemeral container in POD: its name (`debugger-xxxxx`) and its index in spec.ephemeralContainers. */
  create(pod: string): { readonly name: string; readonly index: number } {
    const index = this.perPod.get(pod) ?? 0;
    this.perPod.set(pod, index + 1);
    return { name: `debugger-${suffix(`${this.seed}/${pod}/${index}`)}`, index };
  }

  /** The index the next container of POD would get (the API server's field path in its errors). */
  next(pod: string): number {
    return this.perPod.get(pod) ?? 0;
  }
}

/** Five characters of SUFFIX_ALPHABET drawn from hashes of KEY (FNV-1a), one per position. */
function suffix(key: string): string {
  let out = '';
  for (let i = 0; i < 5; i++) out += SUFFIX_ALPHABET[fnv1a(key, 0x23, String(i)) % SUFFIX_ALPHABET.length];
  return out;
}

interface DebugArgs {
  image?: string;
  target?: string;
  container?: string;
  stdin: boolean;
  tty: boolean;
  quiet: boolean;
  names: string[];
  command: string[];
  unknown?: string;
}

const VALUE_FLAGS: Readonly<Record<string, keyof DebugArgs>> = { '--image': 'image', '--target': 'target', '-c': 'container', '--container': 'container', '-n': 'names', '--namespace': 'names', '--profile': 'names' };

/** Reads kubectl debug's flags (the ones a trainee uses; others are refused as not modelled). */
function parseArgs(args: readonly string[]): DebugArgs {
  const o: DebugArgs = { stdin: false, tty: false, quiet: false, names: [], command: [] };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') {
      o.command = args.slice(i + 1);
      break;
    }
    const eq = a.indexOf('=');
    const flag = a.startsWith('--') && eq > 0 ? a.slice(0, eq) : a;
    const key = VALUE_FLAGS[flag];
    if (key) {
      const value = flag !== a ? a.slice(eq + 1) : args[++i] ?? '';
      if (key === 'image' || key === 'target' || key === 'container') o[key] = value;
      continue; // -n/--namespace and --profile: the lab's pods are found by name; profiles change no program here
    }
    if (/^-[itq]+$/.test(a)) {
      o.stdin ||= a.includes('i');
      o.tty ||= a.includes('t');
      o.quiet ||= a.includes('q');
    } else if (a === '--stdin' || a === '--tty' || a === '--quiet') o[a.slice(2) as 'stdin' | 'tty' | 'quiet'] = true;
    else if (a.startsWith('-')) o.unknown ??= a;
    else o.names.push(a);
  }
  return o;
}

const said = (output: string, exitCode: number): DebugMove => ({ kind: 'said', output, exitCode });

/** `kubectl debug ARGS` typed at a node: kubectl's checks in its order, then the ephemeral container. */
export function kubectlDebug(lab: LabModel, args: readonly string[], containers: DebugContainers): DebugMove {
  const o = parseArgs(args);
  if (o.unknown) return said(`kubectl debug ${o.unknown}: not modelled by the tracelab simulator\n`, 3);
  if (o.image === undefined || o.image === '') return said('error: you must specify --image when not using --copy-to.\n', 1);
  if (!isImageReference(o.image)) return said(`error: invalid image name "${o.image}": invalid reference format\n`, 1);
  const name = o.names[0];
  if (name === undefined) return said('error: NAME or filename is required for debug\n', 1);
  let out = '';
  if (o.target !== undefined && !o.quiet) {
    out += `Targeting container "${o.target}". If you don't see processes from this container it may be because the container runtime doesn't support this feature.\n`;
  }
  if (o.tty && !o.stdin) return said(`${out}error: -i/--stdin is required for containers with -t/--tty=true\n`, 1);
  if (name.startsWith('node/')) return said(`${out}kubectl debug node/...: not modelled by the tracelab simulator (use ssh)\n`, 3);
  const podName = name.startsWith('pod/') ? name.slice(4) : name;
  const pod = lab.device(podName);
  if (!pod || pod.kind !== 'pod') return said(`${out}Error from server (NotFound): pods "${podName}" not found\n`, 1);
  if (o.target !== undefined && o.target !== pod.id && o.target !== imageBaseName(pod.image ?? '')) {
    const field = `spec.ephemeralContainers[${containers.next(pod.id)}].targetContainerName`;
    return said(`${out}The Pod "${pod.id}" is invalid: ${field}: Not found: "${o.target}"\n`, 1);
  }
  const where = resolvePlace(lab, `${pod.id}${DEBUG_SEPARATOR}${o.image}`);
  if (!where.ok) return said(`${out}error: ${where.message}\n`, 1);
  const created = o.container !== undefined ? { name: o.container } : containers.create(pod.id);
  if (o.container === undefined && !o.quiet) out += `Defaulting debug container name to ${created.name}.\n`;
  // Without -i kubectl creates the container and returns; its process runs detached.
  if (!o.stdin) return said(out, 0);
  if (o.tty && !o.quiet) out += "If you don't see a command prompt, try pressing enter.\n";
  const leaving = o.tty && !o.quiet ? `Session ended, the ephemeral container will not be restarted but may be reattached using 'kubectl attach ${pod.id} -c ${created.name} -i -t' if it is still running\n` : '';
  const shell = o.command.length === 0 || (o.command.length === 1 && /^(\/bin\/)?(sh|ash|bash|zsh)$/.test(o.command[0]!));
  return shell
    ? { kind: 'debug', device: where.device, banner: out, leaving }
    : { kind: 'debug', device: where.device, banner: out, leaving, command: o.command.map(quoteWord).join(' ') };
}
