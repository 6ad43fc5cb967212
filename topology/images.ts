// The one home of container-image facts: per image, its toolset, resolver library, shell, the client programs it
// really has, what it serves by default and the DNS policy its pods run with. Every backend goes by this table.
import type { CommandResult } from './trace.js';
import type { Device, HttpResponse, Listener, ResolverKind } from './model.js';
import type { Toolset } from './toolset.js';

/**
 * Programs whose presence depends on the image (L4 clients and socket/conntrack tools). The L3 tools (ip, ping,
 * traceroute, iptables, ...) keep following the toolset (busybox applets or Linux tools) as before: the lab runs them
 * at a pod as from a debug container sharing its network namespace.
 */
export type ClientTool = 'curl' | 'wget' | 'nc' | 'nslookup' | 'dig' | 'host' | 'getent' | 'ss' | 'conntrack';

export const CLIENT_TOOLS: readonly ClientTool[] = ['curl', 'wget', 'nc', 'nslookup', 'dig', 'host', 'getent', 'ss', 'conntrack'];

/** The shell `sh` is in the image: it decides how "not found" is worded. `none`: no shell at all (distroless). */
export type ShellKind = 'ash' | 'dash' | 'none';

/** kubelet's dnsPolicy for the image's pods: ClusterFirst (every lab pod), Default (kubeadm's CoreDNS Deployment). */
export type DnsPolicy = 'ClusterFirst' | 'Default';

export interface ImageFacts {
  /** The image's short name (imageBaseName): busybox, netshoot, nginx, httpd, coredns; `node` for the VMs. */
  readonly name: string;
  /** busybox's applets or the Linux tools (topology/toolset.ts). */
  readonly toolset: Toolset;
  /** The resolver library its programs link; undefined: none of its programs resolves names through libc. */
  readonly resolver?: ResolverKind;
  readonly shell: ShellKind;
  /** The client programs of CLIENT_TOOLS that are in the image. */
  readonly clients: ReadonlySet<ClientTool>;
  /** What the image serves when the lab file gives no `listen`. */
  readonly listeners: readonly Listener[];
  readonly dnsPolicy: DnsPolicy;
  /** The pinned reference the real lab pulls for the short name (render-ansible); none: kubeadm's own, or `NAME:latest`. */
  readonly ref?: string;
  /** Its container exits at once unless given a command to wait (the real lab runs `sleep`). */
  readonly exitsAtOnce?: boolean;
  /** Where the facts come from. */
  readonly source: string;
  /** Inspection programs the simulator has that this image lacks (outside CLIENT_TOOLS): its shell says "not found". */
  readonly lacks?: ReadonlySet<string>;
}

/** A fixed Date header value: servers put the current time here (the simulator its clock; mask it as FACTS-L4 §1 says). */
export const HTTP_DATE_PLACEHOLDER = 'Mon, 01 Jan 2024 00:00:00 GMT';

/**
 * nginx (the lab pins nginx:1.27; nginxinc/docker-nginx mainline/debian @ b430becb is 1.27.4 on bookworm-slim). The
 * page is nginx's docs/html/index.html with the color-scheme style added in 1.21.1, 615 bytes; header order as
 * ngx_http_header_filter writes them. Both match a public `curl -v` capture of nginx/1.29.0 in a Kubernetes pod
 * (Server, Date, Content-Type, Content-Length: 615, Last-Modified, Connection: keep-alive, ETag "685ae712-267",
 * Accept-Ranges: bytes). ETag is "<mtime hex>-<size hex>" (0x267 = 615). [ASSUMED: the version string and the page's
 * mtime for 1.27.4 (0x67a34638 = Wed, 05 Feb 2025 11:06:32 GMT); check with `curl -I` against a real nginx:1.27 pod.]
 */
export const NGINX_INDEX = `<!DOCTYPE html>
<html>
<head>
<title>Welcome to nginx!</title>
<style>
html { color-scheme: light dark; }
body { width: 35em; margin: 0 auto;
font-family: Tahoma, Verdana, Arial, sans-serif; }
</style>
</head>
<body>
<h1>Welcome to nginx!</h1>
<p>If you see this page, the nginx web server is successfully installed and
working. Further configuration is required.</p>

<p>For online documentation and support please refer to
<a href="http://nginx.org/">nginx.org</a>.<br/>
Commercial support is available at
<a href="http://nginx.com/">nginx.com</a>.</p>

<p><em>Thank you for using nginx.</em></p>
</body>
</html>
`;

