// The hook memo (sim/hook-memo.ts: a builtin chain's walks remembered by the packet bits they read, replayed for equal
// packets) against the uncached walk of the same tables in plain Maps, over random packets interleaved with rule edits,
// policy changes, chains added and removed, counters zeroed, and the device's addresses and ipsets changing.
// The memo compares the entry it last answered with first (hook-memo.ts memoLookup): the repeats below exercise it.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { zeroCounters, type MatchPacket } from '../sim/netfilter-eval.js';
import { ChainMap, flushRules, newChain, parseRule, setPolicy, type Chain, type Rule } from '../sim/netfilter.js';
import { counters, editRule, runSide, verdictOf, type Side } from './helpers/netfilter-sides.js';

const BUILTIN = ['PREROUTING', 'FORWARD'] as const;
const USER = ['A', 'B', 'C'] as const;
const RULE_WORDS = [
  '-j ACCEPT', '-j DROP', '-j RETURN', '-j A', '-j B', '-j C', '-j LOG', '-s 10.0.0.0/8 -j RETURN',
  '! -s 10.1.0.0/16 -d 10.1.0.0/16 -j A', '-d 10.1.0.2/32 -p udp --dport 53 -j ACCEPT', '-d 10.1.0.3/32 -j B',
  '-d 10.1.0.9/32 -j DNAT --to-destination 10.1.0.2:80', '-d 192.0.2.7/32 -j DROP', '-p tcp --dport 80:90 -j DROP',
  '-p udp -m udp --sport 40000 -j B', '-i eth0 -j B', '-o cni+ -j ACCEPT', '-m conntrack --ctstate NEW -j C',
  '-m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT', '-j MARK --set-xmark 0x4000/0x4000',
  '-m mark --mark 0x4000/0x4000 -j RETURN', '-m mark ! --mark 0x1/0x1 -j DROP', '-p icmp --icmp-type echo-request -j ACCEPT',
  '-m addrtype --dst-type LOCAL -j A', '-m addrtype ! --src-type LOCAL -j B', '-m statistic --mode random --probability 0.5 -j ACCEPT',
  '-m set --match-set S dst -j DROP', '-p udp -m multiport --dports 53,33434:33436 -j RETURN', '-m physdev --physdev-is-bridged -j ACCEPT',
];
const RULES: readonly Rule[] = RULE_WORDS.map((w) => {
  const r = parseRule(w.split(' '));
  if (!r.ok) throw new Error(r.error);
  return r.value;
});
const ADDRS = [0x0a010002, 0x0a010003, 0x0a010009, 0x0a0200ff, 0xc0000207, 0x0b000001];
const PORTS = [53, 80, 33434, 33440, 40000];
const IFACES = [undefined, 'eth0', 'cni0', 'flannel.1'];
const MARKS = [0, 0x1, 0x4000, 0x4001];

type Packet = { kind: 'packet'; chain: number; src: number; dst: number; proto: number; sport: number; dport: number; in: number; out: number; state: number; mark: number; icmp: number };
type Edit =
  | { kind: 'push' | 'insert' | 'replace' | 'delete'; chain: number; rule: number; at: number }
  | { kind: 'flush' | 'zero'; chain: number }
  | { kind: 'policy'; chain: number; drop: boolean }
  | { kind: 'drop-user' | 'add-user'; user: number };
type DeviceChange = { kind: 'local' | 'set'; addr: number };
type Op = Packet | Edit | DeviceChange;

const CHAIN_NAMES = [...BUILTIN, ...USER];
const packetOp: fc.Arbitrary<Packet> = fc.record({
  kind: fc.constant('packet' as const), chain: fc.nat(1), src: fc.nat(ADDRS.length - 1), dst: fc.nat(ADDRS.length - 1), proto: fc.nat(2),
  sport: fc.nat(PORTS.length - 1), dport: fc.nat(PORTS.length - 1), in: fc.nat(IFACES.length - 1), out: fc.nat(IFACES.length - 1),
  state: fc.nat(2), mark: fc.nat(MARKS.length - 1), icmp: fc.nat(1),
});
const op: fc.Arbitrary<Op> = fc.oneof(
  // Each packet twice or more on average: the memo answers the repeats.
  { weight: 12, arbitrary: packetOp },
  { weight: 6, arbitrary: fc.record({ kind: fc.constantFrom('push' as const, 'insert' as const, 'replace' as const, 'delete' as const), chain: fc.nat(4), rule: fc.nat(RULES.length - 1), at: fc.nat(12) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constantFrom('flush' as const, 'zero' as const), chain: fc.nat(4) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('policy' as const), chain: fc.nat(1), drop: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constantFrom('drop-user' as const, 'add-user' as const), user: fc.nat(1) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constantFrom('local' as const, 'set' as const), addr: fc.nat(ADDRS.length - 1) }) },
);

/** Chain C starts as kube-proxy's KUBE-SERVICES does, long enough for the destination index (sim/netfilter-eval.ts). */
const SERVICES: readonly Rule[] = ['10.1.0.2', '10.1.0.3', '10.1.0.9', '192.0.2.7', '10.2.0.255', '11.0.0.1', '10.1.0.4', '10.1.0.5'].map((ip, k) => {
  const r = parseRule(['-d', `${ip}/32`, '-p', k % 2 === 0 ? 'udp' : 'tcp', '-j', k % 3 === 0 ? 'ACCEPT' : k % 3 === 1 ? 'DROP' : 'B']);
  if (!r.ok) throw new Error(r.error);
  return r.value;
});

