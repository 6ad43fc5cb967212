// The command interpreter's registry: program name -> implementation (ip, sysctl, iptables, kubectl, cat, hostname).
import type { DeviceState } from '../dataplane.js';
import type { Simulator } from '../simulator.js';
import type { CommandResult } from '../../topology/trace.js';
import { lazyFunction } from '../lazy.js';

export interface CommandContext {
  readonly sim: Simulator;
  /** The device id the command runs on. */
  readonly device: string;
  readonly state: DeviceState;
}

export type Command = (args: readonly string[], ctx: CommandContext) => CommandResult;

/** A program the busybox image does not have: its shell says so (busybox pods get busybox's applets only). */
const notInBusybox = (name: string, command: Command): Command => (args, ctx) =>
  ctx.state.device.toolset === 'busybox' ? { stdout: '', stderr: `sh: ${name}: not found\n`, exitCode: 127 } : command(args, ctx);

/** Export `name` of command module `file`, loaded when the command first runs (sim/lazy.ts). */
const lazy = <M>(file: string, name: keyof M) => lazyFunction<M, keyof M>(import.meta.url, file, name) as Command;

/** One line per program: its name, and the module and export that implement it. */
const COMMANDS: Readonly<Record<string, Command>> = {
  ip: lazy<typeof import('./ip.js')>('./ip.js', 'ip'),
  bridge: notInBusybox('bridge', lazy<typeof import('./bridge.js')>('./bridge.js', 'bridge')),
  sysctl: lazy<typeof import('./sysctl.js')>('./sysctl.js', 'sysctl'),
  iptables: notInBusybox('iptables', lazy<typeof import('./iptables.js')>('./iptables.js', 'iptables')),
  'iptables-nft': notInBusybox('iptables-nft', lazy<typeof import('./iptables.js')>('./iptables.js', 'iptables')),
  'iptables-save': notInBusybox('iptables-save', lazy<typeof import('./iptables.js')>('./iptables.js', 'iptablesSave')),
  ipset: notInBusybox('ipset', lazy<typeof import('./ipset.js')>('./ipset.js', 'ipset')),
  kubectl: lazy<typeof import('./kubectl.js')>('./kubectl.js', 'kubectl'),
  cat: lazy<typeof import('./files.js')>('./files.js', 'cat'),
  echo: lazy<typeof import('./files.js')>('./files.js', 'echo'),
  hostname: lazy<typeof import('./files.js')>('./files.js', 'hostname'),
  true: lazy<typeof import('./shell-builtins.js')>('./shell-builtins.js', 'trueCommand'),
  false: lazy<typeof import('./shell-builtins.js')>('./shell-builtins.js', 'falseCommand'),
  tcpdump: notInBusybox('tcpdump', lazy<typeof import('./tcpdump.js')>('./tcpdump.js', 'tcpdump')),
  ps: lazy<typeof import('./ps.js')>('./ps.js', 'ps'),
  uname: lazy<typeof import('./uname.js')>('./uname.js', 'uname'),
  arp: lazy<typeof import('./arp.js')>('./arp.js', 'arp'),
  nstat: lazy<typeof import('./nstat.js')>('./nstat.js', 'nstat'),
  netstat: lazy<typeof import('./netstat.js')>('./netstat.js', 'netstat'),
};

export function findCommand(program: string): Command | undefined {
  return Object.hasOwn(COMMANDS, program) ? COMMANDS[program] : undefined;
}

export function commandNames(): string[] {
  return Object.keys(COMMANDS).sort();
}
