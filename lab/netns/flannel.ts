// flanneld's route check loop, emulated in the namespace lab: host-gw routes missing for FLANNEL_RECONCILE_MS of lab
// time on a node where Flannel runs are re-added from the model, exactly when the simulator would re-add them.
import { setTimeout as sleep } from 'node:timers/promises';
import { formatRouteDst } from '../../topology/address.js';
import type { LabModel } from '../../topology/model.js';
import { FLANNEL_RECONCILE_MS } from '../../sim/simulator.js';
import { runArgv } from '../process.js';
import { installedSharedRoutes, routeArgv, type PlannedPlace } from './plan.js';

/**
 * The longest real sleep of one `wait`: long enough for the kernel's ICMP rate-limit bucket (burst 6, one token per
 * second) to refill, which is the only kernel state the simulator's clock also ages. Longer waits pass as lab time:
 * flanneld's reconciliation is applied for the full duration without sleeping it.
 */
export const MAX_REAL_WAIT_MS = 6_000;

/** Lab time and the moment each missing host-gw route was first seen missing (by node and prefix). */
export interface FlannelClock {
  nowMs: number;
  readonly missingSince: Map<string, number>;
}

export function newFlannelClock(): FlannelClock {
  return { nowMs: 0, missingSince: new Map() };
}

interface RouteJson {
  readonly dst: string;
}
interface LinkJson {
  readonly ifname: string;
  readonly flags?: readonly string[];
}

async function jsonOf<T>(argv: string[]): Promise<T[]> {
  const r = await runArgv(argv);
  if (r.exitCode !== 0) throw new Error(`${argv.join(' ')}: exit ${r.exitCode}: ${r.stderr.trim()}`);
  return r.stdout.trim() === '' ? [] : (JSON.parse(r.stdout) as T[]);
}

/**
 * Lets MS of lab time pass: sleeps min(MS, MAX_REAL_WAIT_MS) for real, then on every node where Flannel runs (it has
 * a Flannel config and is not in cluster.flannelStopped) re-adds each host-gw route of the model that has been missing
 * for FLANNEL_RECONCILE_MS of lab time while its interface is up. Returns the routes re-added, as `node: prefix`.
 */
export async function waitAndReconcile(
  lab: Pick<LabModel, 'devices' | 'cluster' | 'routeSets'>,
  places: Readonly<Record<string, PlannedPlace>>,
  clock: FlannelClock,
  ms: number,
  maxRealMs: number = MAX_REAL_WAIT_MS,
): Promise<string[]> {
  await sleep(Math.min(Math.max(ms, 0), maxRealMs));
  const end = clock.nowMs + ms;
  const readded: string[] = [];
  for (const device of lab.devices) {
    if (device.flannel === undefined || lab.cluster.flannelStopped.includes(device.id)) continue;
    const routes = installedSharedRoutes(device, lab);
    const ns = places[device.id]?.ns;
    if (routes.length === 0 || ns === undefined) continue;
    const present = new Set((await jsonOf<RouteJson>(['ip', '-n', ns, '-j', 'route', 'show', 'table', 'main'])).map((r) => r.dst));
    const up = new Set((await jsonOf<LinkJson>(['ip', '-n', ns, '-j', 'link', 'show'])).filter((l) => l.flags?.includes('UP')).map((l) => l.ifname));
    for (const route of routes) {
      const prefix = formatRouteDst(route.dst);
      const key = `${device.id} ${prefix}`;
      if (present.has(prefix)) {
        clock.missingSince.delete(key);
        continue;
      }
      if (route.dev !== undefined && !up.has(route.dev)) continue;
      const since = clock.missingSince.get(key) ?? clock.nowMs;
      clock.missingSince.set(key, since);
      if (end - since < FLANNEL_RECONCILE_MS) continue;
      // Like flanneld, a route the kernel refuses (its gateway no longer on a connected subnet) is retried next time.
      if ((await runArgv(routeArgv(ns, route))).exitCode !== 0) continue;
      clock.missingSince.delete(key);
      readded.push(`${device.id}: ${prefix}`);
    }
  }
  clock.nowMs = end;
  return readded;
}
