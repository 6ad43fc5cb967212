// What a user other than root may not do on a Linux node: the refusal each tool prints, with its exit status, as
// procps-ng 4.0.2, iptables 1.8.9 (nf_tables), iproute2 6.1, traceroute 2.1.2, tcpdump and conntrack-tools 1.4.7
// print them for an unprivileged user (captured with setpriv --reuid=65534; test/privilege-netns.test.ts checks them).
// Reading is allowed where Linux allows it: ip show/list, sysctl reads, ss, ping, mtr, tracepath, tcptraceroute (setuid).
import type { CommandResult } from '../../topology/trace.js';
import { parseTcpdump } from '../capture/tcpdump.js';
import { matches } from './ip-common.js';
import { fail } from './output.js';

const EPERM = 'RTNETLINK answers: Operation not permitted';

/** The refusal `words` (program and arguments, sudo already handled) meet when run by a user without root. */
export function rootRefusal(words: readonly string[]): CommandResult | undefined {
  const [program, ...args] = words;
  switch (program) {
    case 'sysctl':
      return sysctlRefusal(args);
    case 'iptables':
    case 'iptables-nft':
    case 'iptables-save':
    case 'iptables-restore':
      return iptablesRefusal(program, args);
    case 'ip':
      return ipRefusal(args);
    case 'bridge':
      return ['add', 'del', 'delete', 'set', 'replace', 'change', 'flush'].some((v) => args.includes(v)) ? fail(EPERM, 255) : undefined;
    case 'traceroute':
      return args.some((a) => /^-[^-]*[TI]/.test(a) || a === '--tcp' || a === '--icmp' || a === '-M' || a.startsWith('--module'))
        ? fail('You do not have enough privileges to use this traceroute method.\nsocket: Operation not permitted', 1) : undefined;
    case 'tcpdump': {
      // tcpdump's own option parsing (grouped flags such as -ni eth1); a usage error comes before the capture, and
      // reading a file (-r) needs no capture at all.
      const parsed = parseTcpdump(args);
      if (!parsed.ok || parsed.opts.readFile !== undefined) return undefined;
      return fail(`tcpdump: ${parsed.opts.iface ?? 'eth0'}: You don't have permission to perform this capture on that device\n(socket: Operation not permitted)`, 1);
    }
    case 'conntrack':
      return args.some((a) => a === '-V' || a === '--version' || a === '-h' || a === '--help')
        ? undefined : fail('conntrack v1.4.7 (conntrack-tools): Operation failed: sorry, you must be root or get CAP_NET_ADMIN capability to do this', 1);
    default:
      return undefined;
  }
}

/** procps writes each `KEY=VALUE` (with or without -w) and is refused per key; reads are allowed. */
function sysctlRefusal(args: readonly string[]): CommandResult | undefined {
  const keys = args.filter((a) => !a.startsWith('-') && a.includes('=')).map((a) => a.slice(0, a.indexOf('=')).replace(/\//g, '.'));
  if (keys.length === 0) return undefined;
  return fail(keys.map((k) => `sysctl: permission denied on key "${k}"`).join('\n'), 1);
}

/** iptables asks nf_tables for the rule set's generation before anything, listing included; -V/-h need nothing. */
function iptablesRefusal(program: string, args: readonly string[]): CommandResult | undefined {
  if (program !== 'iptables-save' && args.some((a) => a === '-V' || a === '--version' || a === '-h' || a === '--help')) return undefined;
  const name = program === 'iptables-nft' ? 'iptables' : program;
  return fail(`${name} v1.8.9 (nf_tables): Could not fetch rule set generation id: Permission denied (you must be root)`, 4);
}

/** Verbs of `ip OBJECT VERB` that change the kernel's state (netlink requests that need CAP_NET_ADMIN). */
const IP_WRITES = ['add', 'delete', 'change', 'replace', 'append', 'prepend', 'set', 'flush', 'test'];

function ipRefusal(args: readonly string[]): CommandResult | undefined {
  const rest = args.filter((a) => !a.startsWith('-'));
  const [object, verb] = rest;
  if (object === undefined || verb === undefined) return undefined;
  // `s` is show for every object (iproute2 tests show/list before set).
  const write = verb === 's' ? undefined : IP_WRITES.find((w) => matches(verb, w));
  if (write === undefined) return undefined;
  if (write === 'flush') {
    // Flushing neighbours as a user sends nothing the kernel refuses for entries it may not touch (kernel-checked: exit 0).
    if (matches(object, 'neighbour') || matches(object, 'neighbor')) return undefined;
    return fail('Failed to send flush request: Operation not permitted', matches(object, 'address') ? 255 : 2);
  }
  return fail(EPERM, 2);
}
