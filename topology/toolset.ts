// Which tools a place has, decided once at compile time from its image reference: busybox's applets or Linux's tools.
// The image facts themselves live in topology/images.ts.
import { factsOfImage, imageBaseName } from './images.js';

/** `busybox`: only busybox's applets (its traceroute and ping print differently); `linux`: the full Linux tools. */
export type Toolset = 'busybox' | 'linux';

export { imageBaseName };

/** The toolset of a container image (`busybox`, `busybox:TAG`, `REGISTRY/busybox[:TAG][@DIGEST]`); no image: linux. */
export function toolsetOf(image: string | undefined): Toolset {
  return image === undefined ? 'linux' : factsOfImage(image).toolset;
}
