// busybox's `sysctl` applet (busybox pods): -n/-w/-q/-e/-a, and its messages, with the name shown the way its
// dots-to-slashes conversion leaves it.
import type { CommandResult } from '../../topology/trace.js';
import type { CommandContext } from './index.js';
import { fail, unsupported } from './output.js';
import { readSysctl, sysctlExists, sysctlKeys, writeSysctl } from './sysctl-keys.js';

/**
 * sysctl_dots_to_slashes() turns a dot into a slash only after an existing /proc/sys entry; busybox's messages print
 * that path with dots and slashes swapped (net.ipv4.conf.eth9.rp_filter -> 'net.ipv4.conf.eth9/rp_filter').
 */
function messageName(ctx: CommandContext, key: string): string {
  const keys = sysctlKeys(ctx.state);
  const parts = key.split('.');
  let good = 0;
  for (let n = 1; n < parts.length; n++) {
    const prefix = parts.slice(0, n).join('.');
    if (keys.some((k) => k === prefix || k.startsWith(`${prefix}.`))) good = n;
    else break;
  }
  const path = good === 0 ? key : `${parts.slice(0, good).join('/')}/${parts.slice(good).join('.')}`;
  return [...path].map((c) => (c === '.' ? '/' : c === '/' ? '.' : c)).join('');
}

const USAGE = `BusyBox v1.35.0 (Debian 1:1.35.0-4+deb12u1+b1) multi-call binary.

Usage: sysctl [-enq] { -a | -p [FILE]... | [-w] [KEY[=VALUE]]... }

Show/set kernel parameters

\t-e\tDon't warn about unknown keys
\t-n\tDon't show key names
\t-q      Quiet
\t-a\tShow all values
\t-p\tSet values from FILEs (default /etc/sysctl.conf)
\t-w\tSet values
`;

export function busyboxSysctl(args: readonly string[], ctx: CommandContext): CommandResult {
  let write = false;
  let values = false;
  let quiet = false;
  let ignore = false;
  let all = false;
  const operands: string[] = [];
  for (const a of args) {
    if (a.startsWith('-') && a.length > 1) {
      for (const c of a.slice(1)) {
        if (c === 'w') write = true;
        else if (c === 'n') values = true;
        else if (c === 'q') quiet = true;
        else if (c === 'e') ignore = true;
        else if (c === 'a' || c === 'A') all = true;
        else if (c === 'p') return unsupported('busybox sysctl -p');
        else return fail(`sysctl: invalid option -- '${c}'\n${USAGE}`, 1);
      }
    } else operands.push(a);
  }
  const show = (k: string) => (values ? `${readSysctl(ctx.state, k)}\n` : `${k} = ${readSysctl(ctx.state, k)}\n`);
  if (all) return { stdout: sysctlKeys(ctx.state).map(show).join(''), stderr: '', exitCode: 0 };
  let stdout = '';
  let stderr = '';
  let exitCode = 0;
  for (const op of operands) {
    const eq = op.indexOf('=');
    const key = (eq < 0 ? op : op.slice(0, eq)).replace(/\//g, '.');
    if (write && eq < 0) {
      stderr += `sysctl: error: '${messageName(ctx, key)}' must be of the form name=value\n`;
      exitCode = 1;
      continue;
    }
    const under = sysctlKeys(ctx.state).filter((k) => k.startsWith(`${key}.`));
    if (eq >= 0 && under.length > 0) {
      stderr += `sysctl: error setting key '${key}': Is a directory\n`;
      exitCode = 1;
      continue;
    }
    if (!sysctlExists(ctx.state, key) && (eq >= 0 || under.length === 0)) {
      if (!ignore) stderr += `sysctl: error: '${messageName(ctx, key)}' is an unknown key\n`;
      exitCode = 1;
      continue;
    }
    if (eq < 0) {
      stdout += sysctlExists(ctx.state, key) ? show(key) : under.map(show).join('');
      continue;
    }
    const value = op.slice(eq + 1);
    // busybox writes the value as given: an empty one is a zero-length write, which succeeds and changes nothing.
    if (value !== '' && writeSysctl(ctx.state, key, value)) {
      stderr += 'sysctl: write error: Invalid argument\n';
      exitCode = 1;
    } else if (!quiet) stdout += values ? `${value}\n` : `${key} = ${value}\n`;
  }
  return { stdout, stderr, exitCode };
}