function side(hooked: boolean): Side {
  const chains = hooked ? new ChainMap() : new Map<string, Chain>();
  for (const n of BUILTIN) chains.set(n, newChain(n, 'ACCEPT', [], 0, 0));
  for (const n of USER) chains.set(n, newChain(n, undefined, n === 'C' ? [...SERVICES] : []));
  return { chains, cache: new WeakMap(), hooked };
}

/** An edit made to both sides through the tables' writers (sim/chain-map.ts), as sim/commands/iptables.ts makes them. */
function edit(s: Side, o: Edit): void {
  if ('user' in o) {
    const name = USER[o.user]!;
    if (o.kind === 'drop-user') s.chains.delete(name);
    else if (!s.chains.has(name)) s.chains.set(name, newChain(name));
    return;
  }
  const c = s.chains.get(CHAIN_NAMES[o.chain]!);
  if (c === undefined) return;
  if ('drop' in o) return setPolicy(c, o.drop ? 'DROP' : 'ACCEPT');
  if (!('rule' in o)) return o.kind === 'zero' ? zeroCounters(s.cache, c) : flushRules(c);
  // No jump back up the list A, B, C from a user chain (a loop would end only at the depth limit).
  const rule = RULES[o.rule]!;
  const target = USER.indexOf(rule.target as (typeof USER)[number]);
  if (target >= 0 && o.chain >= BUILTIN.length && target <= o.chain - BUILTIN.length) return;
  editRule(c, o, rule);
}

describe('hook memo', () => {
  it('gives the uncached walk\'s verdicts, marks and counters through any edits', () => {
    fc.assert(fc.property(fc.array(op, { minLength: 30, maxLength: 150, size: 'max' }), (ops) => {
      const memoised = side(true);
      const plain = side(false);
      // The device: its addresses (addrtype LOCAL) and ipset S, changed between packets without any table edit.
      const local = new Set<number>([ADDRS[0]!]);
      const set = new Set<number>([ADDRS[1]!]);
      const device = { isLocal: (ip: number) => local.has(ip), inSet: (name: string, ip: number) => name === 'S' && set.has(ip) };
      for (const o of ops) {
        if ('addr' in o) {
          const which = o.kind === 'local' ? local : set;
          if (!which.delete(ADDRS[o.addr]!)) which.add(ADDRS[o.addr]!);
          continue;
        }
        if (o.kind !== 'packet') {
          edit(memoised, o);
          edit(plain, o);
          continue;
        }
        const protocol = (['udp', 'tcp', 'icmp'] as const)[o.proto]!;
        const p: MatchPacket = {
          src: ADDRS[o.src]!, dst: ADDRS[o.dst]!, protocol, sport: PORTS[o.sport]!, dport: PORTS[o.dport]!, in: IFACES[o.in], out: IFACES[o.out],
          state: (['NEW', 'ESTABLISHED', 'RELATED'] as const)[o.state]!, seed: 7, mark: MARKS[o.mark]!, local: device, length: 60 + o.src * 4 + o.dport,
          ...(protocol === 'icmp' ? { icmpType: o.icmp === 0 ? 8 : 3, icmpCode: o.icmp === 0 ? 0 : 3 } : {}),
        };
        const name = BUILTIN[o.chain]!;
        for (let k = 0; k < 2; k++) expect(verdictOf(runSide(memoised, name, p))).toBe(verdictOf(runSide(plain, name, p)));
        if (o.src === 0) expect(counters(memoised)).toBe(counters(plain));
      }
      expect(counters(memoised)).toBe(counters(plain));
    }), { numRuns: 600, seed: 42 });
  });

  it('forgets a walk through a user chain that was flushed since', () => {
    // FORWARD -j A, A -j DROP: remembered (from the second walk), then A flushed: the packet falls to the policy.
    const memoised = side(true);
    const plain = side(false);
    const jump = RULES[RULE_WORDS.indexOf('-j A')]!;
    const drop = RULES[RULE_WORDS.indexOf('-j DROP')]!;
    for (const s of [memoised, plain]) {
      editRule(s.chains.get('FORWARD')!, { kind: 'push', at: 0 }, jump);
      editRule(s.chains.get('A')!, { kind: 'push', at: 0 }, drop);
    }
    const p: MatchPacket = { src: ADDRS[0]!, dst: ADDRS[1]!, protocol: 'udp', sport: 40000, dport: 33434, state: 'NEW', seed: 7, mark: 0, length: 60 };
    for (let k = 0; k < 3; k++) for (const s of [memoised, plain]) expect(verdictOf(runSide(s, 'FORWARD', p))).toBe('DROP A -j DROP mark=-');
    for (const s of [memoised, plain]) flushRules(s.chains.get('A')!);
    expect(verdictOf(runSide(memoised, 'FORWARD', p))).toBe(verdictOf(runSide(plain, 'FORWARD', p)));
    expect(counters(memoised)).toBe(counters(plain));
  });
});
