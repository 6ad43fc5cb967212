// The command interpreter's registry: program name -> implementation (ip, sysctl, iptables, kubectl, cat, hostname).
import type { DeviceState } from '../dataplane.js';
import type { Simulator } from '../simulator.js';
import type { CommandResult } from '../trace.js';

export interface CommandContext {
  readonly sim: Simulator;
  /** The device id the command runs on. */
  readonly device: string;
  readonly state: DeviceState;
}

export type Command = (args: readonly string[], ctx: CommandContext) => CommandResult;

const COMMANDS: Readonly<Record<string, Command>> = {};

export function findCommand(program: string): Command | undefined {
  return Object.hasOwn(COMMANDS, program) ? COMMANDS[program] : undefined;
}

export function commandNames(): string[] {
  return Object.keys(COMMANDS).sort();
}
