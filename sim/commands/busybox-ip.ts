// busybox's `ip` applet (the busybox image's pods): the same kernel operations as iproute2's, with busybox 1.35's
// option set, line formats and messages (`ip: ` prefix, errno texts where the kernel's extended ack is not shown).
import type { CommandResult } from '../../topology/trace.js';
import type { CommandContext } from './index.js';
import { ipAddr } from './ip-addr.js';
import { matches } from './ip-common.js';
import { ipLink, type IpOptions } from './ip-link.js';
import { ipRoute } from './ip-route.js';
import { fail, NOT_MODELLED_EXIT, unsupported } from './output.js';

const USAGE = `BusyBox v1.35.0 (Debian 1:1.35.0-4+deb12u1+b1) multi-call binary.

Usage: ip [OPTIONS] address|route|link|tunnel|neigh|rule [ARGS]

OPTIONS := -f[amily] inet|inet6|link | -o[neline]

ip addr add|del IFADDR dev IFACE | show|flush [dev IFACE] [to PREFIX]
ip route list|flush|add|del|change|append|replace|test ROUTE
ip link set IFACE [up|down] [arp on|off] [multicast on|off]
\t[promisc on|off] [mtu NUM] [name NAME] [qlen NUM] [address MAC]
\t[master IFACE | nomaster] [netns PID]
ip tunnel add|change|del|show [NAME]
\t[mode ipip|gre|sit] [remote ADDR] [local ADDR] [ttl TTL]
ip neigh show|flush [to PREFIX] [dev DEV] [nud STATE]
ip rule [list] | add|del SELECTOR ACTION
`;

/** Kernel extended-ack messages iproute2 prints, and the errno busybox prints instead. */
const EXTACK_ERRNO: Readonly<Record<string, string>> = {
  'Nexthop has invalid gateway.': 'Network is unreachable',
  'Invalid prefix for given prefix length.': 'Invalid argument',
  'Gateway, device and multipath can not be specified for this route type.': 'Invalid argument',
  'Invalid prefsrc address.': 'Invalid argument',
  'Nexthop device required for onlink.': 'No such device',
  'Nexthop device is not up.': 'Network is down',
  'ipv4: Address already assigned.': 'File exists',
  'ipv4: Address not found.': 'Cannot assign requested address',
};

/** Rewrites an iproute2 error as busybox prints it (route and addr speak netlink, link set uses ioctls). */
function translate(r: CommandResult, object: 'route' | 'address' | 'link'): CommandResult {
  if (r.exitCode === 0 || r.exitCode === NOT_MODELLED_EXIT) return r;
  const msg = r.stderr.replace(/\n+$/, '');
  const link = object === 'link';
  let m: RegExpExecArray | null;
  if ((m = /^RTNETLINK answers: (.*)$/.exec(msg))) return fail(`ip: RTNETLINK answers: ${m[1]}`, 2);
  if ((m = /^Error: mtu (less|greater) than device (minimum|maximum)\.$/.exec(msg))) return fail('ip: SIOCSIFMTU: Invalid argument', 2);
  if ((m = /^Error: (.*)$/.exec(msg)) && EXTACK_ERRNO[m[1]!]) return fail(`ip: RTNETLINK answers: ${EXTACK_ERRNO[m[1]!]}`, 2);
  if ((m = /^Cannot find device "(.*)"$/.exec(msg))) return link ? fail('ip: SIOCGIFFLAGS: No such device', 2) : fail(`ip: can't find device '${m[1]}'`, 1);
  if ((m = /^Error: either "(.*)" is duplicate, or "(.*)" is a garbage\.$/.exec(msg))) return fail(`ip: either "${m[1]}" is duplicate, or "${m[2]}" is garbage`, link ? 2 : 1);
  if (msg.startsWith('Command line is not complete')) return fail('ip: command line is not complete, try "help"', link ? 2 : 1);
  if ((m = /^Error: inet address is expected rather than "(.*)"\.$/.exec(msg))) return fail(`ip: an inet address is expected rather than "${m[1]}"`, 1);
  if ((m = /^Error: (?:any valid|inet) prefix is expected rather than "(.*)"\.$/.exec(msg))) return fail(`ip: an inet prefix is expected rather than "${m[1]}"`, 1);
  if ((m = /^Error: argument "(.*)" is wrong: "?(\w+)"? value is invalid$|^Error: argument "(.*)" is wrong: Invalid "(\w+)" value$/.exec(msg))) {
    return fail(`ip: invalid argument '${m[1] ?? m[3]}' to '${m[2] ?? m[4]}'`, link ? 2 : 1);
  }
  if (msg === 'need at least a destination address') return fail('ip: need at least destination address', 1);
  if (msg.startsWith('Not enough information: "dev"')) return fail('ip: "dev" requires an argument', 2);
  if ((m = /^Command "(.*)" is unknown/.exec(msg))) return fail(`ip: invalid argument '${m[1]}' to 'ip'`, 1);
  return r;
}

export function busyboxIp(args: readonly string[], ctx: CommandContext): CommandResult {
  let inet4 = false;
  let i = 0;
  for (; i < args.length && args[i]!.startsWith('-'); i++) {
    if (args[i] === '-4') inet4 = true;
    else if (args[i] === '-6' || args[i] === '-o' || args[i] === '-oneline' || args[i] === '-f' || args[i] === '-family') return unsupported(`busybox ip ${args[i]}`);
    else return fail(USAGE, 1);
  }
  const [word, ...rest] = args.slice(i);
  const opts: IpOptions = { inet4, inet6: false, brief: false, busybox: true };
  if (word === undefined) return fail(USAGE, 1);
  if (matches(word, 'address')) return translate(ipAddr(rest, ctx, opts), 'address');
  if (matches(word, 'route')) return translate(ipRoute(rest, ctx, true), 'route');
  if (matches(word, 'link')) return translate(ipLink(rest, ctx, opts), 'link');
  if (matches(word, 'tunnel') || matches(word, 'neigh') || matches(word, 'rule')) return unsupported(`busybox ip ${word}`);
  return fail(USAGE, 1);
}
