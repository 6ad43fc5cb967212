// The model's devices by id: an open-addressing table of device positions in one Int32Array (1 MiB for the 160,001
// devices of the largest generated lab, where a Map of them took 7 MiB, and as much again while it grew).
import { fnv1a } from './device-names.js';
import type { Device } from './model.js';

/** Finds a device by id among DEVICES (ids are unique: the plan checks them); built once, never changed. */
export function deviceIndex(devices: readonly Device[]): (id: string) => Device | undefined {
  // At most 70% full, so a lookup ends after a few probes (linear probing at 70%: about 2.2 for a hit, 6 for a miss).
  let size = 16;
  while (size * 0.7 < devices.length) size *= 2;
  const mask = size - 1;
  const slots = new Int32Array(size); // device position + 1; 0 is empty
  for (let k = 0; k < devices.length; k++) {
    let at = fnv1a(devices[k]!.id) & mask;
    while (slots[at] !== 0) at = (at + 1) & mask;
    slots[at] = k + 1;
  }
  return (id) => {
    for (let at = fnv1a(id) & mask; ; at = (at + 1) & mask) {
      const k = slots[at]!;
      if (k === 0) return undefined;
      const d = devices[k - 1]!;
      if (d.id === id) return d;
    }
  };
}
