// The netstat -s mask (sim/tools/mask-counters.ts): only the receive counters that a node's looped-back IGMP reports
// move on the kernel are masked; a difference anywhere else still shows.
import { describe, expect, it } from 'vitest';
import { maskForComparison } from '../sim/tools/mask.js';

/** netstat -s's head on a node as the namespace lab printed it (scenarios/counters-forwarding-off.yaml), RECEIVED packets in. */
const netstat = (received: number, ipExt: string, forwarded = 0): string =>
  `Ip:\n    Forwarding: 2\n    ${received} total packets received\n    2 with invalid addresses\n    ${forwarded} forwarded\n` +
  `    2 requests sent out\n    OutTransmits: 2\nIpExt:\n${ipExt}    OutMcastPkts: 2\n    OutOctets: 80\nMPTcpExt:\n`;

describe('netstat -s comparison mask', () => {
  it('masks the looped-back IGMP reports in total packets received, InOctets and InNoECTPkts, nothing else', () => {
    const kernel = netstat(4, '    InOctets: 248\n    InNoECTPkts: 4\n');
    const sim = netstat(2, '    InOctets: 168\n    InNoECTPkts: 2\n');
    expect(maskForComparison(sim)).toBe(maskForComparison(kernel));
    expect(maskForComparison(netstat(2, ''))).toBe(maskForComparison(kernel));
    expect(maskForComparison(netstat(2, '', 1))).not.toBe(maskForComparison(kernel));
    expect(maskForComparison('    4 total packets received\n')).toBe('    4 total packets received\n');
  });
});