const NGINX_RESPONSE: HttpResponse = Object.freeze({
  status: 200,
  reason: 'OK',
  headers: Object.freeze([
    ['Server', 'nginx/1.27.4'],
    ['Date', HTTP_DATE_PLACEHOLDER],
    ['Content-Type', 'text/html'],
    ['Content-Length', '615'],
    ['Last-Modified', 'Wed, 05 Feb 2025 11:06:32 GMT'],
    ['Connection', 'keep-alive'],
    ['ETag', '"67a34638-267"'],
    ['Accept-Ranges', 'bytes'],
  ] as const),
  body: NGINX_INDEX,
});

/**
 * Apache httpd 2.4.68 (docker-library/httpd 2.4/Dockerfile @ 9b63b37c, debian:trixie-slim, built from the release
 * tarball with its default httpd.conf: ServerTokens Full -> "Apache/2.4.68 (Unix)", no mod_ssl loaded). The page is the
 * tarball's htdocs/index.html (45 bytes, unchanged since 2007): its mtime 2007-06-11 18:53:14 UTC gives Last-Modified
 * and the default `FileETag MTime Size` ETag "<size hex>-<mtime in microseconds hex>" = "2d-432a5e4a73a80". Header
 * order as ap_basic_http_header and the default handler write them (Date, Server, then Last-Modified, ETag,
 * Accept-Ranges, Content-Length, Content-Type); no Keep-Alive/Connection header for an HTTP/1.1 client that sent no
 * "Connection: keep-alive" (ap_set_keepalive answers the token only). [ASSUMED order from the source, not captured.]
 */
const HTTPD_RESPONSE: HttpResponse = Object.freeze({
  status: 200,
  reason: 'OK',
  headers: Object.freeze([
    ['Date', HTTP_DATE_PLACEHOLDER],
    ['Server', 'Apache/2.4.68 (Unix)'],
    ['Last-Modified', 'Mon, 11 Jun 2007 18:53:14 GMT'],
    ['ETag', '"2d-432a5e4a73a80"'],
    ['Accept-Ranges', 'bytes'],
    ['Content-Length', '45'],
    ['Content-Type', 'text/html'],
  ] as const),
  body: '<html><body><h1>It works!</h1></body></html>\n',
});

/**
 * CoreDNS's Prometheus endpoint on 9153 (kubeadm's Corefile `prometheus :9153`). A simple stand-in: the real one
 * serves /metrics in the Prometheus text format and 404 elsewhere; the lab answers every request with this.
 */
const COREDNS_METRICS_RESPONSE: HttpResponse = Object.freeze({
  status: 200,
  reason: 'OK',
  headers: Object.freeze([
    ['Content-Type', 'text/plain; version=0.0.4; charset=utf-8'],
    ['Date', HTTP_DATE_PLACEHOLDER],
    ['Content-Length', '49'],
  ] as const),
  body: '# tracelab: CoreDNS metrics are not modelled yet\n',
});

/**
 * CoreDNS's `health` (:8080, /health) and `ready` (:8181, /ready) plugins of kubeadm's Corefile answer "OK"
 * (http.StatusText(200)) through Go's net/http. [ASSUMED header order; every path answers alike here.]
 */
const COREDNS_OK_RESPONSE: HttpResponse = Object.freeze({
  status: 200,
  reason: 'OK',
  headers: Object.freeze([
    ['Date', HTTP_DATE_PLACEHOLDER],
    ['Content-Length', '2'],
    ['Content-Type', 'text/plain; charset=utf-8'],
  ] as const),
  body: 'OK',
});

const listen = (protocol: 'tcp' | 'udp', port: number, app?: Listener['app'], http?: HttpResponse, name?: string): Listener =>
  Object.freeze({ protocol, port, ...(app ? { app } : {}), ...(http ? { http } : {}), ...(name ? { name } : {}) });

const set = (...tools: ClientTool[]): ReadonlySet<ClientTool> => new Set(tools);

/**
 * debian:*-slim images have no procps (ps), net-tools (arp, netstat), tcpdump, ipset nor iproute2's bridge; coreutils' uname and
 * hostname are there. (ip, ping, traceroute, iptables, sysctl stay, as from a debug container: docs/training-shell.md.)
 */
const DEBIAN_SLIM_LACKS: ReadonlySet<string> = new Set(['ps', 'arp', 'netstat', 'tcpdump', 'ipset', 'bridge']);

