// Resolves a PLACE (a node name, a pod name, or node/pod) to a device of the model.
import type { Device, DeviceKind } from './model.js';

/** What a place names: a device of a model, or one a backend recorded (the namespace lab's record). */
export interface PlaceDevice {
  readonly id: string;
  readonly kind: DeviceKind;
  readonly node?: string;
}

/** The devices places are resolved among: a LabModel, or any index of PlaceDevices by id. */
export interface PlaceIndex<D extends PlaceDevice> {
  device(id: string): D | undefined;
  readonly devices: readonly D[];
}

export type PlaceResult<D extends PlaceDevice = Device> = { ok: true; device: D } | { ok: false; message: string };

/** The one place resolver: every backend, the scenario loader and the training shell go through it. */
export function resolvePlace<D extends PlaceDevice>(lab: PlaceIndex<D>, place: string): PlaceResult<D> {
  const slash = place.indexOf('/');
  if (slash >= 0) {
    const nodeName = place.slice(0, slash);
    const podName = place.slice(slash + 1);
    const node = lab.device(nodeName);
    if (!node || node.kind !== 'node') return { ok: false, message: `unknown node "${nodeName}" in place "${place}"${known(lab, 'node')}` };
    const pod = lab.device(podName);
    if (!pod || pod.kind !== 'pod' || pod.node !== nodeName) {
      const pods = lab.devices.filter((d) => d.kind === 'pod' && d.node === nodeName).map((d) => d.id);
      return { ok: false, message: `no pod "${podName}" on ${nodeName} (pods there: ${pods.join(', ') || 'none'})` };
    }
    return { ok: true, device: pod };
  }
  const device = lab.device(place);
  if (device && (device.kind === 'node' || device.kind === 'pod' || device.kind === 'host' || device.kind === 'external')) {
    return { ok: true, device };
  }
  return { ok: false, message: `unknown place "${place}"${known(lab, 'node')}${known(lab, 'pod')}` };
}

function known(lab: PlaceIndex<PlaceDevice>, kind: 'node' | 'pod'): string {
  const names = lab.devices.filter((d) => d.kind === kind).map((d) => d.id);
  if (names.length === 0) return '';
  const shown = names.length > 12 ? [...names.slice(0, 12), '...'] : names;
  return `; ${kind}s: ${shown.join(', ')}`;
}

/** The place a device is addressed by: "node-2" or "node-2/traceroute". */
export function placeOf(device: Device): string {
  return device.kind === 'pod' && device.node ? `${device.node}/${device.id}` : device.id;
}
