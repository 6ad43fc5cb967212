// `bridge [-d] link [show [dev DEV]]` and `bridge link set dev PORT hairpin on|off`: a node's cni0 ports as iproute2
// 6.1's bridge tool prints and changes them (bridge/link.c; outputs captured from the real tool, docs/cni.md).
import type { IfaceState } from '../dataplane.js';
import type { CommandResult } from '../../topology/trace.js';
import type { CommandContext } from './index.js';
import { incomplete, matches } from './ip-common.js';
import { linkFlags } from './ip-link.js';
import { hasCarrier, ifindex, vethPeer } from './links.js';
import { fail, lines, ok, unsupported } from './output.js';

const SET_USAGE = `Usage: bridge link set dev DEV [ cost COST ] [ priority PRIO ] [ state STATE ]
                               [ guard {on | off} ]
                               [ hairpin {on | off} ]
                               [ fastleave {on | off} ]
                               [ root_block {on | off} ]
                               [ learning {on | off} ]
                               [ learning_sync {on | off} ]
                               [ flood {on | off} ]
                               [ mcast_router MULTICAST_ROUTER ]
                               [ mcast_flood {on | off} ]
                               [ bcast_flood {on | off} ]
                               [ mcast_to_unicast {on | off} ]
                               [ neigh_suppress {on | off} ]
                               [ vlan_tunnel {on | off} ]
                               [ isolated {on | off} ]
                               [ locked {on | off} ]
                               [ hwmode {vepa | veb} ]
                               [ backup_port DEVICE ] [ nobackup_port ]
                               [ self ] [ master ]
       bridge link show [dev DEV]
`;

/** iproute2's exit status for a failed `bridge` command (its handlers return -1). */
const BRIDGE_FAIL = 255;

/** Port options the bridge plugin leaves at the kernel's defaults, as `bridge -d link` prints them after `hairpin`. */
const PORT_DEFAULTS = 'guard off root_block off fastleave off learning on flood on mcast_flood on bcast_flood on mcast_router 1 mcast_to_unicast off neigh_suppress off vlan_tunnel off isolated off locked off ';

export function bridge(args: readonly string[], ctx: CommandContext): CommandResult {
  let details = false;
  let k = 0;
  for (; k < args.length && args[k]!.startsWith('-'); k++) {
    if (matches(args[k]!.replace(/^--?/, ''), 'details')) details = true;
    else return unsupported(`bridge ${args[k]}`);
  }
  const object = args[k];
  if (object === undefined || !matches(object, 'link')) return unsupported(`bridge ${args.slice(k).join(' ')}`.trimEnd());
  const sub = args[k + 1];
  const rest = args.slice(k + 2);
  if (sub === undefined) return show([], ctx, details);
  if (matches(sub, 'set') || matches(sub, 'change')) return set(rest, ctx);
  if (matches(sub, 'show') || matches(sub, 'lst') || matches(sub, 'list')) return show(rest, ctx, details);
  return fail(`Command "${sub}" is unknown, try "bridge link help".`, BRIDGE_FAIL);
}

/** brlink_show(): `dev DEV` and `master BR` filter (exact keywords); any other word is skipped. */
function show(args: readonly string[], ctx: CommandContext, details: boolean): CommandResult {
  let dev: string | undefined;
  let master: string | undefined;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === 'dev' || args[i] === 'master') {
      const value = args[++i];
      if (value === undefined) return incomplete();
      if (args[i - 1] === 'dev') dev = value;
      else master = value;
    }
  }
  for (const name of [dev, master]) if (name !== undefined && !ctx.state.ifaces.has(name)) return fail(`Cannot find device "${name}"`, BRIDGE_FAIL);
  const out: string[] = [];
  for (const port of ctx.state.ifaces.values()) {
    if (port.master === undefined || (dev !== undefined && port.name !== dev) || (master !== undefined && port.master !== master)) continue;
    out.push(portLine(ctx, port));
    if (details) out.push(`    hairpin ${port.hairpin ? 'on' : 'off'} ${PORT_DEFAULTS}`);
  }
  return ok(lines(out));
}

/**
 * One port: the veth's IFLA_LINK (the peer's ifindex in the pod) is named in the node's own namespace, so a pod's port
 * reads `vethXXXX@cni0` when the peer's index is cni0's here (iproute2 quirk, seen on the real tool).
 */
function portLine(ctx: CommandContext, port: IfaceState): string {
  const peer = vethPeer(ctx, port);
  const local = peer ? [...ctx.state.ifaces.keys()][peer.index - 1] : undefined;
  const at = peer ? `@${local ?? `if${peer.index}`}` : '';
  const bridgeUp = ctx.state.ifaces.get(port.master!)?.up === true;
  const state = port.up && bridgeUp && hasCarrier(ctx, port.name) ? 'forwarding' : 'disabled';
  return `${ifindex(ctx, port.name)}: ${port.name}${at}: ${linkFlags(ctx, port)} mtu ${port.mtu} master ${port.master} state ${state} priority 32 cost 2 `;
}

/** brlink_modify() for `hairpin`; the port's other options are not modelled. */
function set(args: readonly string[], ctx: CommandContext): CommandResult {
  let dev: string | undefined;
  let hairpin: boolean | undefined;
  for (let i = 0; i < args.length; i++) {
    const word = args[i]!;
    if (word !== 'dev' && word !== 'hairpin') {
      if (/^(cost|priority|state|guard|fastleave|root_block|learning|learning_sync|flood|mcast_router|mcast_flood|bcast_flood|mcast_to_unicast|neigh_suppress|vlan_tunnel|isolated|locked|hwmode|backup_port|nobackup_port|self|master)$/.test(word)) {
        return unsupported(`bridge link set ${word}`);
      }
      return fail(SET_USAGE, BRIDGE_FAIL);
    }
    const value = args[++i];
    if (value === undefined) return incomplete();
    if (word === 'dev') dev = value;
    else if (value === 'on' || value === 'off') hairpin = value === 'on';
    else return fail(`Error: argument of "hairpin" must be one of "off", "on", not "${value}"`, 234);
  }
  if (dev === undefined) return fail('Device is a required argument.', BRIDGE_FAIL);
  const port = ctx.state.ifaces.get(dev);
  if (!port) return fail(`Cannot find bridge device "${dev}"`, BRIDGE_FAIL);
  if (hairpin === undefined) return ok();
  if (port.master === undefined) return fail('RTNETLINK answers: Operation not supported', BRIDGE_FAIL);
  port.hairpin = hairpin;
  return ok();
}
