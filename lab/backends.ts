// Explicit registration of every backend kind; unknown names are rejected with the list of known ones.
import { UsageError, type Backend, type BackendName, type BackendOptions, type BackendFactory } from './backend.js';
import { BACKEND_NAMES } from './backend-names.js';
import { createKubectlBackend } from './kubectl/backend.js';
import { createNetnsBackend } from './netns/backend.js';
import { createSimBackend } from './sim.js';
import { createVagrantBackend } from './vagrant/backend.js';

const FACTORIES: Readonly<Record<BackendName, BackendFactory>> = {
  sim: createSimBackend,
  netns: createNetnsBackend,
  vagrant: createVagrantBackend,
  kubectl: createKubectlBackend,
};

export { BACKEND_NAMES };

export function isBackendName(name: string): name is BackendName {
  return Object.hasOwn(FACTORIES, name);
}

export function createBackend(name: string, opts: BackendOptions = {}): Backend {
  if (!isBackendName(name)) throw new UsageError(`unknown backend "${name}" (known: ${BACKEND_NAMES.join(', ')})`);
  return FACTORIES[name](opts);
}
