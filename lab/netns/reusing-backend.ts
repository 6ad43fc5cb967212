// A netns Backend for many short runs on the same lab (`verify --generate`): `down` keeps the lab, and the next `up`
// of the same lab resets what the previous run changed instead of rebuilding; when a reset cannot be confirmed (a
// snapshot differs afterwards) the lab is rebuilt. `close` takes the lab down.
import type { LabModel } from '../../topology/model.js';
import type { Backend, BackendOptions, UpOptions } from '../backend.js';
import { createNetnsBackend, placeFromRecord } from './backend.js';
import { DEFAULT_PREFIX, netnsDown } from './lifecycle.js';
import { kubectlStatePath, readKubectlState } from './kubectl-state.js';
import { buildNetnsPlan } from './plan.js';
import { readRecord, recordPath, stateDirOf } from './record.js';
import { planFingerprint } from './reuse.js';
import { flushCaches, restoreNamespace, settleAfterReset, snapshotNamespace, type NamespaceSnapshot } from './reset.js';
import { resolvePlace } from '../../topology/place.js';

export interface ReusingBackend extends Backend {
  /** Takes the kept lab down. */
  close(): Promise<void>;
  /** Labs built and resets done (for the run's summary). */
  readonly stats: { builds: number; resets: number; failedResets: number };
}

export function createReusingNetnsBackend(opts: BackendOptions = {}): ReusingBackend {
  const prefix = opts.prefix ?? DEFAULT_PREFIX;
  const common = { prefix, ...(opts.stateDir !== undefined ? { stateDir: opts.stateDir } : {}) };
  const inner = createNetnsBackend(opts);
  let fingerprint: string | undefined;
  let lab: LabModel | undefined;
  const snapshots = new Map<string, NamespaceSnapshot>();
  const touched = new Set<string>();
  const stats = { builds: 0, resets: 0, failedResets: 0 };

  const record = () => readRecord(recordPath(stateDirOf(opts.stateDir), prefix));
  const namespaceOf = (place: string): string | undefined => {
    const r = record();
    const resolved = lab ? resolvePlace(lab, place) : undefined;
    if (!r || !resolved?.ok) return undefined;
    return placeFromRecord(r.places, resolved.device.id).place.ns;
  };

  /** Resets the namespaces the last run touched; false when the lab must be rebuilt. */
  async function reset(): Promise<boolean> {
    const r = record();
    if (!r || r.state !== 'up') return false;
    // kubectl changed the API (and kube-router's ipsets, which no snapshot holds): rebuild rather than reset.
    if (readKubectlState(kubectlStatePath(recordPath(stateDirOf(opts.stateDir), prefix)), r.createdAt)) return false;
    let linksChanged = false;
    for (const ns of touched) {
      const want = snapshots.get(ns);
      if (!want) return false;
      const done = await restoreNamespace(ns, want);
      if (!done.ok) return false;
      linksChanged ||= done.linksChanged;
    }
    touched.clear();
    if (!(await flushCaches(r.namespaces))) return false;
    return !linksChanged || (await settleAfterReset(r.namespaces));
  }

  return {
    name: 'netns',
    stats,
    preflight: () => inner.preflight(),
    status: () => inner.status(),
    async up(model: LabModel, upOpts: UpOptions = {}): Promise<void> {
      const next = planFingerprint(buildNetnsPlan(model, { prefix }));
      if (next === fingerprint && (await reset())) stats.resets++;
      else {
        if (next === fingerprint) stats.failedResets++;
        await netnsDown(common);
        snapshots.clear();
        touched.clear();
        stats.builds++;
      }
      fingerprint = next;
      lab = model;
      await inner.up(model, upOpts);
    },
    async run(place: string, command: string) {
      const ns = namespaceOf(place);
      if (ns !== undefined) {
        if (!snapshots.has(ns)) snapshots.set(ns, await snapshotNamespace(ns));
        touched.add(ns);
      }
      return inner.run(place, command);
    },
    async wait(ms: number): Promise<void> {
      await inner.wait(ms);
    },
    async down(): Promise<void> {
      // The lab is kept for the next run of the same lab; close() takes it down.
    },
    async close(): Promise<void> {
      fingerprint = undefined;
      snapshots.clear();
      touched.clear();
      await inner.down();
    },
  };
}