/** The images tracelab knows, by short name. */
const IMAGES: Readonly<Record<string, ImageFacts>> = {
  // busybox:1.36 (docker-library busybox, `make defconfig`): applets incl. nslookup, wget, nc ("nc 1.10" flavour),
  // ping, traceroute; ash; busybox's own resolver (FACTS-L4 §0, §4, §7). No ss, dig, host, getent, curl.
  busybox: {
    name: 'busybox', toolset: 'busybox', resolver: 'busybox', shell: 'ash', clients: set('nslookup', 'wget', 'nc'),
    listeners: [], dnsPolicy: 'ClusterFirst', ref: 'busybox:1.36', exitsAtOnce: true, source: 'docker-library/busybox defconfig; FACTS-L4 §0',
    // busybox has no nstat applet (iproute2's); its arp and ps applets are there.
    lacks: new Set(['nstat']),
  },
  // nicolaka/netshoot (Dockerfile @ 00ca54c0): alpine:3.22 + edge, musl; bind-tools (dig, nslookup, host), curl,
  // netcat-openbsd, iproute2 (ss), conntrack-tools, busybox's wget; musl-utils' getent (alpine base). `sh` is busybox ash.
  netshoot: {
    name: 'netshoot', toolset: 'linux', resolver: 'musl', shell: 'ash', clients: set(...CLIENT_TOOLS),
    listeners: [], dnsPolicy: 'ClusterFirst', ref: 'nicolaka/netshoot:v0.13', exitsAtOnce: true, source: 'nicolaka/netshoot Dockerfile',
  },
  // alpine:3.20: busybox applets (wget, nc, nslookup) with musl, ash; getent from musl-utils.
  alpine: {
    name: 'alpine', toolset: 'linux', resolver: 'musl', shell: 'ash', clients: set('wget', 'nc', 'nslookup', 'getent'),
    listeners: [], dnsPolicy: 'ClusterFirst', ref: 'alpine:3.20', exitsAtOnce: true, source: 'alpine base packages (busybox, musl-utils)',
  },
  // nginx:1.27 (nginxinc/docker-nginx mainline/debian/Dockerfile @ b430becb): debian:bookworm-slim, glibc, dash; the
  // Dockerfile installs and keeps curl (and gettext-base); getent is glibc's (libc-bin). No wget, nc, dig, ss.
  nginx: {
    name: 'nginx', toolset: 'linux', resolver: 'glibc', shell: 'dash', clients: set('curl', 'getent'),
    listeners: [listen('tcp', 80, 'http', NGINX_RESPONSE)], dnsPolicy: 'ClusterFirst', ref: 'nginx:1.27', source: 'nginxinc/docker-nginx mainline/debian/Dockerfile',
    lacks: DEBIAN_SLIM_LACKS,
  },
  // httpd:2.4 (docker-library/httpd 2.4/Dockerfile @ 9b63b37c): debian:trixie-slim, glibc, dash; wget and the build
  // tools are purged after the build, curl is never installed (only libcurl for mod_md). getent (libc-bin) only.
  httpd: {
    name: 'httpd', toolset: 'linux', resolver: 'glibc', shell: 'dash', clients: set('getent'),
    listeners: [listen('tcp', 80, 'http', HTTPD_RESPONSE)], dnsPolicy: 'ClusterFirst', ref: 'httpd:2.4', source: 'docker-library/httpd 2.4/Dockerfile',
    lacks: DEBIAN_SLIM_LACKS,
  },
  // registry.k8s.io/coredns/coredns: distroless (static Go binary, no shell, no libc resolver). kubeadm's Deployment
  // runs it with dnsPolicy: Default (the node's resolv.conf: `forward . /etc/resolv.conf`), ports dns 53/udp,
  // dns-tcp 53/tcp, metrics 9153/tcp; its Corefile's health and ready plugins listen on 8080 and 8181 (the liveness
  // and readiness probes' ports) (kubeadm cmd/kubeadm/app/phases/addons/dns/manifests.go).
  coredns: {
    name: 'coredns', toolset: 'linux', shell: 'none', clients: set(),
    listeners: [
      listen('udp', 53, 'dns', undefined, 'dns'), listen('tcp', 53, 'dns', undefined, 'dns-tcp'), listen('tcp', 9153, 'http', COREDNS_METRICS_RESPONSE, 'metrics'),
      listen('tcp', 8080, 'http', COREDNS_OK_RESPONSE), listen('tcp', 8181, 'http', COREDNS_OK_RESPONSE),
    ],
    dnsPolicy: 'Default', source: 'kubeadm CoreDNS manifest; coredns Dockerfile (distroless)',
  },
};

/**
 * The VMs (bento/debian-12) and the workstation: glibc, the tools the playbook installs (curl, iptables, traceroute...)
 * plus the L4 clients the issue-12 probes need: bind9-dnsutils (dig, nslookup, host), netcat-openbsd, wget, conntrack
 * (ansible/roles/common installs them), iproute2's ss and libc-bin's getent.
 */
