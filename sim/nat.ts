// Netfilter NAT of the forwarding pipeline: DNAT (nat PREROUTING/OUTPUT), SNAT/MASQUERADE (nat POSTROUTING), the
// conntrack entries they leave in a journey, and the reverse translation of replies and related ICMP errors.
import { formatIp } from '../topology/address.js';
import type { Route } from '../topology/model.js';
import type { Dataplane, DeviceState } from './dataplane.js';
import type { Journey } from './engine.js';
import { policyDecided, replayed, walkChain, type MatchPacket, type Verdict } from './netfilter-eval.js';
import { icmpKey, memoLookup } from './hook-memo.js';
import { stateBit } from './rule-match.js';
import { ChainMap, HOOK_NAMES, HOOK_OUTPUT, HOOK_POSTROUTING, HOOK_PREROUTING, netfilterEdits, ruleText, type Chain, type Hook, type HookSlot, type TableName } from './netfilter.js';
import { isIcmpError, tupleOf, type CtEntry, type Packet, type Tuple } from './packet.js';

export function verdictText(table: string, v: Verdict): string {
  return v.rule ? `iptables -t ${table} -A ${v.chain} ${ruleText(v.rule)}` : `iptables -t ${table} ${v.chain} policy ${v.target}`;
}

/**
 * Runs the builtin chain at hook slot `slot` (HOOK_*: its name is HOOK_NAMES[slot]) of the device's table for `p`
 * (an empty chain answers its policy without building anything).
 */
export function runChain(dp: Dataplane, s: DeviceState, table: TableName, slot: HookSlot, p: Packet, state: MatchPacket['state'], inDev?: string, outDev?: string): Verdict {
  const chains = table === 'filter' ? s.tables.filter : s.tables.nat; // named loads, not a keyed one
  const chain = HOOK_NAMES[slot];
  if (!(chains instanceof ChainMap)) {
    const c = chains.get(chain);
    if (c === undefined || c.rules.length > 0) return walkAt(dp, s, chains, chain, c, p, state, inDev, outDev, undefined);
    return policyDecided(c, chain, p.length, undefined);
  }
  const hook = chains.hookAt(slot, chain);
  if (hook.emptyAt === netfilterEdits.count) return policyDecided(hook.chain!, chain, p.length, hook); // no rules array read per packet
  // evaluateChain's memo replay, asked with the packet's own fields: a replay needs no MatchPacket filled, and a miss
  // walks without asking again (walkChain). A memo answers only while no rule changed since a walk of the chain's
  // rules made it: its chain has rules, not read here.
  const mark = p.mark ?? 0;
  const hit = memoLookup(hook, s.ruleCache, p, stateBit(state), mark, icmpKey(p.icmp?.type, p.icmp?.code), inDev, outDev, s);
  if (hit !== undefined) return replayed(hit, hook.chain!, chain, hook, p.length, mark);
  if (notedEmpty(hook)) return policyDecided(hook.chain!, chain, p.length, hook);
  return walkAt(dp, s, chains, chain, hook.chain, p, state, inDev, outDev, hook);
}

/** Whether the device's nat OUTPUT chain has rules (found through its hook record: no lookup by name per packet). */
export function natOutputHasRules(s: DeviceState): boolean {
  const chains = s.tables.nat;
  if (!(chains instanceof ChainMap)) return (chains.get('OUTPUT')?.rules.length ?? 0) > 0;
  const hook = chains.hookAt(HOOK_OUTPUT, 'OUTPUT');
  if (hook.emptyAt === netfilterEdits.count) return false;
  return hook.chain !== undefined && !notedEmpty(hook);
}

/** Whether the hook's chain exists without rules, noted on the hook (Hook.emptyAt) when it does: rules are only added by edits, which count. */
function notedEmpty(hook: Hook): boolean {
  const c = hook.chain;
  if (c === undefined || c.rules.length > 0) return false;
  hook.emptyAt = netfilterEdits.count;
  return true;
}

