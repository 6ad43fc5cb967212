// Checks what the namespace lab needs before it builds anything: root and the tools (with their Debian packages).
import { delimiter } from 'node:path';
import type { Preflight } from '../backend.js';
import { findProgram } from '../process.js';
import { CNI_PLUGIN_DIRS, cniPluginDir } from './cni.js';

/** The tools the namespace lab needs, with the Debian package that provides each. */
export const REQUIRED_TOOLS: readonly { readonly tool: string; readonly pkg: string }[] = [
  { tool: 'ip', pkg: 'iproute2' },
  { tool: 'bridge', pkg: 'iproute2' },
  { tool: 'iptables', pkg: 'iptables' },
  { tool: 'iptables-restore', pkg: 'iptables' },
  { tool: 'ipset', pkg: 'ipset' },
  { tool: 'sysctl', pkg: 'procps' },
  { tool: 'unshare', pkg: 'util-linux' },
  { tool: 'nsenter', pkg: 'util-linux' },
  { tool: 'python3', pkg: 'python3' },
  { tool: 'traceroute', pkg: 'traceroute' },
  { tool: 'busybox', pkg: 'busybox' },
  { tool: 'ping', pkg: 'iputils-ping' },
  { tool: 'tracepath', pkg: 'iputils-tracepath' },
  { tool: 'mtr', pkg: 'mtr-tiny' },
  { tool: 'tcptraceroute', pkg: 'tcptraceroute' },
];

/** Directories root normally has on PATH; searched too, so `sudo` with a user's PATH still finds ip and iptables. */
export const SBIN_DIRS: readonly string[] = ['/usr/local/sbin', '/usr/sbin', '/sbin'];

/** The Backend's preflight answer, with what the namespace lab found missing. */
export interface NetnsPreflight extends Preflight {
  readonly root: boolean;
  readonly missing: readonly { readonly tool: string; readonly pkg: string }[];
}

export interface PreflightOptions {
  /** The PATH to search (default $PATH); the sbin directories are always searched as well. */
  readonly path?: string;
  readonly sbinDirs?: readonly string[];
  /** Where to look for the CNI plugins (default CNI_PLUGIN_DIRS). */
  readonly cniDirs?: readonly string[];
}

/** Checks for root and for every REQUIRED_TOOLS entry; the message names what is missing and the apt-get line. */
export function preflight(opts: PreflightOptions = {}): NetnsPreflight {
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  const dirs = [...(opts.path ?? process.env.PATH ?? '').split(delimiter), ...(opts.sbinDirs ?? SBIN_DIRS)].filter((d) => d !== '');
  const missing = REQUIRED_TOOLS.filter((t) => findProgram(t.tool, dirs) === undefined);
  // Pods are attached by the CNI bridge and host-local plugins, which live outside PATH (docs/cni.md).
  if (cniPluginDir(opts.cniDirs) === undefined) missing.push({ tool: `CNI plugins bridge and host-local in ${(opts.cniDirs ?? CNI_PLUGIN_DIRS).join(' or ')}`, pkg: 'containernetworking-plugins' });
  const lines: string[] = [];
  if (!root) lines.push('the namespace lab needs root (run it with sudo, or as root in a VM or container with CAP_SYS_ADMIN and CAP_NET_ADMIN)');
  if (missing.length > 0) {
    const pkgs = [...new Set(missing.map((m) => m.pkg))];
    lines.push(`missing tools: ${missing.map((m) => `${m.tool} (package ${m.pkg})`).join(', ')}`);
    lines.push(`install them with: apt-get install -y ${pkgs.join(' ')}`);
  }
  return { ok: lines.length === 0, root, missing, message: lines.join('\n') };
}
