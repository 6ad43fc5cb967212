// Runs a command at a PLACE of a simulator's lab (a node, a pod, node/pod, or a debug container POD+IMAGE), as the
// backends do; tests that drive a Simulator directly use it for places that are not plain device ids.
import { runInContainer } from '../../sim/debug-container.js';
import type { Simulator } from '../../sim/simulator.js';
import { resolvePlace } from '../../topology/place.js';
import type { CommandResult } from '../../topology/trace.js';

export function runAtPlace(sim: Simulator, place: string, command: string): CommandResult {
  const where = resolvePlace(sim.model, place);
  if (!where.ok) throw new Error(where.message);
  return runInContainer(sim, where.device, command);
}
