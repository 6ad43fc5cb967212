// Which probe tool a command line names: Linux or busybox traceroute and ping, tcptraceroute, mtr, tracepath, the DNS
// clients, the TCP clients (curl and netcat-openbsd; busybox's nc and wget) and the socket tables (ss, conntrack).
import type { CommandResult } from '../../topology/trace.js';
import type { Toolset } from '../../topology/toolset.js';
import type { ToolContext } from '../tool-context.js';
import { lazyFunction } from '../lazy.js';

/** A probe tool: its arguments (without the program name) and the dataplane's view from where it runs. */
export type ProbeTool = (args: readonly string[], ctx: ToolContext) => CommandResult;

/** Export `name` of tool module `file`, loaded when the tool first runs (sim/lazy.ts). */
const lazy = <M>(file: string, name: keyof M) => lazyFunction<M, keyof M>(import.meta.url, file, name) as ProbeTool;

const ping = lazy<typeof import('./ping.js')>('./ping.js', 'ping');
const busyboxPing = lazy<typeof import('./ping.js')>('./ping.js', 'busyboxPing');
const busyboxTraceroute = lazy<typeof import('./busybox-traceroute.js')>('./busybox-traceroute.js', 'busyboxTraceroute');
const curl = lazy<typeof import('./curl.js')>('./curl.js', 'curl');
const ncBusybox = lazy<typeof import('./nc.js')>('./nc.js', 'ncBusybox');
const ncOpenbsd = lazy<typeof import('./nc.js')>('./nc.js', 'ncOpenbsd');
const wgetBusybox = lazy<typeof import('./wget-busybox.js')>('./wget-busybox.js', 'wgetBusybox');
const mtr = lazy<typeof import('./mtr.js')>('./mtr.js', 'mtr');
const tcptraceroute = lazy<typeof import('./tcptraceroute.js')>('./tcptraceroute.js', 'tcptraceroute');
const tracepath = lazy<typeof import('./tracepath.js')>('./tracepath.js', 'tracepath');
const traceroute = lazy<typeof import('./traceroute.js')>('./traceroute.js', 'traceroute');
const dig = lazy<typeof import('./dig.js')>('./dig.js', 'dig');
const nslookup = lazy<typeof import('./nslookup.js')>('./nslookup.js', 'nslookup');
const busyboxNslookup = lazy<typeof import('./busybox-nslookup.js')>('./busybox-nslookup.js', 'busyboxNslookup');
const host = lazy<typeof import('./host-getent.js')>('./host-getent.js', 'host');
const getent = lazy<typeof import('./host-getent.js')>('./host-getent.js', 'getent');
const ss = lazy<typeof import('./ss.js')>('./ss.js', 'ss');
const conntrack = lazy<typeof import('./conntrack.js')>('./conntrack.js', 'conntrack');

/** The applets of the busybox image that send probes or open connections. */
const BUSYBOX_APPLETS: Readonly<Record<string, ProbeTool>> = { traceroute: busyboxTraceroute, ping: busyboxPing, nslookup: busyboxNslookup, nc: ncBusybox, wget: wgetBusybox };

/** Images whose `nslookup` is busybox's applet although their other tools are not (Alpine). */
const BUSYBOX_NSLOOKUP_IMAGES: ReadonlySet<string> = new Set(['alpine']);
/** nslookup as the place's image carries it: BIND's, or busybox's in Alpine. */
const imageNslookup: ProbeTool = (args, ctx) => (BUSYBOX_NSLOOKUP_IMAGES.has(ctx.dns.image()) ? busyboxNslookup : nslookup)(args, ctx);

/** Socket and flow tables: inspection tools, not connectivity probes. */
const SOCKET_TOOLS: Readonly<Record<string, ProbeTool>> = { ss, conntrack };

/** Full Linux tools (nodes and non-busybox images such as netshoot). */
const LINUX_TOOLS: Readonly<Record<string, ProbeTool>> = { traceroute, ping, tcptraceroute, mtr, tracepath, dig, nslookup: imageNslookup, host, getent, curl, nc: ncOpenbsd, ...SOCKET_TOOLS };

/** Every name a tool of this registry may be invoked as (Linux tools and busybox applets), for tab completion. */
export const TOOL_NAMES: readonly string[] = [...new Set([...Object.keys(LINUX_TOOLS), ...Object.keys(BUSYBOX_APPLETS)])].sort();

/** Names of the connectivity probes (scenario checks) among them, also for help texts. */
export const PROBE_TOOL_NAMES: readonly string[] = TOOL_NAMES.filter((n) => !Object.hasOwn(SOCKET_TOOLS, n));

const appletNotFound = (applet: string): ProbeTool => () => ({ stdout: '', stderr: `${applet}: applet not found\n`, exitCode: 127 });

/**
 * The tool `program args...` runs, or undefined when it is not a probe tool (the interpreter then tries its commands).
 * With the busybox toolset only busybox's applets exist: `traceroute` there is busybox's, and `mtr` is not found.
 */
export function findProbeTool(program: string, args: readonly string[], toolset: Toolset): { run: ProbeTool; args: readonly string[] } | undefined {
  if (program === 'busybox') {
    const applet = args[0];
    if (applet === undefined) return undefined;
    const run = Object.hasOwn(BUSYBOX_APPLETS, applet) ? BUSYBOX_APPLETS[applet]! : Object.hasOwn(LINUX_TOOLS, applet) ? appletNotFound(applet) : undefined;
    return run ? { run, args: args.slice(1) } : undefined;
  }
  const table = toolset === 'busybox' ? BUSYBOX_APPLETS : LINUX_TOOLS;
  return Object.hasOwn(table, program) ? { run: table[program]!, args } : undefined;
}
