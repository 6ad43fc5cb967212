// Names of the namespace lab: lab prefixes, namespace names per device and segment, interface-name limits.

/** Linux IFNAMSIZ minus the terminating NUL. */
export const MAX_IFNAME = 15;

/** Longest namespace name we make (a file name under /run/netns and a directory under /etc/netns). */
export const MAX_NSNAME = 64;

const PREFIX_RE = /^[A-Za-z][A-Za-z0-9]{0,15}$/;

/** A lab prefix: letters and digits, starting with a letter (`tlns`, `tlt1`, `tlN1`). Returns an error text or undefined. */
export function checkPrefix(prefix: string): string | undefined {
  if (PREFIX_RE.test(prefix)) return undefined;
  return `invalid namespace prefix "${prefix}": use 1-16 letters and digits, starting with a letter (e.g. tlns)`;
}

/** Whether NAME is a valid Linux interface name. */
export function validIfName(name: string): boolean {
  return name.length > 0 && name.length <= MAX_IFNAME && name !== '.' && name !== '..' && !/[\s/:]/.test(name);
}

/** Turns an id (device or segment) into a namespace-name-safe word: [A-Za-z0-9._-], no leading dot. */
export function sanitizeName(id: string): string {
  const cleaned = id.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[.-]+/, '').replace(/-+$/, '');
  return cleaned === '' ? 'x' : cleaned;
}

/** Allocates unique names from candidates, appending -2, -3, ... on collision and cutting to a length limit. */
export class NameAllocator {
  private readonly used = new Set<string>();
  constructor(private readonly limit: number, taken: Iterable<string> = []) {
    for (const name of taken) this.used.add(name);
  }
  take(candidate: string): string {
    let name = candidate.slice(0, this.limit);
    for (let n = 2; this.used.has(name); n++) {
      const suffix = `-${n}`;
      name = candidate.slice(0, this.limit - suffix.length) + suffix;
    }
    this.used.add(name);
    return name;
  }
  reserve(name: string): void {
    this.used.add(name);
  }
  has(name: string): boolean {
    return this.used.has(name);
  }
}

/** Namespace name of a device: `<prefix>-<device>`. */
export function deviceNamespaceCandidate(prefix: string, deviceId: string): string {
  return `${prefix}-${sanitizeName(deviceId)}`;
}

/** Namespace name of a switch that joins a segment of three or more members without a bridge: `<prefix>-sw-<segment>`. */
export function switchNamespaceCandidate(prefix: string, segmentId: string): string {
  return `${prefix}-sw-${sanitizeName(segmentId)}`;
}
