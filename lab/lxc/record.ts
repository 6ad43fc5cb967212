// The crash-proof record of one LXC lab's host changes: each is written here before it is made, so `down` undoes exactly those.
import { join } from 'node:path';
import { existsSync, readFileSync } from 'node:fs';
import { removeRecord, stateDirOf, writeRecord } from '../netns/record.js';

export interface LxcRecord {
  readonly version: 1;
  readonly kind: 'lxc';
  readonly prefix: string;
  /** The Vagrantfile's directory and the private VAGRANT_HOME the machines were made with. */
  readonly vagrantDir: string;
  readonly vagrantHome: string;
  readonly renderJson: string;
  /** The host-only bridge we made (recorded before `ip link add`). */
  bridge?: string;
  /** lxc-net was not running and we started it (recorded before `lxc-net start`). */
  lxcNetStarted?: boolean;
  /** net.ipv4.ip_forward before lxc-net changed it. */
  ipForward?: string;
  /** dnsmasq's lease file did not exist before: remove it on down. */
  leasesFile?: string;
  /** The box name we added to the private VAGRANT_HOME. */
  boxAdded?: string;
  /** Machine names `vagrant up` was asked to make, and their LXC container names. */
  machines: string[];
  containers: string[];
}

export function lxcRecordPath(prefix: string, stateDir?: string): string {
  return join(stateDirOf(stateDir), `lxc-${prefix}.json`);
}

/** Writes the record durably (temp file, fsync, rename: the namespace lab's writer). */
export function saveLxcRecord(path: string, record: LxcRecord): void {
  writeRecord(path, record as never);
}

/** The record, or undefined when there is none; throws with the path when it is not an LXC lab record. */
export function readLxcRecord(path: string): LxcRecord | undefined {
  if (!existsSync(path)) return undefined;
  const parsed = JSON.parse(readFileSync(path, 'utf8')) as LxcRecord;
  if (parsed.version !== 1 || parsed.kind !== 'lxc') throw new Error(`${path}: not a tracelab LXC lab record`);
  return parsed;
}

export { removeRecord as removeLxcRecord };
