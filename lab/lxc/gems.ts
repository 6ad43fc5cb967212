// Where Debian's packaged Vagrant and vagrant-lxc live (rubygems-integration), whatever their version.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const GEMS = '/usr/share/rubygems-integration/all/gems';

/** The directory of the installed gem NAME (e.g. `vagrant-lxc`), or undefined. */
export function debianGemDir(name: string): string | undefined {
  if (!existsSync(GEMS)) return undefined;
  const dir = readdirSync(GEMS).filter((d) => new RegExp(`^${name}-\\d`).test(d)).sort().pop();
  return dir ? join(GEMS, dir) : undefined;
}
