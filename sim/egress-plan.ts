// What a packet sent by a route needs at its device, kept per device for its last few routes (EgressPlan): the out
// interface, the next hop's gateway, the link behind the interface and its carrier. Route objects are never edited in
// place (commands replace them) and interfaces are never added or removed, so the interface and link follow from the
// route; the gateway is kept while no address changes (addressingEpoch), the carrier while no interface goes up or
// down (linkStateEpoch), the gateway's holder on the link while neither moves (a device is readdressed only by an
// address change, which moves the addressing epoch). test/egress-plan.test.ts compares each with the uncached computation.
import type { Route } from '../topology/model.js';
import type { Dataplane, LinkInfo, Neighbour } from './dataplane.js';
import { addressingEpoch, linkStateEpoch, type DeviceState, type IfaceState } from './device-state.js';

export class EgressPlan {
  route: Route | undefined = undefined;
  /** The route's out interface (`s.ifaces.get(route.dev)`). */
  iface: IfaceState | undefined = undefined;
  /** The route's gateway when it is not one of the device's own addresses, else -1 (the destination is the next hop). */
  gateway = -1;
  /** The addressing epoch `gateway` was found in. */
  addressing = -1;
  /** The link behind `iface` (undefined: it has no segment), found on the first frame sent. */
  link: LinkInfo | undefined = undefined;
  linkFound = false;
  /** Whether `iface` has carrier, as found in link state epoch `linkState` (-1: not yet). */
  carrier = false;
  linkState = -1;
  /** Who holds the gateway on the link (Dataplane.neighbourOn), as found in the epochs below (-1: not yet). */
  holder: Neighbour | undefined = undefined;
  holderAddressing = -1;
  holderLinkState = -1;
}

/** Routes a device keeps plans for (a node sends by its pod subnet route, its default route and a few Flannel routes). */
const PLAN_SLOTS = 4;

/** A device's plans: up to PLAN_SLOTS routes, the oldest replaced first. */
export class EgressPlans {
  /** Made at its full size, filled up to `count` (an empty array's first push would reserve 17 slots). */
  readonly slots: EgressPlan[] = new Array<EgressPlan>(PLAN_SLOTS);
  count = 0;
  next = 0;
}

/** ROUTE's plan at S, with its interface and gateway current (its link and carrier: planCarrier). */
export function egressPlan(s: DeviceState, route: Route): EgressPlan {
  const plans = (s.egressPlans ??= new EgressPlans());
  const slots = plans.slots;
  const addressing = addressingEpoch();
  for (let k = 0; k < plans.count; k++) {
    const plan = slots[k]!;
    if (plan.route !== route) continue;
    if (plan.addressing !== addressing) setGateway(s, plan, route, addressing);
    return plan;
  }
  let plan: EgressPlan;
  if (plans.count < PLAN_SLOTS) slots[plans.count++] = plan = new EgressPlan();
  else {
    plan = slots[plans.next]!;
    plans.next = (plans.next + 1) % PLAN_SLOTS;
  }
  plan.route = route;
  plan.iface = route.dev === undefined ? undefined : s.ifaces.get(route.dev);
  plan.linkFound = false;
  plan.link = undefined;
  plan.linkState = -1;
  plan.holderAddressing = -1;
  setGateway(s, plan, route, addressing);
  return plan;
}

/** A gateway that is one of the device's own addresses (Flannel without --iface: via 10.0.2.15) resolves the target itself. */
function setGateway(s: DeviceState, plan: EgressPlan, route: Route, addressing: number): void {
  const via = route.via;
  plan.gateway = via !== undefined && !s.isLocal(via) ? via : -1;
  plan.addressing = addressing;
}

/** The next hop of a packet to DST by PLAN's route. */
export function nextHopOf(plan: EgressPlan, dst: number): number {
  return plan.gateway === -1 ? dst : plan.gateway;
}

/** PLAN's link (undefined when its interface has no segment), resolved on first use. */
export function planLink(dp: Dataplane, plan: EgressPlan): LinkInfo | undefined {
  if (!plan.linkFound) {
    plan.link = plan.iface?.segment ? dp.linkOf(plan.iface) : undefined;
    plan.linkFound = true;
  }
  return plan.link;
}

/** Whether PLAN's interface (of S, with a link) has carrier now (Dataplane.carrierOf). */
export function planCarrier(dp: Dataplane, s: DeviceState, plan: EgressPlan): boolean {
  const linkState = linkStateEpoch();
  if (plan.linkState !== linkState) {
    plan.carrier = dp.carrierOf(s, plan.iface!);
    plan.linkState = linkState;
  }
  return plan.carrier;
}

/**
 * Who answers ARP for NEXTHOP on PLAN's link (Dataplane.neighbourOn, asked by S's interface): for a gateway kept on the
 * plan, which the frame's sender has just read (the link's answers are one more object to load).
 */
export function planNeighbour(dp: Dataplane, s: DeviceState, plan: EgressPlan, link: LinkInfo, nexthop: number): Neighbour | undefined {
  const iface = plan.iface!;
  if (plan.gateway !== nexthop) return dp.neighbourOn(link, iface.segment!, nexthop, s.id, iface.name);
  const addressing = addressingEpoch();
  const linkState = linkStateEpoch();
  if (plan.holderAddressing !== addressing || plan.holderLinkState !== linkState) {
    // Asked afresh, not through the link's answers: a pod's link then never makes them (it sends only to its gateway).
    plan.holder = dp.neighbour(iface.segment!, nexthop, s.id, iface.name);
    plan.holderAddressing = addressing;
    plan.holderLinkState = linkState;
  }
  return plan.holder;
}
