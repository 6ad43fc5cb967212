// vitest runs the TypeScript sources, which Node cannot require(): the simulator's lazily loaded programs
// (sim/lazy.ts) are imported before each test file instead of on their first call.
import '../lab/lazy-registries.js';
import { preloadLazyModules } from '../sim/lazy.js';

await preloadLazyModules();
