// Which tools a place has, decided once at compile time from its image reference: busybox's applets or Linux's tools.

/** `busybox`: only busybox's applets (its traceroute and ping print differently); `linux`: the full Linux tools. */
export type Toolset = 'busybox' | 'linux';

/**
 * An image reference's name without registry, path, tag or digest:
 * `docker.io/library/busybox:1.36@sha256:...` -> `busybox`, `localhost:5000/nicolaka/netshoot` -> `netshoot`.
 */
export function imageBaseName(image: string): string {
  const at = image.indexOf('@');
  const named = at >= 0 ? image.slice(0, at) : image;
  const last = named.slice(named.lastIndexOf('/') + 1);
  const colon = last.indexOf(':');
  return colon >= 0 ? last.slice(0, colon) : last;
}

/** The toolset of a container image (`busybox`, `busybox:TAG`, `REGISTRY/busybox[:TAG][@DIGEST]`); no image: linux. */
export function toolsetOf(image: string | undefined): Toolset {
  return image !== undefined && imageBaseName(image) === 'busybox' ? 'busybox' : 'linux';
}