/** runChain's walk of the chain `c` (named `chain`) of `chains`, with the packet as the evaluator sees it. */
function walkAt(dp: Dataplane, s: DeviceState, chains: Map<string, Chain>, chain: string, c: Chain | undefined, p: Packet, state: MatchPacket['state'], inDev: string | undefined, outDev: string | undefined, hook: Hook | undefined): Verdict {
  const m = matchScratch;
  m.src = p.src; m.dst = p.dst; m.protocol = p.protocol; m.sport = p.sport; m.dport = p.dport;
  m.in = inDev; m.out = outDev; m.state = state; m.seed = dp.seed; m.mark = p.mark ?? 0; m.local = s; m.length = p.length;
  m.icmpType = p.icmp?.type; m.icmpCode = p.icmp?.code; // the icmp match (undefined for other protocols)
  const v = walkChain(chains, chain, c, m, s.ruleCache, hook);
  m.local = undefined; // the device state leads to its whole lab: a module-level scratch must not keep it alive
  return v;
}

/** The packet as the evaluator sees it, reused by every runChain (the evaluator keeps no reference to it). */
const matchScratch: { -readonly [K in Exclude<keyof MatchPacket, 'in' | 'out' | 'icmpType' | 'icmpCode' | 'local'>]: MatchPacket[K] }
  & { in: string | undefined; out: string | undefined; icmpType: number | undefined; icmpCode: number | undefined; local: MatchPacket['local'] } = {
  src: 0, dst: 0, protocol: 'udp', sport: 0, dport: 0, in: undefined, out: undefined, icmpType: undefined, icmpCode: undefined, state: 'NEW', seed: 0,
  mark: 0, local: undefined, length: 0,
};

/** A packet of a flow NATed at a device, as conntrack finds it: a reply, or an ICMP error quoting the flow. */
export interface Flow {
  readonly entry: CtEntry;
  readonly quoted: boolean;
}

/** The NAT mapping made at `device` that `p` belongs to in the reply direction, if any. */
export function findFlow(j: Journey, device: string, p: Packet): Flow | undefined {
  if (j.conntrack.length === 0) return undefined; // no NAT on the way yet (every hop asks)
  const quoted = isIcmpError(p) ? p.icmp!.inner : undefined;
  const conntrack = j.conntrack;
  for (let k = 0; k < conntrack.length; k++) {
    const e = conntrack[k]!;
    if (e.device !== device) continue;
    if (quoted && hasTuple(quoted, e.xlat)) return { entry: e, quoted: true };
    if (!quoted && hasReplyTuple(p, e.xlat)) return { entry: e, quoted: false };
  }
  return undefined;
}

/** sameTuple(tupleOf(p), t), without making the tuple (findFlow runs at every hop of a NATed flow). */
function hasTuple(p: Packet, t: Tuple): boolean {
  return p.protocol === t.protocol && p.src === t.src && p.dst === t.dst && p.sport === t.sport && p.dport === t.dport;
}

/** sameTuple(tupleOf(p), reversed(t)), without making either tuple. */
function hasReplyTuple(p: Packet, t: Tuple): boolean {
  if (p.protocol !== t.protocol || p.src !== t.dst || p.dst !== t.src) return false;
  // An ICMP echo reply carries the request's identifier and sequence unswapped (packet.ts reversed).
  return t.protocol === 'icmp' ? p.sport === t.sport && p.dport === t.dport : p.sport === t.dport && p.dport === t.sport;
}

/**
 * Reverse NAT of a reply-direction packet. Phase 'dst' (PREROUTING) undoes SNAT by restoring the destination;
 * phase 'src' (POSTROUTING, or INPUT on local delivery) undoes DNAT by restoring the source. For an ICMP error the
 * quoted packet is restored too, and its outer source becomes the original destination (the ClusterIP at every hop).
 */
export function unNat(flow: Flow, p: Packet, phase: 'dst' | 'src'): Packet {
  const e = flow.entry;
  const dnat = e.orig.dst !== e.xlat.dst || e.orig.dport !== e.xlat.dport;
  const snat = e.orig.src !== e.xlat.src || e.orig.sport !== e.xlat.sport;
  if (flow.quoted) {
    let outer = p;
    let inner = p.icmp!.inner!;
    if (phase === 'dst' && snat) {
      outer = { ...outer, dst: e.orig.src };
      inner = { ...inner, src: e.orig.src, sport: e.orig.sport };
    }
    if (phase === 'src' && dnat) {
      outer = { ...outer, src: e.orig.dst };
      inner = { ...inner, dst: e.orig.dst, dport: e.orig.dport };
    }
    return { ...outer, icmp: { ...outer.icmp!, inner } };
  }
  // ICMP echo: NAT rewrote addresses only; the identifier and sequence stay as they are.
  const icmp = p.protocol === 'icmp';
  if (phase === 'dst' && snat) return { ...p, dst: e.orig.src, dport: icmp ? p.dport : e.orig.sport };
  if (phase === 'src' && dnat) return { ...p, src: e.orig.dst, sport: icmp ? p.sport : e.orig.dport };
  return p;
}

