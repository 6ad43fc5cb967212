// The `ip` program: global options (-4, -6, -br, -V), iproute2's object abbreviations, and dispatch to
// `ip addr`, `ip link` and `ip route`.
import type { CommandResult } from '../../topology/trace.js';
import type { CommandContext } from './index.js';
import { busyboxIp } from './busybox-ip.js';
import { ipAddr } from './ip-addr.js';
import { matches } from './ip-common.js';
import { ipLink, type IpOptions } from './ip-link.js';
import { ipNeigh } from './ip-neigh.js';
import { ipRoute } from './ip-route.js';
import { IP_USAGE } from './ip-usage.js';
import { fail, ok, unsupported } from './output.js';

/** ip.c's object table in its order: the first object a word abbreviates wins (`ip a` is address, `ip r` route). */
const OBJECTS = [
  'address', 'addrlabel', 'maddress', 'route', 'rule', 'neighbor', 'neighbour', 'ntable', 'ntbl', 'link', 'l2tp',
  'fou', 'ila', 'macsec', 'tunnel', 'tuntap', 'tap', 'token', 'tcpmetrics', 'monitor', 'xfrm', 'mroute', 'mrule',
  'netns', 'netconf', 'vrf', 'sr', 'nexthop', 'mptcp', 'ioam', 'stats', 'help',
];

export function ip(args: readonly string[], ctx: CommandContext): CommandResult {
  if (ctx.state.device.toolset === 'busybox') return busyboxIp(args, ctx);
  let inet4 = false;
  let inet6 = false;
  let brief = false;
  let stats = 0;
  let i = 0;
  for (; i < args.length && args[i]!.startsWith('-') && args[i]!.length > 1; i++) {
    const opt = args[i]!.replace(/^--?/, '-');
    if (opt === '-4') inet4 = true;
    else if (opt === '-6') inet6 = true;
    else if (opt === '-br' || opt === '-brief') brief = true;
    else if ('-statistics'.startsWith(opt)) stats++; // iproute2: matches(opt, "-stats") || matches(opt, "-statistics")
    else if (opt === '-V' || opt === '-Version') return ok('ip utility, iproute2-6.1.0, libbpf 1.1.2\n');
    else if (['-d', '-details', '-o', '-oneline', '-j', '-json', '-p', '-pretty', '-c', '-color', '-n', '-netns', '-r', '-resolve', '-f', '-family', '-t', '-timestamp', '-a', '-all', '-N', '-Numeric', '-h', '-human'].includes(opt)) {
      return unsupported(`ip ${args[i]}`);
    } else return fail(`Option "${args[i]}" is unknown, try "ip -help".`, 255);
  }
  if (inet6) return unsupported('ip -6 (IPv6)');
  const [word, ...rest] = args.slice(i);
  if (word === undefined) return fail(IP_USAGE, 255);
  const object = OBJECTS.find((o) => matches(word, o));
  const opts: IpOptions = { inet4, inet6, brief, busybox: false, stats };
  if (stats > 0 && object !== 'address' && object !== 'link') return unsupported(`ip -s ${object ?? word}`);
  if (object === 'address') return ipAddr(rest, ctx, opts);
  if (object === 'link') return ipLink(rest, ctx, opts);
  if (object === 'route') return ipRoute(rest, ctx);
  if (object === 'neighbor' || object === 'neighbour') return ipNeigh(rest, ctx);
  if (object === 'help') return fail(IP_USAGE, 255);
  if (object !== undefined) return unsupported(`ip ${object}`);
  return fail(`Object "${word}" is unknown, try "ip help".`, 1);
}
