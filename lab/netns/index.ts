// The namespace lab's public surface: the Backend factory and the plain up/status/down functions for the CLI.
export { createNetnsBackend, toolArgv, placeFromRecord, busyboxApplets } from './backend.js';
export { benchNetns, formatNetnsBench, netnsJsonRow } from './bench.js';
export type { NetnsBenchRow, NetnsBenchResult } from './bench.js';
export { netnsUp, netnsDown, netnsStatus, formatStatus, NetnsError, DEFAULT_PREFIX } from './lifecycle.js';
export type { NetnsLabOptions, NetnsUpOptions, UpSummary, DownSummary, NetnsStatus } from './lifecycle.js';
export { buildNetnsPlan } from './plan.js';
export type { NetnsPlan, PlanStep } from './plan.js';
export { preflight } from './preflight.js';
export { waitAndReconcile, MAX_REAL_WAIT_MS } from './flannel.js';
