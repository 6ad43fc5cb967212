// Builds the Debian 12 vagrant-lxc box from Debian's mirror with debootstrap, cached under a hash of its recipe.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UsageError } from '../backend.js';
import { runArgv } from '../process.js';
import { debianGemDir } from './gems.js';

export const LXC_BOX_NAME = 'tracelab/debian12-lxc';
export const DEFAULT_BOX_CACHE = '/var/cache/tracelab/lxc-box';
const MIRROR = 'http://deb.debian.org/debian';
const SUITE = 'bookworm';
/** What a machine needs to boot under LXC, take Vagrant's key over ssh and run Ansible. */
const PACKAGES = ['systemd', 'systemd-sysv', 'dbus', 'openssh-server', 'sudo', 'python3', 'python3-apt', 'iproute2', 'iputils-ping', 'procps', 'kmod', 'netbase', 'ca-certificates'];
/** Vagrant's insecure public key as Debian ships it (vagrant-2.3.4/keys/vagrant.pub on bookworm). */
function vagrantPublicKey(): string {
  const dir = debianGemDir('vagrant');
  if (dir === undefined) throw new UsageError('Vagrant\'s insecure key was not found: apt-get install -y vagrant');
  return join(dir, 'keys', 'vagrant.pub');
}

/** Files written into the root file system after debootstrap (path -> content). */
const ROOTFS_FILES: Readonly<Record<string, string>> = {
  'etc/systemd/network/20-eth0.network': '[Match]\nName=eth0\n\n[Network]\nDHCP=ipv4\n',
  'etc/sudoers.d/vagrant': 'vagrant ALL=(ALL) NOPASSWD:ALL\n',
  'etc/ssh/sshd_config.d/tracelab.conf': 'UseDNS no\n',
  // Host keys made on first boot, so each machine has its own.
  'etc/systemd/system/tracelab-ssh-keygen.service':
    '[Unit]\nDescription=SSH host keys\nBefore=ssh.service\n\n[Service]\nType=oneshot\nExecStart=/usr/bin/ssh-keygen -A\n\n[Install]\nWantedBy=multi-user.target\n',
  'etc/hostname': 'tracelab\n',
};
const LXC_CONFIG = 'lxc.include = /usr/share/lxc/config/common.conf\nlxc.arch = linux64\nlxc.apparmor.profile = unconfined\n';

/** Commands run chrooted in the root file system after the files are written (argv arrays). */
const CHROOT_STEPS: readonly (readonly string[])[] = [
  ['useradd', '--create-home', '--shell', '/bin/bash', 'vagrant'],
  ['systemctl', 'enable', 'systemd-networkd', 'tracelab-ssh-keygen.service'],
  ['apt-get', 'clean'],
];

/** The recipe's hash: the box is rebuilt only when this changes. */
export function boxRecipeHash(): string {
  const recipe = JSON.stringify({ MIRROR, SUITE, PACKAGES, ROOTFS_FILES, LXC_CONFIG, CHROOT_STEPS, layout: "./rootfs (vagrant-lxc strips 2 components)", version: 1 });
  return createHash('sha256').update(recipe).digest('hex').slice(0, 16);
}

export function boxPath(cacheDir = DEFAULT_BOX_CACHE): string {
  return join(cacheDir, boxRecipeHash(), 'debian12-lxc.box');
}

async function step(progress: (line: string) => void, what: string, argv: readonly string[], cwd?: string): Promise<void> {
  const started = Date.now();
  progress(`box: ${what}...`);
  const result = await runArgv(argv, { cwd, installHint: 'apt-get install -y lxc vagrant-lxc debootstrap' });
  if (result.exitCode !== 0) throw new UsageError(`box: ${what} failed (exit ${result.exitCode}): ${result.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  progress(`box: ${what} done (${((Date.now() - started) / 1000).toFixed(0)} s)`);
}

async function configureRootfs(rootfs: string, progress: (line: string) => void): Promise<void> {
  for (const [path, text] of Object.entries(ROOTFS_FILES)) await writeFile(join(rootfs, path), text, { mode: path.includes('sudoers') ? 0o440 : 0o644 });
  await writeFile(join(rootfs, 'etc/machine-id'), '');
  for (const argv of CHROOT_STEPS) await step(progress, argv.join(' '), ['chroot', rootfs, ...argv]);
  const ssh = join(rootfs, 'home/vagrant/.ssh');
  await mkdir(ssh, { recursive: true, mode: 0o700 });
  await step(progress, 'vagrant key', ['install', '-m', '600', vagrantPublicKey(), join(ssh, 'authorized_keys')]);
  await step(progress, 'key owner', ['chroot', rootfs, 'chown', '-R', 'vagrant:vagrant', '/home/vagrant/.ssh']);
  await chmod(ssh, 0o700);
  // An emptied apt list directory gets an old date, so Ansible's cache_valid_time updates it (FACTS-LXC.md).
  await rm(join(rootfs, 'var/lib/apt/lists'), { recursive: true, force: true });
  await mkdir(join(rootfs, 'var/lib/apt/lists/partial'), { recursive: true });
  await step(progress, 'date apt lists back', ['touch', '-d', '2000-01-01', join(rootfs, 'var/lib/apt/lists')]);
}

/** The cached box for the current recipe, built when missing; progress lines name each step and its duration. */
export async function buildLxcBox(opts: { cacheDir?: string; progress?: (line: string) => void } = {}): Promise<{ path: string; built: boolean }> {
  const progress = opts.progress ?? (() => {});
  const path = boxPath(opts.cacheDir);
  if (existsSync(path)) {
    progress(`box: ${path} is cached (recipe ${boxRecipeHash()})`);
    return { path, built: false };
  }
  const dir = join(path, '..');
  await mkdir(dir, { recursive: true });
  const work = await mkdtemp(join(dir, 'build-'));
  try {
    const rootfs = join(work, 'rootfs');
    await step(progress, `debootstrap ${SUITE} from ${MIRROR}`, ['debootstrap', '--variant=minbase', `--include=${PACKAGES.join(',')}`, SUITE, rootfs, MIRROR]);
    await configureRootfs(rootfs, progress);
    await step(progress, 'rootfs.tar.gz', ['tar', '--numeric-owner', '--xattrs', "--xattrs-include=*", '-czf', join(work, 'rootfs.tar.gz'), '-C', work, './rootfs']);
    await writeFile(join(work, 'lxc-config'), LXC_CONFIG);
    await writeFile(join(work, 'metadata.json'), JSON.stringify({ provider: 'lxc', version: '1.0.0', 'built-on': boxRecipeHash() }) + '\n');
    await step(progress, 'box archive', ['tar', '-cf', join(work, 'box.tar'), '-C', work, 'rootfs.tar.gz', 'lxc-config', 'metadata.json']);
    await rename(join(work, 'box.tar'), path);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  progress(`box: built ${path}`);
  return { path, built: true };
}
