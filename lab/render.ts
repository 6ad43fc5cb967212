// Renders the files of the real lab (Vagrant JSON, Ansible inventory and vars) and writes them under a directory.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { LabModel } from '../topology/model.js';
import { readInputFile } from '../topology/read-input.js';
import { hostOnlyRangesFrom } from './render-facts.js';
import { renderGroupVars, renderInventory } from './render-ansible.js';
import { GROUP_VARS_FILE, INVENTORY_FILE, renderVagrantJson, VAGRANT_JSON_FILE, type LxcRenderOptions } from './render-vagrant.js';

export type RenderBackend = 'vagrant' | 'ansible';

export interface RenderedFile {
  /** Path relative to the render directory. */
  readonly path: string;
  readonly text: string;
}

export interface RenderOptions {
  readonly allowedRanges?: readonly string[];
  /** Directory of the Vagrantfile (the project root); the inventory points at its `.vagrant/machines`. */
  readonly vagrantDir?: string;
  /** Render directory relative to vagrantDir, as the Vagrantfile will look for it. */
  readonly renderDir?: string;
  /** The LXC provider's settings (container prefix, box): the JSON carries them and the inventory uses its key path. */
  readonly lxc?: LxcRenderOptions;
  /** Where Vagrant keeps the machines' keys (default VAGRANTDIR/.vagrant/machines). */
  readonly machinesDir?: string;
}

/** The files one backend needs. `vagrant` includes the Ansible files, because the Vagrantfile provisions with them. */
export function renderLabFiles(lab: LabModel, backend: RenderBackend, opts: RenderOptions = {}): RenderedFile[] {
  const machinesDir = opts.machinesDir ?? (opts.vagrantDir ? join(resolve(opts.vagrantDir), '.vagrant', 'machines') : '.vagrant/machines');
  const ansible: RenderedFile[] = [
    { path: INVENTORY_FILE, text: renderInventory(lab, { machinesDir, allowedRanges: opts.allowedRanges, provider: opts.lxc ? 'lxc' : 'virtualbox' }) },
    { path: GROUP_VARS_FILE, text: renderGroupVars(lab, { allowedRanges: opts.allowedRanges, networkOnly: opts.lxc !== undefined }) },
  ];
  if (backend === 'ansible') return ansible;
  return [{ path: VAGRANT_JSON_FILE, text: renderVagrantJson(lab, { allowedRanges: opts.allowedRanges, renderDir: opts.renderDir, lxc: opts.lxc }) }, ...ansible];
}

/** Writes rendered files under `outDir`, creating directories; returns the absolute paths written. */
export async function writeRenderedFiles(outDir: string, files: readonly RenderedFile[]): Promise<string[]> {
  const written: string[] = [];
  for (const file of files) {
    const target = resolve(outDir, file.path);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, file.text);
    written.push(target);
  }
  return written;
}

/** Host-only ranges VirtualBox allows on this workstation: /etc/vbox/networks.conf, or 192.168.56.0/21 without it. */
export async function allowedHostOnlyRanges(networksConf = '/etc/vbox/networks.conf'): Promise<string[]> {
  try {
    return hostOnlyRangesFrom(readInputFile(networksConf));
  } catch {
    return hostOnlyRangesFrom(undefined);
  }
}
