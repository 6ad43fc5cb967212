// Resolves a PLACE (a node, a pod, node/pod, the host or an external; POD+IMAGE a debug container in a pod) to a device of
// the model, or lists the valid places.
import type { Device, DeviceKind } from './model.js';
import { debugView, DEBUG_SEPARATOR, type DebugCapable } from './debug-container.js';

/** What a place names: a device of a model, or one a backend recorded (the namespace lab's record). */
export interface PlaceDevice {
  readonly id: string;
  readonly kind: DeviceKind;
  readonly node?: string;
  /** A debug container's image as its place names it (`node-1/nginx+netshoot`): the pod's network, the image's programs. */
  readonly debugImage?: string;
}

/** The devices places are resolved among: a LabModel, or any index of PlaceDevices by id. */
export interface PlaceIndex<D extends PlaceDevice> {
  device(id: string): D | undefined;
  readonly devices: readonly D[];
}

export type PlaceResult<D extends PlaceDevice = Device> = { ok: true; device: D } | { ok: false; message: string };

/** The one place resolver: every backend, the scenario loader and the training shell go through it. */
export function resolvePlace<D extends PlaceDevice>(lab: PlaceIndex<D>, place: string): PlaceResult<D> {
  const plus = place.lastIndexOf(DEBUG_SEPARATOR);
  if (plus >= 0) return debugPlace(lab, place.slice(0, plus), place.slice(plus + 1));
  const slash = place.indexOf('/');
  if (slash >= 0) {
    const nodeName = place.slice(0, slash);
    const podName = place.slice(slash + 1);
    const node = lab.device(nodeName);
    if (!node || node.kind !== 'node') return { ok: false, message: `unknown node "${nodeName}" in place "${place}"; ${validPlaces(lab)}` };
    const pod = lab.device(podName);
    if (!pod || pod.kind !== 'pod' || pod.node !== nodeName) {
      const pods = lab.devices.filter((d) => d.kind === 'pod' && d.node === nodeName).map((d) => d.id);
      return { ok: false, message: `no pod "${podName}" on ${nodeName} (pods there: ${listed(pods) || 'none'})` };
    }
    return { ok: true, device: pod };
  }
  const device = lab.device(place);
  if (device && (device.kind === 'node' || device.kind === 'pod' || device.kind === 'host' || device.kind === 'external')) {
    return { ok: true, device };
  }
  return { ok: false, message: `unknown place "${place}"; ${validPlaces(lab)}` };
}

/** `POD+IMAGE`: a debug container of IMAGE in the pod (kubectl debug): the pod's namespaces, the image's programs. */
function debugPlace<D extends PlaceDevice>(lab: PlaceIndex<D>, podPlace: string, image: string): PlaceResult<D> {
  const where = resolvePlace(lab, podPlace);
  if (!where.ok) return where;
  if (where.device.kind !== 'pod') return { ok: false, message: `"${podPlace}${DEBUG_SEPARATOR}${image}": debug containers run in pods, and ${podPlace} is a ${where.device.kind}` };
  const view = debugView(where.device as D & DebugCapable, image);
  return view.ok ? { ok: true, device: view.device } : { ok: false, message: view.message };
}

/** The most names of one kind an error message lists; a large lab's list ends with how many more there are. */
const LISTED_PER_KIND = 50;

function listed(names: readonly string[]): string {
  if (names.length <= LISTED_PER_KIND) return names.join(', ');
  return `${names.slice(0, LISTED_PER_KIND).join(', ')}, ... and ${names.length - LISTED_PER_KIND} more`;
}

/** "nodes: a, b, c" (the first LISTED_PER_KIND of them). */
export function knownNodes(lab: PlaceIndex<PlaceDevice>): string {
  return `nodes: ${listed(lab.devices.filter((d) => d.kind === 'node').map((d) => d.id)) || 'none'}`;
}

/** Every valid place of the lab by kind: nodes, pods, node/pod, the host, externals. */
export function validPlaces(lab: PlaceIndex<PlaceDevice>): string {
  const of = (kind: DeviceKind) => lab.devices.filter((d) => d.kind === kind);
  const pods = of('pod');
  const parts = [knownNodes(lab)];
  if (pods.length > 0) parts.push(`pods: ${listed(pods.map((d) => d.id))}`, `node/pod: ${listed(pods.map(placeOf))}`);
  parts.push(...of('host').map((d) => d.id));
  const externals = of('external');
  if (externals.length > 0) parts.push(`externals: ${listed(externals.map((d) => d.id))}`);
  return parts.join('; ');
}

/** The place a device is addressed by: "node-2", "node-2/traceroute", or "node-1/nginx+netshoot" (a debug container). */
export function placeOf(device: PlaceDevice): string {
  const base = device.kind === 'pod' && device.node ? `${device.node}/${device.id}` : device.id;
  return device.debugImage === undefined ? base : `${base}${DEBUG_SEPARATOR}${device.debugImage}`;
}