const NODE: ImageFacts = {
  name: 'node', toolset: 'linux', resolver: 'glibc', shell: 'dash', clients: set(...CLIENT_TOOLS),
  listeners: [], dnsPolicy: 'Default', source: 'bento/debian-12 + ansible/roles/common',
};

/** An image tracelab has no facts for: a Debian-like image with no client tools and nothing listening. */
const UNKNOWN: Omit<ImageFacts, 'name'> = {
  toolset: 'linux', resolver: 'glibc', shell: 'dash', clients: set(), listeners: [], dnsPolicy: 'ClusterFirst', source: 'unknown image',
};

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

/** The facts of a container image reference (unknown images: a Debian-like image without client tools). */
export function factsOfImage(image: string): ImageFacts {
  let facts = factsByRef.get(image);
  if (!facts) {
    const name = imageBaseName(image);
    factsByRef.set(image, (facts = Object.hasOwn(IMAGES, name) ? IMAGES[name]! : { ...UNKNOWN, name }));
  }
  return facts;
}

// Labs name few images for many pods: each reference is parsed once.
const factsByRef = new Map<string, ImageFacts>();

/** The facts of the place DEVICE: its image's for pods, the VMs' for every other kind. */
export function imageFacts(device: Pick<Device, 'kind' | 'image'>): ImageFacts {
  return device.kind === 'pod' ? factsOfImage(device.image ?? 'busybox') : NODE;
}

/** Whether program TOOL is at DEVICE. Programs outside CLIENT_TOOLS and the image's `lacks` are not decided here (true). */
export function hasTool(device: Pick<Device, 'kind' | 'image'>, tool: string): boolean {
  const facts = imageFacts(device);
  if (facts.lacks?.has(tool)) return false;
  return !(CLIENT_TOOLS as readonly string[]).includes(tool) || facts.clients.has(tool as ClientTool);
}

/** What running PROGRAM at DEVICE prints when the program is not there, as the image's shell words it. */
export function notFound(device: Pick<Device, 'kind' | 'image'>, program: string): CommandResult {
  const shell = imageFacts(device).shell;
  if (shell === 'none') return { stdout: '', stderr: execNotFoundMessage(program), exitCode: 1 };
  // dash names the line of `sh -c` ("sh: 1: curl: not found"); busybox ash does not.
  return { stdout: '', stderr: shell === 'dash' ? `sh: 1: ${program}: not found\n` : `sh: ${program}: not found\n`, exitCode: 127 };
}

/** kubectl exec of a program a container does not have (containerd + runc), as kubectl prints it. */
export function execNotFoundMessage(program: string): string {
  return `error: Internal error occurred: error executing command in container: failed to exec in container: failed to start exec "0": OCI runtime exec failed: exec failed: unable to start container process: exec: "${program}": executable file not found in $PATH: unknown\n`;
}

// Pods with equal listen lists (the parser shares them) and the same image share one result.
const podListenerCache = new WeakMap<readonly Listener[], Map<string, readonly Listener[]>>();

/**
 * A pod's listeners: the image's defaults when the lab file lists none. A listed port given without an app ("tcp/80")
 * or as `app: http` without a response gets the image's listener on that port when the image serves it (its app,
 * response and port name); any other entry stays as listed.
 */
export function podListeners(facts: ImageFacts, given: readonly Listener[] | undefined): readonly Listener[] {
  if (given === undefined) return facts.listeners;
  let byImage = podListenerCache.get(given);
  if (!byImage) podListenerCache.set(given, (byImage = new Map()));
  let result = byImage.get(facts.name);
  if (!result) {
    result = Object.freeze(given.map((l) => imageListenerFor(facts, l) ?? withoutBareApp(l)));
    byImage.set(facts.name, result);
  }
  return result;
}

/** The model's bare listener has no app: an explicit `app: bare` is dropped once the image had its say. */
export function withoutBareApp(l: Listener): Listener {
  if (l.app !== 'bare') return l;
  const { app: _bare, ...rest } = l;
  return Object.freeze(rest);
}

function imageListenerFor(facts: ImageFacts, l: Listener): Listener | undefined {
  if (l.app !== undefined && !(l.app === 'http' && l.http === undefined)) return undefined;
  const d = facts.listeners.find((x) => x.protocol === l.protocol && x.port === l.port);
  if (!d || (l.app === 'http' && d.app !== 'http')) return undefined;
  return l.name !== undefined && l.name !== d.name ? Object.freeze({ ...d, name: l.name }) : d;
}
