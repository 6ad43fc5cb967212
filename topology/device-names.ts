// Stable device-derived names: interface MACs and pods' host-side veth names, hashed from the device and interface names.

/** FNV-1a over `a`, then `sep` and `b` when given (the hash of the joined text, without building it): stable names and MACs. */
export function fnv1a(a: string, sep?: number, b?: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < a.length; i++) h = Math.imul(h ^ a.charCodeAt(i), 0x01000193);
  if (sep !== undefined && b !== undefined) {
    h = Math.imul(h ^ sep, 0x01000193);
    for (let i = 0; i < b.length; i++) h = Math.imul(h ^ b.charCodeAt(i), 0x01000193);
  }
  return h >>> 0;
}

const SLASH = 0x2f;
const COLON = 0x3a;

/** The character code of the lowercase hex digit of `value`'s nibble at `shift`. */
function hexDigit(value: number, shift: number): number {
  const n = (value >>> shift) & 15;
  return n < 10 ? 0x30 + n : 0x57 + n;
}

// Both names are built in one String.fromCharCode call: one flat string each (concatenation would leave a chain of
// string pieces behind, for every one of a large lab's interfaces).
export function macFor(device: string, iface: string): string {
  const h = fnv1a(device, SLASH, iface);
  const g = fnv1a(iface, SLASH, device);
  return String.fromCharCode(
    0x30, 0x32, COLON, hexDigit(g, 12), hexDigit(g, 8), COLON, hexDigit(h, 28), hexDigit(h, 24), COLON,
    hexDigit(h, 20), hexDigit(h, 16), COLON, hexDigit(h, 12), hexDigit(h, 8), COLON, hexDigit(h, 4), hexDigit(h, 0),
  );
}

/** `veth` and 8 hex digits of the pod name's hash: the host end of a pod's veth pair. */
export function vethNameFor(pod: string): string {
  const h = fnv1a(pod);
  return String.fromCharCode(
    0x76, 0x65, 0x74, 0x68, hexDigit(h, 28), hexDigit(h, 24), hexDigit(h, 20), hexDigit(h, 16),
    hexDigit(h, 12), hexDigit(h, 8), hexDigit(h, 4), hexDigit(h, 0),
  );
}
