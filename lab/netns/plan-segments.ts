// Wires the lab's L2 segments in a namespace-lab plan: helper veths into a segment's bridge, a veth pair for two
// members, a switch namespace with a bridge for more, a carrier-less veth for a lone interface. Pure, like plan.ts.
import type { Interface, LabModel } from '../../topology/model.js';
import { MAX_IFNAME, NameAllocator, switchNamespaceCandidate } from './names.js';
import type { AddStep, PlannedNamespace } from './plan.js';

export const BRIDGE_NF = 'net.bridge.bridge-nf-call-iptables';
/**
 * A bridge's multicast snooping joins 224.0.0.106 when it comes up, and IGMPv3 sends that report twice, the second up
 * to this interval (1 s) later. A real node or switch sent both long before anyone looks; the lab is probed sooner, so
 * namespaces with a bridge set it to 1 (their bridges, made later, take it from conf.default) and both reports are out
 * by the first probe: a late one was counted by nodes' and NAT engines' iptables counters on some builds.
 */
export const IGMP_REPORT_INTERVAL = 'net.ipv4.conf.default.igmpv3_unsolicited_report_interval';

interface Member {
  readonly device: string;
  readonly ns: string;
  readonly iface: Interface;
}

/**
 * Wires each L2 segment from its interfaces that are not model veths: a segment with a bridge (cni0, vboxnet0)
 * gets a helper veth per other member, enslaved to that bridge; two members are one veth pair; three or more
 * meet on a bridge `br0` in a `<prefix>-sw-<segment>` namespace; a lone ether interface gets a peer that stays down.
 */
export function planSegments(
  lab: LabModel,
  prefix: string,
  nsOf: ReadonlyMap<string, string>,
  nsNames: NameAllocator,
  namespaces: PlannedNamespace[],
  ifAllocator: (ns: string) => NameAllocator,
  add: AddStep,
): void {
  const bySegment = new Map<string, Member[]>();
  for (const s of lab.segments) bySegment.set(s.id, []);
  for (const device of lab.devices) {
    for (const iface of device.interfaces) {
      if (!iface.segment || iface.peer || iface.kind === 'loopback' || iface.kind === 'veth') continue;
      let list = bySegment.get(iface.segment);
      if (!list) bySegment.set(iface.segment, (list = []));
      list.push({ device: device.id, ns: nsOf.get(device.id)!, iface });
    }
  }
  for (const [segment, members] of bySegment) {
    if (members.length === 0) continue;
    const hub = members.find((m) => m.iface.kind === 'bridge');
    if (hub) {
      for (const m of members) {
        if (m === hub) continue;
        const port = ifAllocator(hub.ns).take(portName(`tl-${m.device}`));
        add('link', ['ip', '-n', m.ns, 'link', 'add', 'name', m.iface.name, 'type', 'veth', 'peer', 'name', port, 'netns', hub.ns]);
        add('port', ['ip', '-n', hub.ns, 'link', 'set', 'dev', port, 'master', hub.iface.name]);
        if (m.iface.mtu) add('attr', ['ip', '-n', hub.ns, 'link', 'set', 'dev', port, 'mtu', String(m.iface.mtu)]);
        add('up', ['ip', '-n', hub.ns, 'link', 'set', 'dev', port, 'up']);
      }
    } else if (members.length === 1) {
      // Nobody else on the segment: a veth whose other end stays down in the same namespace (no carrier), so
      // neighbours never resolve (!H, as the simulator says). Not a dummy: dummy is NOARP, and some kernels lack it.
      const m = members[0]!;
      const peer = ifAllocator(m.ns).take(portName(`tl-${m.iface.name}-x`));
      add('link', ['ip', '-n', m.ns, 'link', 'add', 'name', m.iface.name, 'type', 'veth', 'peer', 'name', peer]);
    } else if (members.length === 2) {
      const [a, b] = members as [Member, Member];
      add('link', ['ip', '-n', a.ns, 'link', 'add', 'name', a.iface.name, 'type', 'veth', 'peer', 'name', b.iface.name, 'netns', b.ns]);
    } else {
      const sw = nsNames.take(switchNamespaceCandidate(prefix, segment));
      namespaces.push({ name: sw, role: 'switch', segment });
      add('setup', ['ip', '-n', sw, 'link', 'set', 'dev', 'lo', 'up']);
      add('link', ['ip', '-n', sw, 'link', 'add', 'name', 'br0', 'type', 'bridge']);
      // br0's second IGMP report at once (IGMP_REPORT_INTERVAL): else the NAT engines' nat PREROUTING may count it.
      add('sysctl', ['ip', 'netns', 'exec', sw, 'sysctl', '-q', '-w', `net.ipv4.icmp_ratelimit=${lab.cluster.icmpRatelimit}`, `${IGMP_REPORT_INTERVAL}=1`]);
      add('sysctl', ['ip', 'netns', 'exec', sw, 'sysctl', '-q', '-w', `${BRIDGE_NF}=0`], { optional: true });
      add('up', ['ip', '-n', sw, 'link', 'set', 'dev', 'br0', 'up']);
      const names = ifAllocator(sw);
      names.reserve('br0');
      members.forEach((m, i) => {
        const port = names.take(portName(`p${i}-${m.device}`));
        add('link', ['ip', '-n', m.ns, 'link', 'add', 'name', m.iface.name, 'type', 'veth', 'peer', 'name', port, 'netns', sw]);
        add('port', ['ip', '-n', sw, 'link', 'set', 'dev', port, 'master', 'br0']);
        if (m.iface.mtu) add('attr', ['ip', '-n', sw, 'link', 'set', 'dev', port, 'mtu', String(m.iface.mtu)]);
        add('up', ['ip', '-n', sw, 'link', 'set', 'dev', port, 'up']);
      });
    }
  }
}

/** A helper port's name: the candidate cut to the interface-name limit, without trailing dots or dashes. */
function portName(candidate: string): string {
  return candidate.replace(/[^A-Za-z0-9_.-]/g, '-').slice(0, MAX_IFNAME).replace(/[.-]+$/, '');
}
