// Probes whose client differs by build between the lab's image and the namespace lab (which runs Debian 12's programs
// in every namespace): netshoot's Alpine BIND 9.20, curl 8 and musl. Such a probe is marked, and verify compares only
// its version-independent part: the masks here apply to marked probes alone (docs/l4-clients.md, "Version marks").
import { imageFacts } from '../../topology/images.js';
import type { Device } from '../../topology/model.js';
import { splitWords } from '../words.js';
import { MASK } from './mask.js';

/** What differs for one program at one image, and what a comparison leaves out. */
export interface VersionMark {
  readonly program: string;
  readonly image: string;
  /** The image's build, as the simulator prints it. */
  readonly imageBuild: string;
  /** The build the namespace lab runs. */
  readonly labBuild: string;
  /** What verify masks for this probe ('' when nothing known differs in the outputs the simulator prints). */
  readonly masked: string;
}

const BIND = { imageBuild: 'BIND 9.20 (Alpine bind-tools)', labBuild: 'BIND 9.18.49 (Debian bind9-dnsutils)' };
const MUSL = { imageBuild: 'musl libc resolver (Alpine)', labBuild: 'glibc 2.36 resolver (Debian)' };
const GAI_WORDS = "gai_strerror's words (musl `Name does not resolve`, `Try again`)";

/** Per image: the programs whose build differs from the namespace lab's. Images not listed run Debian's builds. */
const MARKS: Readonly<Record<string, Readonly<Record<string, Omit<VersionMark, 'program' | 'image'>>>>> = {
  netshoot: {
    dig: { ...BIND, masked: 'the version in the `; <<>> DiG VERSION <<>>` banner' },
    nslookup: { ...BIND, masked: '' },
    host: { ...BIND, masked: '' },
    // curl 8's -v lines differ from 7.88's (FACTS-L4 §6, [ASSUMED] there): the simulator prints 7.88.1's everywhere.
    curl: { imageBuild: 'curl 8 (Alpine)', labBuild: 'curl 7.88.1 (Debian)', masked: '' },
  },
};

/** Every other program at a musl place (nc, getent, ping, traceroute...) resolves names through musl. */
const MUSL_PROGRAM = { ...MUSL, masked: GAI_WORDS };

/** The mark of COMMAND at DEVICE, or undefined when the place runs the namespace lab's build of the program. */
export function versionMark(device: Pick<Device, 'kind' | 'image'>, command: string): VersionMark | undefined {
  const split = splitWords(command);
  const program = split.ok ? split.words[0] : undefined;
  if (program === undefined) return undefined;
  const facts = imageFacts(device);
  const mark = MARKS[facts.name]?.[program] ?? (facts.resolver === 'musl' ? MUSL_PROGRAM : undefined);
  return mark ? { program, image: facts.name, ...mark } : undefined;
}

/** dig's banner names BIND's version: the image's build in the simulator, the host's in the namespace lab. */
const DIG_BANNER = /^(; <<>> DiG )\S+( <<>> )/;

/** gai_strerror's words differ by libc, not by outcome: compared as glibc's. */
const MUSL_GAI: readonly (readonly [RegExp, string])[] = [
  [/: Name does not resolve$/, ': Name or service not known'],
  [/: Try again$/, ': Temporary failure in name resolution'],
];

/** One line of a marked probe's output with its version-dependent part masked (the same for every build). */
export function maskVersionLine(line: string): string {
  for (const [musl, glibc] of MUSL_GAI) if (musl.test(line)) return line.replace(musl, glibc);
  return line.replace(DIG_BANNER, `$1${MASK}$2`);
}
