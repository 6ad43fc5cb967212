// The command interpreter's registry: program name -> implementation (ip, sysctl, iptables, kubectl, cat, hostname).
import type { DeviceState } from '../dataplane.js';
import type { Simulator } from '../simulator.js';
import type { CommandResult } from '../../topology/trace.js';
import { bridge } from './bridge.js';
import { cat, echo, hostname } from './files.js';
import { ip } from './ip.js';
import { iptables, iptablesSave } from './iptables.js';
import { ipset } from './ipset.js';
import { kubectl } from './kubectl.js';
import { sysctl } from './sysctl.js';
import { falseCommand, trueCommand } from './shell-builtins.js';
import { tcpdump } from './tcpdump.js';
import { ps } from './ps.js';
import { uname } from './uname.js';
import { arp } from './arp.js';
import { nstat } from './nstat.js';

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

const COMMANDS: Readonly<Record<string, Command>> = {
  ip,
  bridge: notInBusybox('bridge', bridge),
  sysctl,
  iptables: notInBusybox('iptables', iptables),
  'iptables-nft': notInBusybox('iptables-nft', iptables),
  'iptables-save': notInBusybox('iptables-save', iptablesSave),
  ipset: notInBusybox('ipset', ipset),
  kubectl,
  cat,
  echo,
  hostname,
  true: trueCommand,
  false: falseCommand,
  tcpdump: notInBusybox('tcpdump', tcpdump),
  ps,
  uname,
  arp,
  nstat,
};

export function findCommand(program: string): Command | undefined {
  return Object.hasOwn(COMMANDS, program) ? COMMANDS[program] : undefined;
}

export function commandNames(): string[] {
  return Object.keys(COMMANDS).sort();
}
