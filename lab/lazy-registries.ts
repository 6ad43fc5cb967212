// Every module that registers lazily loaded programs (sim/lazy.ts): importing this one registers them all, for the
// test runner, which preloads them (test/setup-lazy.ts), and for the CLI bundle's build, which bundles each of them.
import '../sim/commands/index.js';
import '../sim/tools/registry.js';
import './sim.js';
