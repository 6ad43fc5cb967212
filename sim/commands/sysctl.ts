// The `sysctl` program (procps-ng 4.0.2): read `NAME`, write `-w NAME=V` or `NAME=V`, -n/-N/-q/-e/-a/-r, with
// procps's messages and exit codes.
import type { CommandResult } from '../../topology/trace.js';
import type { CommandContext } from './index.js';
import { busyboxSysctl } from './busybox-sysctl.js';
import { fail, ok, unsupported } from './output.js';
import { pathOfKey, readSysctl, sysctlExists, sysctlKeys, writeSysctl } from './sysctl-keys.js';

const USAGE = `
Usage:
 sysctl [options] [variable[=value] ...]

Options:
  -a, --all            display all variables
  -A                   alias of -a
  -X                   alias of -a
      --deprecated     include deprecated parameters to listing
      --dry-run        Print the key and values but do not write
  -b, --binary         print value without new line
  -e, --ignore         ignore unknown variables errors
  -N, --names          print variable names without values
  -n, --values         print only values of the given variable(s)
  -p, --load[=<file>]  read values from file
  -f                   alias of -p
      --system         read values from all system directories
  -r, --pattern <expression>
                       select setting that match expression
  -q, --quiet          do not echo variable set
  -w, --write          enable writing a value to variable
  -o                   does nothing
  -x                   does nothing
  -d                   alias of -h

 -h, --help     display this help and exit
 -V, --version  output version information and exit

For more details see sysctl(8).
`;

interface Flags {
  write: boolean;
  values: boolean;
  names: boolean;
  quiet: boolean;
  ignore: boolean;
  all: boolean;
  pattern?: RegExp;
}

const SHORT: Readonly<Record<string, keyof Omit<Flags, 'pattern'> | 'none'>> = {
  w: 'write', n: 'values', N: 'names', q: 'quiet', e: 'ignore', a: 'all', A: 'all', X: 'all', o: 'none', x: 'none',
};
const LONG: Readonly<Record<string, keyof Omit<Flags, 'pattern'>>> = {
  '--write': 'write', '--values': 'values', '--names': 'names', '--quiet': 'quiet', '--ignore': 'ignore', '--all': 'all',
};

export function sysctl(args: readonly string[], ctx: CommandContext): CommandResult {
  if (ctx.state.device.toolset === 'busybox') return busyboxSysctl(args, ctx);
  const flags: Flags = { write: false, values: false, names: false, quiet: false, ignore: false, all: false };
  const operands: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '-r' || a === '--pattern') {
      const p = args[++i];
      if (p === undefined) return fail(`sysctl: option requires an argument -- 'r'${USAGE}`, 1);
      flags.pattern = safePattern(p);
    } else if (a.startsWith('--')) {
      const f = LONG[a];
      if (f) flags[f] = true;
      else if (a === '--help') return ok(USAGE.slice(1));
      else if (a === '--version') return ok('sysctl from procps-ng 4.0.2\n');
      else return unsupported(`sysctl ${a}`);
    } else if (a.startsWith('-') && a.length > 1) {
      for (const c of a.slice(1)) {
        const f = SHORT[c];
        if (f === 'none') continue;
        if (f) flags[f] = true;
        else if (c === 'h' || c === 'd') return ok(USAGE.slice(1));
        else if (c === 'V') return ok('sysctl from procps-ng 4.0.2\n');
        else if (c === 'p' || c === 'f' || c === 'b') return unsupported(`sysctl -${c}`);
        else return fail(`sysctl: invalid option -- '${c}'${USAGE}`, 1);
      }
    } else operands.push(a);
  }
  if (flags.all) return ok(listKeys(sysctlKeys(ctx.state), ctx, flags));
  if (operands.length === 0) return fail(USAGE, 1);
  let stdout = '';
  let stderr = '';
  let exitCode = 0;
  for (const op of operands) {
    const eq = op.indexOf('=');
    if (flags.write && eq < 0) {
      stderr += 'sysctl: command line(0): invalid syntax, continuing...\n';
      exitCode = 1;
      continue;
    }
    const key = (eq < 0 ? op : op.slice(0, eq)).replace(/\//g, '.');
    if (eq >= 0) {
      const value = op.slice(eq + 1);
      if (!sysctlExists(ctx.state, key) && sysctlKeys(ctx.state).some((k) => k.startsWith(`${key}.`))) {
        // A directory: procps reports it and carries on with exit status 0.
        stderr += `sysctl: setting key "${key}": Invalid argument\n`;
        continue;
      }
      if (!sysctlExists(ctx.state, key)) {
        if (!flags.ignore) {
          stderr += `sysctl: cannot stat ${pathOfKey(key)}: No such file or directory\n`;
          exitCode = 1;
        }
        continue;
      }
      const error = writeSysctl(ctx.state, key, value);
      if (error) {
        stderr += `sysctl: setting key "${key}": ${error}\n`;
        exitCode = 1;
        continue;
      }
      if (!flags.quiet) stdout += flags.values || flags.names ? `${value}\n` : `${key} = ${value}\n`;
      continue;
    }
    if (sysctlExists(ctx.state, key)) {
      stdout += listKeys([key], ctx, flags);
      continue;
    }
    const under = sysctlKeys(ctx.state).filter((k) => k.startsWith(`${key}.`));
    if (under.length > 0) stdout += listKeys(under, ctx, flags);
    else if (!flags.ignore) {
      stderr += `sysctl: cannot stat ${pathOfKey(key)}: No such file or directory\n`;
      exitCode = 1;
    }
  }
  return { stdout, stderr, exitCode };
}

function listKeys(keys: readonly string[], ctx: CommandContext, flags: Flags): string {
  let out = '';
  for (const k of keys) {
    if (flags.pattern && !flags.pattern.test(k)) continue;
    const v = readSysctl(ctx.state, k);
    out += flags.names ? `${k}\n` : flags.values ? `${v}\n` : `${k} = ${v}\n`;
  }
  return out;
}

/**
 * A -r pattern limited to what can never backtrack: `^`, `$` and `.` keep their meaning, every other character is
 * literal (enough for `-r 'ip_forward$'` or `-r '^net.ipv4.conf.eth1'`).
 */
function safePattern(p: string): RegExp {
  const start = p.startsWith('^');
  const end = p.endsWith('$') && p.length > (start ? 1 : 0);
  const body = p.slice(start ? 1 : 0, end ? -1 : undefined);
  const escaped = body.replace(/[\\^$*+?()[\]{}|/]/g, '\\$&');
  return new RegExp(`${start ? '^' : ''}${escaped}${end ? '$' : ''}`);
}
