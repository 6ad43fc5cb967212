// The few files and shell builtins a person reads or writes while debugging: `cat` of /proc/sys/*,
// /run/flannel/subnet.env, /etc/hostname and the place's own files (resolv.conf, hosts, nsswitch.conf),
// `echo V > /proc/sys/...`, and `hostname [-I]`.
import { formatCidr, formatIp } from '../../topology/address.js';
import type { CommandResult } from '../../topology/trace.js';
import type { CommandContext } from './index.js';
import { nsswitchConf } from '../dns/lab-dns.js';
import { fail, ok, unsupported } from './output.js';
import { keyOfPath, readSysctl, sysctlExists, sysctlKeys, writeSysctl } from './sysctl-keys.js';

/** busybox pods: busybox's cat and ash word their errors differently from coreutils and dash. */
const busybox = (ctx: CommandContext) => ctx.state.device.toolset === 'busybox';

type FileRead = { ok: true; text: string } | { ok: false; error: string };

/** Flannel's subnet lease file as flanneld writes it (only on nodes where Flannel runs). */
function subnetEnv(ctx: CommandContext): string | undefined {
  const f = ctx.state.device.flannel;
  if (!f) return undefined;
  const gw = formatIp((f.subnet.addr + 1) >>> 0);
  return [
    `FLANNEL_NETWORK=${formatCidr(ctx.sim.model.cluster.network)}`,
    `FLANNEL_SUBNET=${gw}/${f.subnet.len}`,
    `FLANNEL_MTU=${f.mtu}`,
    'FLANNEL_IPMASQ=true',
    '',
  ].join('\n');
}

function readFile(path: string, ctx: CommandContext): FileRead {
  const key = keyOfPath(path);
  if (key !== undefined) {
    if (sysctlExists(ctx.state, key)) return { ok: true, text: `${readSysctl(ctx.state, key)}\n` };
    if (sysctlKeys(ctx.state).some((k) => k.startsWith(`${key}.`))) return { ok: false, error: 'Is a directory' };
    return { ok: false, error: 'No such file or directory' };
  }
  if (path === '/run/flannel/subnet.env') {
    const text = subnetEnv(ctx);
    return text === undefined ? { ok: false, error: 'No such file or directory' } : { ok: true, text };
  }
  if (path === '/etc/hostname') return { ok: true, text: `${ctx.state.device.hostname}\n` };
  // The place's files as kubelet or the OS wrote them (topology/place-files.ts), and its nsswitch.conf.
  const file = ctx.state.device.files?.[path];
  if (file !== undefined) return { ok: true, text: file };
  if (path === '/etc/nsswitch.conf') return { ok: true, text: nsswitchConf(ctx.state.device) };
  return { ok: false, error: 'No such file or directory' };
}

export function cat(args: readonly string[], ctx: CommandContext): CommandResult {
  let stdout = '';
  let stderr = '';
  let exitCode = 0;
  for (const a of args) {
    if (a.startsWith('-') && a.length > 1) return unsupported(`cat ${a}`);
    if (a === '>' || a === '>>' || a === '|' || a === '<') return unsupported(`cat with ${a}`);
    const r = readFile(a, ctx);
    if (r.ok) stdout += r.text;
    else {
      stderr += busybox(ctx) ? (r.error === 'Is a directory' ? 'cat: read error: Is a directory\n' : `cat: can't open '${a}': ${r.error}\n`) : `cat: ${a}: ${r.error}\n`;
      exitCode = 1;
    }
  }
  return { stdout, stderr, exitCode };
}

/** `echo [-n] WORDS [> FILE]`: prints, or writes a /proc/sys file as the shell's redirection would. */
export function echo(args: readonly string[], ctx: CommandContext): CommandResult {
  let words = [...args];
  let target: string | undefined;
  const redirect = words.findIndex((w) => w === '>' || w === '>>' || /^>>?[^>]/.test(w));
  if (redirect >= 0) {
    const w = words[redirect]!;
    const inline = w.replace(/^>>?/, '');
    target = inline !== '' ? inline : words[redirect + 1];
    words = [...words.slice(0, redirect), ...words.slice(redirect + (inline !== '' ? 1 : 2))];
    if (target === undefined) return fail('sh: 1: Syntax error: newline unexpected', 2);
  }
  const newline = words[0] !== '-n';
  if (!newline) words = words.slice(1);
  const text = `${words.join(' ')}${newline ? '\n' : ''}`;
  if (target === undefined) return ok(text);
  const key = keyOfPath(target);
  if (key === undefined) return unsupported(`echo > ${target} (files outside /proc/sys)`);
  if (!sysctlExists(ctx.state, key)) {
    const dir = sysctlKeys(ctx.state).some((k) => k.startsWith(`${key}.`));
    if (busybox(ctx)) return fail(`sh: can't create ${target}: ${dir ? 'Is a directory' : 'nonexistent directory'}`, 1);
    return fail(`sh: 1: cannot create ${target}: ${dir ? 'Is a directory' : 'Directory nonexistent'}`, 2);
  }
  const error = writeSysctl(ctx.state, key, text);
  if (!error) return ok();
  return busybox(ctx) ? fail(`sh: write error: ${error}`, 1) : fail('sh: 1: echo: echo: I/O error', 1);
}

export function hostname(args: readonly string[], ctx: CommandContext): CommandResult {
  if (args.length === 0) return ok(`${ctx.state.device.hostname}\n`);
  if (args.length === 1 && (args[0] === '-I' || args[0] === '--all-ip-addresses') && !busybox(ctx)) {
    const addrs = [...ctx.state.ifaces.values()].filter((i) => i.kind !== 'loopback' && i.up).flatMap((i) => i.addrs.map((a) => formatIp(a.ip)));
    return ok(`${addrs.map((a) => `${a} `).join('')}\n`);
  }
  if (args.length === 1 && (args[0] === '-s' || args[0] === '--short')) return ok(`${ctx.state.device.hostname.split('.')[0]}\n`);
  return unsupported(`hostname ${args.join(' ')}`);
}
