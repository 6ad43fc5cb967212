// vitest's configuration: the defaults, plus the preloading of the simulator's lazily loaded programs.
import { defineConfig } from 'vitest/config';

export default defineConfig({ test: { setupFiles: ['test/setup-lazy.ts'] } });
