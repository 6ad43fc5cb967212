// `ipset list -n` and `ipset test SET IP` over a device's ipsets (kube-router's on its nodes), with ipset 7.17's texts.
import { parseIp } from '../../topology/address.js';
import type { CommandResult } from '../../topology/trace.js';
import { inIpset, parseIpsets } from '../ipset.js';
import type { CommandContext } from './index.js';
import { fail, ok, unsupported } from './output.js';

/** The sets' names in creation order (the kernel's set index order). */
function setNames(lines: readonly string[]): string[] {
  return lines.filter((l) => l.startsWith('create ')).map((l) => l.split(/\s+/)[1]!);
}

export function ipset(args: readonly string[], ctx: CommandContext): CommandResult {
  const lines = ctx.state.ipsetLines();
  const [cmd, ...rest] = args;
  if ((cmd === 'list' || cmd === '-L' || cmd === 'save' || cmd === '-S') && (rest[0] === '-n' || rest[0] === '-name') && rest.length === 1) {
    const names = setNames(lines);
    return ok(names.map((n) => `${n}\n`).join(''));
  }
  if ((cmd === 'test' || cmd === '-T') && rest.length === 2) {
    const [name, addr] = rest as [string, string];
    const ip = parseIp(addr);
    if (ip === undefined) return unsupported(`ipset test with ${addr}`);
    const found = inIpset(parseIpsets(lines), name, ip);
    if (found === undefined) return fail('ipset v7.17: The set with the given name does not exist', 1);
    return found ? ok('', `Warning: ${addr} is in set ${name}.\n`) : fail(`${addr} is NOT in set ${name}.`, 1);
  }
  return unsupported(`ipset ${args.join(' ')}`);
}
