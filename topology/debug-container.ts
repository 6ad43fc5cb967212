// A debug container (kubectl debug -it POD --image=IMAGE): an ephemeral container in a pod that shares the pod's
// network namespace (same interfaces, addresses, routes, sockets) and hostname, but runs its own image's programs. As
// a place it is `POD+IMAGE` (`node-1/nginx+netshoot`); its device is the pod's with the image's toolset and resolver.
import { factsOfImage } from './images.js';
import type { ResolverKind } from './model.js';
import type { Toolset } from './toolset.js';

/** Between a pod's place and the debug image in a place: `node-1/nginx+netshoot` (never part of a DNS label). */
export const DEBUG_SEPARATOR = '+';

/** The fields a debug container changes: a model Device has them, as does the namespace lab's record of a place. */
export interface DebugCapable {
  readonly image?: string;
  readonly toolset?: Toolset;
  readonly resolver?: ResolverKind;
  readonly debugImage?: string;
}

/**
 * An image reference as kubectl checks it (distribution/reference's grammar, simplified): lower-case path components,
 * an optional registry port, tag and digest: `netshoot`, `busybox:1.36`, `nicolaka/netshoot:v0.13`, `REG:5000/x@sha256:...`.
 */
const IMAGE_REFERENCE = /^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)*(:\w[\w.-]{0,127})?(@sha256:[0-9a-f]{64})?$/;

/** Whether TEXT is an image reference. */
export function isImageReference(text: string): boolean {
  return IMAGE_REFERENCE.test(text);
}

// One view per pod and image, so that caches keyed by device (parsed resolv.conf) keep working across commands.
const views = new WeakMap<object, Map<string, object>>();

/** The pod seen from a debug container of IMAGE, or why IMAGE is not an image reference. */
export function debugView<D extends DebugCapable>(pod: D, image: string): { ok: true; device: D } | { ok: false; message: string } {
  if (!isImageReference(image)) return { ok: false, message: `"${image}" is not an image reference (a debug container's place is POD+IMAGE, such as node-1/nginx+netshoot)` };
  let byImage = views.get(pod);
  if (!byImage) views.set(pod, (byImage = new Map()));
  let view = byImage.get(image) as D | undefined;
  if (!view) {
    const facts = factsOfImage(image);
    // Object.assign, not a spread: V8 gives every spread copy of a pod its own hidden class (a megamorphic read of each
    // view's fields per command on a large lab); assigned copies of pods share one.
    view = Object.freeze(Object.assign({}, pod, { image, toolset: facts.toolset, resolver: facts.resolver, debugImage: image }));
    byImage.set(image, view);
  }
  return { ok: true, device: view };
}

/** The debug image of a place's device, when it is a debug container. */
export function debugImageOf(device: DebugCapable): string | undefined {
  return device.debugImage;
}