function recordNat(j: Journey, device: string, before: Packet, after: Packet): void {
  const existing = j.conntrack.find((e) => e.device === device && hasTuple(before, e.xlat));
  if (existing) existing.xlat = tupleOf(after);
  else j.conntrack.push({ device, orig: tupleOf(before), xlat: tupleOf(after) });
}

/**
 * nat PREROUTING (arriving packets, `-i inDev`) or nat OUTPUT (the device's own packets, `-o outDev`: the device of the
 * route already chosen for the original destination, as LOCAL_OUT runs after the output route lookup) for a new flow.
 */
export function applyDnat(j: Journey, s: DeviceState, p: Packet, chain: 'PREROUTING' | 'OUTPUT', inDev?: string, outDev?: string): Packet {
  const v = runChain(j.dp, s, 'nat', chain === 'PREROUTING' ? HOOK_PREROUTING : HOOK_OUTPUT, p, 'NEW', inDev, outDev);
  // No object is made for the usual unmarked, untranslated packet (this runs at every hop).
  const mark = v.mark;
  if (mark !== undefined && j.recording) j.note(s.device.id, `packet marked 0x${mark.toString(16)} in nat ${chain} (-j MARK)`, { in: inDev });
  if (v.target !== 'DNAT' || !v.rule?.toDestination) return mark !== undefined ? { ...p, mark } : p;
  const to = v.rule.toDestination;
  const after: Packet = mark !== undefined ? { ...p, dst: to.ip, dport: to.port ?? p.dport, mark } : { ...p, dst: to.ip, dport: to.port ?? p.dport };
  recordNat(j, s.device.id, p, after);
  if (j.recording) j.note(s.device.id, `DNAT ${formatIp(p.dst)}:${p.dport} -> ${formatIp(after.dst)}:${after.dport} in nat ${chain} (${verdictText('nat', v)})`, { in: inDev });
  return after;
}

/** nat POSTROUTING (`-o outDev`) for a new flow: SNAT, or MASQUERADE to the address of the route's device. */
export function applySnat(j: Journey, s: DeviceState, p: Packet, outDev: string, route: Route): Packet {
  const v = runChain(j.dp, s, 'nat', HOOK_POSTROUTING, p, 'NEW', undefined, outDev);
  let src: number | undefined;
  if (v.target === 'MASQUERADE') src = route.src ?? addressFor(s, outDev, route.via ?? p.dst);
  else if (v.target === 'SNAT') src = v.rule?.toSource;
  // --random-fully maps the source port of a TCP/UDP flow even when the address stays (kernel-checked with tcpdump).
  if (src === undefined) return p;
  const remap = v.rule?.randomFully === true && p.protocol !== 'icmp';
  if (!remap && src === p.src) return p;
  const after: Packet = { ...p, src, ...(remap ? { sport: randomFullyPort(p) } : {}) };
  recordNat(j, s.device.id, p, after);
  const port = remap ? ` port ${p.sport} -> ${after.sport}` : '';
  if (j.recording) j.note(s.device.id, `${v.target} ${formatIp(p.src)} -> ${formatIp(src)}${port} (${verdictText('nat', v)})`, { out: outDev });
  return after;
}

/** The port --random-fully gives a flow: deterministic in the simulator, never the original one. */
function randomFullyPort(p: Packet): number {
  const port = 1024 + (((p.sport * 40503) ^ p.dport ^ p.dst) >>> 0) % 64511;
  return port === p.sport ? port + 1 : port;
}

/** inet_select_addr: an address of `dev` on the same subnet as `dst`, else its primary, else any global one. */
export function addressFor(s: DeviceState, dev: string | undefined, dst: number): number | undefined {
  const i = dev === undefined ? undefined : s.ifaces.get(dev);
  if (i) {
    for (const a of i.addrs) if (a.len > 0 && ((a.ip ^ dst) >>> (32 - a.len)) === 0) return a.ip;
  }
  return s.primaryAddress(dev);
}
