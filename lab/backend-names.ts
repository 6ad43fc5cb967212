// The backend kinds by name, known without loading any backend (the CLI offers them as --backend choices).
import type { BackendName } from './backend.js';

/** Every backend kind, in the order the CLI lists them; lab/backends.ts registers a factory for each. */
export const BACKEND_NAMES: readonly BackendName[] = ['sim', 'netns', 'vagrant', 'kubectl'];
