// The files a capture writes at a place (`tcpdump -w /tmp/x.pcap` in a pod): the place's own file space in the
// simulator, read back by `tcpdump -r` at the same place and copied out by whoever asks for them.
import type { Dataplane } from '../dataplane.js';

const files = new WeakMap<Dataplane, Map<string, Uint8Array>>();

function store(dp: Dataplane): Map<string, Uint8Array> {
  let m = files.get(dp);
  if (!m) files.set(dp, (m = new Map()));
  return m;
}

export function writePlaceFile(dp: Dataplane, device: string, path: string, bytes: Uint8Array): void {
  store(dp).set(`${device}\0${path}`, bytes);
}

export function readPlaceFile(dp: Dataplane, device: string, path: string): Uint8Array | undefined {
  return store(dp).get(`${device}\0${path}`);
}
