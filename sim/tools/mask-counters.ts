// Masks the counters of `netstat -s` on a node that the namespace lab's kernel moves without any probe: a node's
// bridge (cni0) sends two IGMP reports when it comes up (the simulator counts them as sent: sim/ip-mib.ts), and a
// run-dependent 0 to 2 of them come back in through the node's own stack, so "total packets received", IpExt's
// InOctets and InNoECTPkts differ by that much from run to run. The number of the first is masked, the other two
// lines (netstat prints them only when not 0) are left out. Listed in docs/comparison.md.
import { MASK } from './mask.js';

const RECEIVED = /^( {4})\d+( total packets received)$/;
const IPEXT_IN = /^ {4}(?:InOctets|InNoECTPkts): \d+$/;

/** TEXT with netstat -s's background-dependent receive counters masked; other text as it is. */
export function maskCounters(text: string): string {
  if (!text.startsWith('Ip:\n')) return text;
  return text.split('\n').filter((l) => !IPEXT_IN.test(l)).map((l) => l.replace(RECEIVED, `$1${MASK}$2`)).join('\n');
}
