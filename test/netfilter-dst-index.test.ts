// The evaluator's destination index of long chains (KUBE-SERVICES with many Services): verdicts, rule order and
// counters as iptables defines them (first matching rule decides; only visited, matching rules count).
import { describe, expect, it } from 'vitest';
import { parseIp } from '../topology/address.js';
import { evaluate, ruleCounters, type MatchPacket, type RuleCache } from '../sim/netfilter-eval.js';
import { parseSave, spliceRules } from '../sim/netfilter.js';

const SERVICES = 40;

/** nat KUBE-SERVICES with one `-d 10.96.0.K/32` rule per Service, a source rule in the middle and a statistic rule. */
function tables() {
  const lines = ['*nat', ':PREROUTING ACCEPT [0:0]', ':KUBE-SERVICES - [0:0]', '-A PREROUTING -j KUBE-SERVICES'];
  for (let k = 1; k <= SERVICES; k++) {
    lines.push(`-A KUBE-SERVICES -d 10.96.0.${k}/32 -p tcp -m tcp --dport 80 -j DNAT --to-destination 10.244.1.${k}:8080`);
    if (k === 20) lines.push('-A KUBE-SERVICES -s 192.0.2.7/32 -j ACCEPT');
  }
  // A second rule for an indexed address, and rules the index must leave in place: a negated -d, a /24, a statistic.
  lines.push('-A KUBE-SERVICES -d 10.96.0.30/32 -p udp -j DNAT --to-destination 10.244.2.30:53');
  lines.push('-A KUBE-SERVICES ! -d 10.96.0.0/16 -j RETURN');
  lines.push('-A KUBE-SERVICES -d 10.96.1.0/24 -j DNAT --to-destination 10.244.3.1:80');
  lines.push('-A KUBE-SERVICES -d 10.96.2.1/32 -m statistic --mode random --probability 1.0 -j DNAT --to-destination 10.244.4.1:80');
  lines.push('COMMIT');
  const parsed = parseSave(lines);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.value;
}

function packet(src: string, dst: string, protocol: 'tcp' | 'udp', dport: number): MatchPacket {
  return { src: parseIp(src)!, dst: parseIp(dst)!, protocol, sport: 40000, dport, state: 'NEW', seed: 1, mark: 0, length: 60 };
}

describe('destination index of long chains', () => {
  it('picks the first matching rule in rule order, whether indexed or not', () => {
    const t = tables();
    const cache: RuleCache = new WeakMap();
    const run = (p: MatchPacket) => evaluate(t, 'nat', 'PREROUTING', p, cache);
    expect(run(packet('10.244.1.5', '10.96.0.7', 'tcp', 80)).rule?.toDestination?.ip).toBe(parseIp('10.244.1.7'));
    expect(run(packet('10.244.1.5', '10.96.0.40', 'tcp', 80)).rule?.toDestination?.ip).toBe(parseIp('10.244.1.40'));
    // The unindexed source rule sits after Service 20: it decides for Services after it, not before it.
    expect(run(packet('192.0.2.7', '10.96.0.3', 'tcp', 80)).target).toBe('DNAT');
    expect(run(packet('192.0.2.7', '10.96.0.33', 'tcp', 80)).target).toBe('ACCEPT');
    // Two rules for one address: the UDP one after the TCP one.
    expect(run(packet('10.244.1.5', '10.96.0.30', 'udp', 53)).rule?.toDestination?.ip).toBe(parseIp('10.244.2.30'));
    // Unindexed rules still match: the negated -d, the /24, the statistic rule.
    expect(run(packet('10.244.1.5', '192.0.2.1', 'tcp', 80))).toEqual({ target: 'ACCEPT', chain: 'PREROUTING' });
    expect(run(packet('10.244.1.5', '10.96.1.9', 'tcp', 80)).rule?.toDestination?.ip).toBe(parseIp('10.244.3.1'));
    expect(run(packet('10.244.1.5', '10.96.2.1', 'tcp', 80)).rule?.toDestination?.ip).toBe(parseIp('10.244.4.1'));
    expect(run(packet('10.244.1.5', '10.96.0.99', 'tcp', 80))).toEqual({ target: 'ACCEPT', chain: 'PREROUTING' });
  });

  it('counts only the rules that matched, and follows rules inserted later', () => {
    const t = tables();
    const cache: RuleCache = new WeakMap();
    const chain = t.nat.get('KUBE-SERVICES')!;
    evaluate(t, 'nat', 'PREROUTING', packet('10.244.1.5', '10.96.0.7', 'tcp', 80), cache);
    evaluate(t, 'nat', 'PREROUTING', packet('192.0.2.7', '10.96.0.33', 'tcp', 80), cache);
    const counted = ruleCounters(cache, chain).map((c, k) => [k, c.packets] as const).filter(([, n]) => n > 0);
    // Rule 6 is Service 7's; rule 20 the source rule (after Service 20, position 19).
    expect(counted).toEqual([[6, 1], [20, 1]]);
    // A rule inserted at the top (iptables -I) decides from then on.
    const first = t.nat.get('KUBE-SERVICES')!.rules[0]!;
    spliceRules(chain, 0, 0, { ...first, target: 'RETURN', toDestination: undefined });
    expect(evaluate(t, 'nat', 'PREROUTING', packet('10.244.1.5', '10.96.0.1', 'tcp', 80), cache)).toEqual({ target: 'ACCEPT', chain: 'PREROUTING' });
    expect(evaluate(t, 'nat', 'PREROUTING', packet('10.244.1.5', '10.96.0.2', 'tcp', 80), cache).rule?.toDestination?.ip).toBe(parseIp('10.244.1.2'));
  });
});
