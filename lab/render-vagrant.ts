// Renders the JSON the root Vagrantfile reads: machines, eth1 addresses, box, sizes, interface names, playbook paths.
import type { LabModel } from '../topology/model.js';
import { realLabFacts, VIRTUALBOX_DEFAULT_HOST_ONLY } from './render-facts.js';

/** Where `tracelab lab render` writes, relative to the directory holding the Vagrantfile. */
export const DEFAULT_RENDER_DIR = '.tracelab';
export const VAGRANT_JSON_FILE = 'vagrant.json';
export const INVENTORY_FILE = 'ansible/inventory.yml';
export const GROUP_VARS_FILE = 'ansible/group_vars/all.yml';
export const PLAYBOOK_FILE = 'ansible/site.yml';

export interface VagrantMachine {
  readonly name: string;
  readonly role: 'control-plane' | 'worker';
  readonly ip: string;
  readonly cpus: number;
  readonly memoryMiB: number;
  /** Whether Vagrant runs the Ansible provisioner from this machine (the last one to boot: all VMs are up by then). */
  readonly provision: boolean;
}

/** The document the Vagrantfile consumes; format version 1. */
export interface VagrantLabJson {
  readonly format: 'tracelab-vagrant/1';
  readonly lab: string;
  readonly box: string;
  readonly hostOnly: {
    readonly network: string;
    readonly netmask: string;
    readonly hostIp: string;
    readonly iface: string;
    readonly allowedRanges: readonly string[];
  };
  readonly natIface: string;
  readonly machines: readonly VagrantMachine[];
  readonly ansible: { readonly playbook: string; readonly inventory: string };
  /** Present when rendered for the lxc provider: container names, the host-only bridge eth1 joins, the locally built box. */
  readonly lxc?: { readonly prefix: string; readonly bridge: string; readonly box: string };
}

/** The lxc provider's render settings: the lab prefix (containers PREFIX-NODE, bridge PREFIXbr0) and the box name. */
export interface LxcRenderOptions {
  readonly prefix: string;
  readonly box: string;
}

/** The host-only bridge of an LXC lab (interface names stop at 15 characters). */
export function lxcBridgeName(prefix: string): string {
  return `${prefix}br0`.slice(0, 15);
}

export interface VagrantRenderOptions {
  /** Host-only ranges VirtualBox allows here (from /etc/vbox/networks.conf); default 192.168.56.0/21. */
  readonly allowedRanges?: readonly string[];
  /** Directory the rendered files live in: absolute, or relative to the Vagrantfile's directory. */
  readonly renderDir?: string;
  readonly lxc?: LxcRenderOptions;
}

export function vagrantLabJson(lab: LabModel, opts: VagrantRenderOptions = {}): VagrantLabJson {
  const allowed = opts.allowedRanges ?? VIRTUALBOX_DEFAULT_HOST_ONLY;
  const facts = realLabFacts(lab, allowed);
  const dir = opts.renderDir ?? DEFAULT_RENDER_DIR;
  return {
    format: 'tracelab-vagrant/1',
    lab: facts.name,
    box: facts.vm.box,
    hostOnly: { ...facts.hostOnly, allowedRanges: [...allowed] },
    natIface: facts.natIface,
    machines: facts.nodes.map((n, i) => ({
      name: n.name,
      role: n.role,
      ip: n.ip,
      cpus: facts.vm.cpus,
      memoryMiB: facts.vm.memoryMiB,
      provision: i === facts.nodes.length - 1,
    })),
    ansible: { playbook: PLAYBOOK_FILE, inventory: `${dir}/${INVENTORY_FILE}` },
    ...(opts.lxc ? { lxc: { prefix: opts.lxc.prefix, bridge: lxcBridgeName(opts.lxc.prefix), box: opts.lxc.box } } : {}),
  };
}

/** The Vagrantfile's input as JSON text (two-space indent, final newline). */
export function renderVagrantJson(lab: LabModel, opts: VagrantRenderOptions = {}): string {
  return `${JSON.stringify(vagrantLabJson(lab, opts), null, 2)}\n`;
}
