// A command in a debug container (place POD+IMAGE): the pod's own device state (interfaces, routes, sockets, counters)
// seen, for the command's run, through the debug view of the pod (the debug image's programs, toolset and resolver).
import type { Device } from '../topology/model.js';
import { debugImageOf } from '../topology/debug-container.js';
import type { CommandResult } from '../topology/trace.js';
import type { Simulator } from './simulator.js';

/**
 * Runs RUN with DEVICE's state showing DEVICE (a debug view) as its device, then puts the pod's own back. The swap is
 * the one seam every program reads the place's image through (state.device), so nothing else needs to know about
 * debug containers; the network fields of the view are the pod's own, so packets see the same device.
 */
export function inContainer<T>(sim: Simulator, device: Device, run: (id: string) => T): T {
  if (debugImageOf(device) === undefined) return run(device.id);
  const state = sim.dp.state(device.id) as unknown as { device: Device };
  const own = state.device;
  state.device = device;
  try {
    return run(device.id);
  } finally {
    state.device = own;
  }
}

/** Runs COMMAND at DEVICE (a model device or a debug container's view of a pod). */
export function runInContainer(sim: Simulator, device: Device, command: string): CommandResult {
  return inContainer(sim, device, (id) => sim.run(id, command));
}
