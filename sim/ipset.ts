// ipsets as the kernel's ip_set hash:ip and hash:net types keep them (the subset kube-router uses): loaded from
// `ipset save` lines; `-m set --match-set NAME src|dst` asks whether an address is in one.
import { parseCidr } from '../topology/address.js';

interface IpSet {
  readonly type: 'hash:ip' | 'hash:net';
  /** hash:ip members. */
  readonly ips: Set<number>;
  /** hash:net members by prefix length (most specific first when matching): network -> nomatch flag. */
  readonly nets: Map<number, Map<number, boolean>>;
}

export type IpSets = ReadonlyMap<string, IpSet>;

/** Parses `create NAME TYPE ...` and `add NAME ENTRY [timeout N] [nomatch]` lines; other lines are ignored. */
export function parseIpsets(lines: readonly string[]): IpSets {
  const sets = new Map<string, IpSet>();
  for (const line of lines) {
    const w = line.trim().split(/\s+/);
    if (w[0] === 'create' && (w[2] === 'hash:ip' || w[2] === 'hash:net')) sets.set(w[1]!, { type: w[2], ips: new Set(), nets: new Map() });
    if (w[0] !== 'add') continue;
    const set = sets.get(w[1]!);
    const cidr = parseCidr(w[2] ?? '', false);
    if (!set || !cidr) continue;
    if (set.type === 'hash:ip') set.ips.add(cidr.addr >>> 0);
    else {
      let byNet = set.nets.get(cidr.len);
      if (!byNet) set.nets.set(cidr.len, (byNet = new Map()));
      byNet.set(cidr.addr >>> 0, w.includes('nomatch'));
    }
  }
  return sets;
}

const maskOf = (len: number) => (len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0);

/**
 * Whether `ip` is in set NAME (undefined: no such set). hash:net tries the most specific prefix first
 * (ip_set_hash_gen.h mtype_test_cidrs); an entry flagged nomatch there answers "not in the set".
 */
export function inIpset(sets: IpSets, name: string, ip: number): boolean | undefined {
  const set = sets.get(name);
  if (!set) return undefined;
  if (set.type === 'hash:ip') return set.ips.has(ip >>> 0);
  const lens = [...set.nets.keys()].sort((a, b) => b - a);
  for (const len of lens) {
    const hit = set.nets.get(len)!.get((ip & maskOf(len)) >>> 0);
    if (hit !== undefined) return !hit;
  }
  return false;
}
